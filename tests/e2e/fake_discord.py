"""A fake Discord on 127.0.0.1: the REST endpoints and the gateway that discord.py 2.x uses.

The real discord.py client logs in, syncs its commands and receives events from it; tests
play the users (`invoke`, `autocomplete`, `click`, `post`) and read what the bot sent back.
Like Discord, it hides commands whose ``default_member_permissions`` the member lacks
(`CommandHidden`) unless a test opens a command up with `allow`, the fake's
equivalent of a server admin overriding it under Server Settings > Integrations.

Nothing here ever leaves the loopback interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

API = "/api/v10"
TOKEN = "fake-bot-token"
APP_ID = 1_000_000_000_000_001
BOT_ID = 1_000_000_000_000_002
GUILD_ID = 1_000_000_000_000_003
CHANNEL_ID = 1_000_000_000_000_004
EDITOR_ROLE = 1_000_000_000_000_005  # a plain role, no special permissions
EPHEMERAL = 64
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = 0x0000_0006_3FE7_FEC1  # Discord's default @everyone set, no Manage Server
MESSAGE_CONTENT_INTENT = 1 << 15
ATTACHMENT_SIZE_LIMIT = 8 * 1024 * 1024
OPTION_TYPES = {"string": 3, "integer": 4, "boolean": 5, "attachment": 11}
NOW = "2026-01-01T00:00:00+00:00"


class CommandHidden(Exception):
    """Discord would not show this command to this member (default_member_permissions)."""


@dataclass(frozen=True)
class FakeUser:
    """A server member as the fake presents them in interactions and messages."""

    id: int
    name: str
    permissions: int = EVERYONE_PERMISSIONS
    roles: tuple[int, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": False,
        }

    def member(self) -> dict[str, Any]:
        return {
            "user": self.payload(),
            "roles": [str(r) for r in self.roles],
            "joined_at": NOW,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(self.permissions),
        }


BOT_USER = {
    "id": str(BOT_ID),
    "username": "whosaid",
    "global_name": None,
    "discriminator": "0",
    "avatar": None,
    "bot": True,
    "verified": True,
    "mfa_enabled": False,
    "flags": 0,
}


@contextmanager
def point_discord_at(base: str) -> Iterator[None]:
    """Point discord.py's REST base and gateway at a fake Discord (``http://127.0.0.1:PORT``)."""
    if not base.startswith("http://127.0.0.1:"):
        raise ValueError(f"the fake Discord lives on 127.0.0.1, not at {base}")
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = base + API
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        base.replace("http", "ws", 1) + "/gateway"
    )
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@dataclass
class Interaction:
    """One interaction the fake sent, and everything the bot answered to it."""

    id: int
    token: str
    name: str
    user: FakeUser
    fake: FakeDiscord
    response_type: int | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # every state of @original
    choices: list[dict[str, Any]] | None = None  # autocomplete results
    source_message_id: str | None = None  # for a button press, the message it sits on
    thinking: bool = False  # deferred: the next followup replaces the "thinking…" message

    @property
    def messages(self) -> list[dict[str, Any]]:
        """What the user sees, in order: the original response, then the followups."""
        return ([self.original] if self.original else []) + self.followups

    async def wait(self, predicate: Callable[[Interaction], bool], timeout: float = 30) -> None:
        """Wait until ``predicate(self)`` holds (checked after every bot request)."""
        try:
            await self.fake.wait_until(lambda: predicate(self), timeout)
        except TimeoutError:
            seen = [(m.get("content"), len(m.get("embeds", []))) for m in self.messages]
            raise AssertionError(f"/{self.name} never got there; the user saw {seen}") from None

    async def answered(self, timeout: float = 30) -> list[dict[str, Any]]:
        """Wait for a visible answer: a non-empty original or a followup; return the messages."""
        await self.wait(lambda i: bool(i.followups) or _has_body(i.original), timeout)
        return self.messages


def _has_body(message: dict[str, Any] | None) -> bool:
    return bool(message and (message.get("content") or message.get("embeds")))


class FakeDiscord:
    """The fake: start it, `patch()` discord.py to use it, then drive the bot through it."""

    def __init__(self, *, heartbeat_ms: int = 41_250, message_content_enabled: bool = True):
        self.heartbeat_ms = heartbeat_ms
        self.message_content_enabled = message_content_enabled
        self.commands: dict[str, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: list[dict[str, Any]] = []  # sent by the bot outside interactions
        self.threads: dict[int, dict[str, Any]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.files: dict[int, bytes] = {}
        self.overrides: dict[str, set[int]] = {}  # command -> role ids allowed (guild id: all)
        self.heartbeats: list[float] = []
        self.requests: list[tuple[str, str]] = []
        self.failures: list[BaseException] = []  # requests the fake could not handle
        self.identified: dict[str, Any] | None = None
        self.ready = asyncio.Event()
        self._ids = itertools.count(2_000_000_000_000_000)
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.base = ""

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", API + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def patch(self) -> contextlib.AbstractContextManager[None]:
        """Point discord.py's REST base and gateway at this fake for the duration."""
        return point_discord_at(self.base)

    def allow(self, name: str, role: int = GUILD_ID) -> None:
        """Open a command to a role (default @everyone), as a server admin can under
        Server Settings > Integrations, whatever its default permissions say."""
        self.overrides.setdefault(name, set()).add(role)

    def new_id(self) -> int:
        return next(self._ids)

    # -- playing users ----------------------------------------------------------------------

    async def invoke(self, name: str, user: FakeUser, /, **options: Any) -> Interaction:
        """Run a slash command as ``user``; attachment options take `upload` results."""
        command = self._visible_command(name, user)
        data = self._command_data(command, options)
        return await self._interact(2, name, user, data)

    async def autocomplete(
        self, name: str, user: FakeUser, focused: str, /, **options: Any
    ) -> list[dict[str, Any]]:
        """What the bot suggests while ``user`` types ``options[focused]``."""
        command = self._visible_command(name, user)
        data = self._command_data(command, options)
        for option in data["options"]:
            if option["name"] == focused:
                option["focused"] = True
        interaction = await self._interact(4, name, user, data)
        await interaction.wait(lambda i: i.choices is not None)
        return interaction.choices or []

    async def click(self, message: dict[str, Any], label: str, user: FakeUser) -> Interaction:
        """Press the button labelled ``label`` on ``message`` as ``user``."""
        message = self.messages[int(message["id"])]
        buttons = [c for row in message.get("components", []) for c in row["components"]]
        [button] = [b for b in buttons if b.get("label") == label]
        if button.get("disabled"):
            raise AssertionError(f"button {label!r} is disabled")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._interact(3, f"button {label}", user, data, message=message)

    def upload(self, filename: str, data: bytes) -> dict[str, Any]:
        """An attachment as Discord would resolve it; the bot downloads it from the fake."""
        attachment_id = self.new_id()
        self.files[attachment_id] = data
        url = f"{self.base}/attachments/{attachment_id}/{urllib.parse.quote(filename, safe='')}"
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": "text/plain; charset=utf-8",
        }

    async def post(
        self, content: str, user: FakeUser, *, channel_id: int = CHANNEL_ID, mention: bool = True
    ) -> dict[str, Any]:
        """A user posts a message; with ``mention`` it @-mentions the bot first."""
        text = f"<@{BOT_ID}> {content}" if mention else content
        message = {
            **self._message(channel_id, text, author=user.payload()),
            "member": {k: v for k, v in user.member().items() if k != "user"},
            "mentions": [BOT_USER] if mention else [],
        }
        if not (self._intents() & MESSAGE_CONTENT_INTENT) and not mention:
            message["content"] = ""  # Discord withholds content without the intent
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), timeout)

    def sent_in(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.channel_messages if int(m["channel_id"]) == channel_id]

    # -- gateway ----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if self._ws is None:
            raise RuntimeError("the bot is not connected to the fake gateway")
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            if payload["op"] == 1:
                self.heartbeats.append(time.monotonic())
                await ws.send_json({"op": 11})
            elif payload["op"] == 2:
                await self._identify(ws, payload["d"])
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != TOKEN:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("intents", 0) & MESSAGE_CONTENT_INTENT and not self.message_content_enabled:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identified = data
        self._ws = ws  # only a session that identified receives events
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.base.replace("http", "ws", 1) + "/gateway",
            "application": {"id": str(APP_ID), "flags": 0},
        }
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", _guild())
        self.ready.set()

    def _intents(self) -> int:
        return int((self.identified or {}).get("intents", 0))

    # -- REST -------------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:  # a bug in the fake or a request it does not know
            self.failures.append(exc)
            raise
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.files.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _rest(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") not in (f"Bot {TOKEN}", None):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        parts = request.match_info["path"].split("/")
        body = await _body(request)
        for pattern, handler in self._routes():
            method, shape = pattern.split(" ", 1)
            if request.method == method and _matches(shape, parts):
                return await handler(parts, body, request)
        unknown = f"fake has no {request.method} /{'/'.join(parts)}"
        self.failures.append(LookupError(unknown))
        return _json({"message": unknown, "code": 0}, 404)

    def _routes(self) -> list[tuple[str, Callable]]:
        return [
            ("GET users/@me", self._me),
            ("GET oauth2/applications/@me", self._application),
            ("PUT applications/*/commands", self._sync),
            ("PUT applications/*/guilds/*/commands", self._sync),
            ("POST interactions/*/*/callback", self._callback),
            ("POST webhooks/*/*", self._followup),
            ("PATCH webhooks/*/*/messages/*", self._edit),
            ("GET webhooks/*/*/messages/*", self._get_message),
            ("DELETE webhooks/*/*/messages/*", self._delete),
            ("POST channels/*/messages", self._channel_message),
            ("POST channels/*/messages/*/threads", self._thread),
            ("POST channels/*/typing", self._typing),
        ]

    async def _me(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(BOT_USER)

    async def _application(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "whosaid",
                "icon": None,
                "description": "",
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": BOT_USER,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _sync(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        guild_id = parts[3] if len(parts) == 5 else None
        synced = []
        for command in body:
            stored = {
                **command,
                "id": str(self.new_id()),
                "application_id": str(APP_ID),
                "version": "1",
                "guild_id": guild_id,
            }
            permissions = command.get("default_member_permissions")
            stored["default_member_permissions"] = None if permissions is None else str(permissions)
            self.commands[command["name"]] = stored
            synced.append(stored)
        return _json(synced)

    async def _callback(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        interaction = self.interactions[parts[2]]
        kind = body["type"]
        interaction.response_type = kind
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        if kind == 8:  # autocomplete result
            interaction.choices = data.get("choices", [])
        elif kind in (4, 5):  # a message, or "thinking…" to be edited later
            message = self._message(CHANNEL_ID, **_message_fields(data))
            message["interaction_token"] = interaction.token
            self.messages[int(message["id"])] = message
            interaction.original = message
            interaction.thinking = kind == 5
            interaction.edits.append(dict(message))
            resource["message"] = message
        elif kind == 7:  # a component updated the message it sits on
            message = self.messages[int(interaction.source_message_id or 0)]
            message.update(_message_fields(data))
            resource["message"] = message
        answer = {
            "interaction": {
                "id": str(interaction.id),
                "type": 2,
                "response_message_id": resource.get("message", {}).get("id"),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            },
            "resource": resource,
        }
        return _json(answer)

    async def _followup(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        interaction = self._by_token(parts[2])
        message = self._message(CHANNEL_ID, **_message_fields(body))
        self.messages[int(message["id"])] = message
        if interaction.thinking and interaction.original is not None:
            # The first followup after "thinking…" replaces it, keeping its flags, as Discord
            # does: an ephemeral flag here is ignored.
            interaction.thinking = False
            message["id"] = interaction.original["id"]
            message["flags"] = interaction.original["flags"]
            self.messages[int(message["id"])] = message
            interaction.original = message
            interaction.edits.append(dict(message))
        else:
            interaction.followups.append(message)
        return _json(message)

    async def _edit(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        interaction = self._by_token(parts[2])
        message = self._target(interaction, parts[4])
        message.update(_message_fields(body, partial=True))
        message["edited_timestamp"] = NOW
        if message is interaction.original:
            interaction.thinking = False
            interaction.edits.append(dict(message))
        return _json(message)

    async def _get_message(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        return _json(self._target(self._by_token(parts[2]), parts[4]))

    async def _delete(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        interaction = self._by_token(parts[2])
        message = self._target(interaction, parts[4])
        if message is interaction.original:
            interaction.original, interaction.thinking = None, False
        self.messages.pop(int(message["id"]), None)
        return web.Response(status=204)

    async def _channel_message(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        message = self._message(int(parts[1]), **_message_fields(body))
        if body.get("message_reference"):  # Discord answers with ids as strings
            reference = body["message_reference"]
            message["message_reference"] = {
                k: str(v) if k.endswith("_id") else v for k, v in reference.items()
            }
        self.messages[int(message["id"])] = message
        self.channel_messages.append(message)
        return _json(message)

    async def _thread(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        thread_id = int(parts[3])  # a thread on a message takes the message's id
        thread = {
            "id": str(thread_id),
            "guild_id": str(GUILD_ID),
            "parent_id": parts[1],
            "owner_id": str(BOT_ID),
            "name": body["name"],
            "type": 11,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": NOW,
                "locked": False,
            },
        }
        self.threads[thread_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread)

    async def _typing(self, parts: list[str], body: Any, _: web.Request) -> web.Response:
        return web.Response(status=204)

    # -- helpers ----------------------------------------------------------------------------

    def _visible_command(self, name: str, user: FakeUser) -> dict[str, Any]:
        command = self.commands[name]
        needed = int(command.get("default_member_permissions") or 0)
        allowed = (
            not needed
            or user.permissions & ADMINISTRATOR
            or user.permissions & needed == needed
            or bool(self.overrides.get(name, set()) & {GUILD_ID, *user.roles})
        )
        if not allowed:
            raise CommandHidden(f"/{name} is hidden from {user.name}")
        return command

    def _command_data(self, command: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        types = {o["name"]: o["type"] for o in command.get("options", [])}
        options, resolved = [], {}
        for name, value in values.items():
            key = name.replace("_", "-") if name not in types else name
            if types[key] == OPTION_TYPES["attachment"]:
                resolved[value["id"]] = value
                value = value["id"]
            options.append({"name": key, "type": types[key], "value": value})
        data = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = {"attachments": resolved}
        return data

    async def _interact(
        self,
        kind: int,
        name: str,
        user: FakeUser,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        interaction_id = self.new_id()
        token = f"token-{interaction_id}"
        record = Interaction(interaction_id, token, name, user, self)
        self.interactions[str(interaction_id)] = record
        self.interactions[token] = record
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": _text_channel(),
            "member": user.member(),
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
        }
        if message is not None:
            payload["message"] = message
            record.source_message_id = message["id"]
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    def _by_token(self, token: str) -> Interaction:
        return self.interactions[token]

    def _target(self, interaction: Interaction, which: str) -> dict[str, Any]:
        if which == "@original":
            if interaction.original is None:
                raise web.HTTPNotFound(text="Unknown Message")
            return interaction.original
        return self.messages[int(which)]

    def _message(self, channel_id: int, content: str = "", **fields: Any) -> dict[str, Any]:
        return {
            "id": str(self.new_id()),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": BOT_USER,
            "content": content,
            "timestamp": NOW,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            **fields,
        }


def _message_fields(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The parts of a message body the fake keeps (all given ones when editing)."""
    keys = ("content", "embeds", "components", "flags", "allowed_mentions")
    fields = {k: data[k] for k in keys if k in data and data[k] is not None}
    if not partial:
        fields.setdefault("flags", 0)
    return fields


def _matches(shape: str, parts: list[str]) -> bool:
    pattern = shape.split("/")
    return len(pattern) == len(parts) and all(
        p in ("*", q) for p, q in zip(pattern, parts, strict=True)
    )


async def _body(request: web.Request) -> Any:
    if request.content_type == "multipart/form-data":
        form = await request.post()
        return json.loads(str(form.get("payload_json") or "{}"))
    text = await request.text()
    return json.loads(text) if text else {}


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": with "; charset=utf-8" discord.py treats the body as text.
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _text_channel() -> dict[str, Any]:
    return {
        "id": str(CHANNEL_ID),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "topic": None,
        "last_message_id": None,
    }


def _role(role_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(EVERYONE_PERMISSIONS),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def _guild() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Newsroom",
        "icon": None,
        "owner_id": "1",
        "unavailable": False,
        "large": False,
        "member_count": 4,
        "joined_at": NOW,
        "features": [],
        "roles": [_role(GUILD_ID, "@everyone", 0), _role(EDITOR_ROLE, "Editors", 1)],
        "channels": [_text_channel()],
        "threads": [],
        "members": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "system_channel_flags": 0,
        "preferred_locale": "en-US",
    }
