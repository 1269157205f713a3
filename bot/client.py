"""The Discord bot: one Bot subclass over a `Whosaid` engine, features in cogs.

The engine is passed in (tests hand in their own); every engine call is blocking and runs in
a worker thread. Errors a user can cause become short ephemeral messages; anything else is
logged with a traceback and the user gets an apology carrying an error id to quote.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import gc
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings, load_settings
from bot.render import NO_MENTIONS, Reply
from index.errors import WhosaidError

if TYPE_CHECKING:
    from index.engine import Whosaid

log = logging.getLogger("whosaid.bot")

EXTENSIONS = ("bot.cogs.ask", "bot.cogs.speakers", "bot.cogs.admin")
# Threads that serve questions and listings. More than the cores only adds GIL contention,
# which delays the event loop (and so the gateway heartbeat) without answering any faster.
READER_THREADS = 2
WORKER_NICENESS = 10

T = TypeVar("T")


class BotStartError(WhosaidError):
    """The bot cannot start: no token, a token Discord refuses, or intents not enabled."""


class UserError(app_commands.AppCommandError):
    """A refusal worded for the user (not an admin, on cooldown...); shown as it is."""


class WhosaidTree(app_commands.CommandTree):
    """The command tree whose error handler speaks to the user and never lets one fail loud."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        message = user_message(original)
        if message is None:
            error_id = self.client.report_unexpected(original, _describe(interaction))  # type: ignore[attr-defined]
            message = (
                f"Sorry, something went wrong on my side (error id `{error_id}`). "
                "It has been logged; please try again later."
            )
        await reply_privately(interaction, message)


def user_message(error: BaseException) -> str | None:
    """The message a user sees for an error they caused, or None for a bug."""
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: you can ask again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    told = (UserError, WhosaidError, app_commands.CheckFailure, app_commands.TransformerError)
    return str(error) if isinstance(error, told) else None


async def reply_privately(interaction: discord.Interaction, message: str) -> None:
    """Tell only the user; a public "thinking…" placeholder is removed first."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)
            return
        if not interaction.extras.get("answered"):
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                pass  # already gone; the followup below still tells the user
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not tell user about an error in %s", _describe(interaction))


async def send_replies(interaction: discord.Interaction, replies: Sequence[Reply]) -> None:
    """Send rendered messages as the answer to a (deferred) interaction."""
    for reply in replies:
        await interaction.followup.send(
            content=reply.content or discord.utils.MISSING,
            embeds=list(reply.embeds),
            allowed_mentions=NO_MENTIONS,
        )
        interaction.extras["answered"] = True


class WhosaidBot(commands.Bot):
    """The bot: settings and engine passed in, cogs loaded and commands synced in setup_hook."""

    def __init__(self, settings: Settings, engine: Whosaid, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content
        options.setdefault("chunk_guilds_at_startup", False)
        super().__init__(
            command_prefix=commands.when_mentioned,  # required, unused: on_message is overridden
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            tree_cls=WhosaidTree,
            **options,
        )
        self.settings = settings
        self.engine = engine
        self._readers = ThreadPoolExecutor(
            READER_THREADS, thread_name_prefix="whosaid-reader", initializer=_yield_cpu
        )
        self._writer = ThreadPoolExecutor(
            1, thread_name_prefix="whosaid-writer", initializer=_yield_cpu
        )
        self._warming: asyncio.Task[None] | None = None

    async def read(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking engine read (ask, listings) in the reader threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, functools.partial(func, *args, **kwargs))

    async def write(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking engine update in the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, functools.partial(func, *args, **kwargs))

    async def close(self) -> None:
        await super().close()
        self._readers.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=False, cancel_futures=True)

    async def setup_hook(self) -> None:
        for name in EXTENSIONS:
            await self.load_extension(name)
        await self.sync_commands()
        # In the background, so a bad token or missing intent is reported without waiting.
        self._warming = asyncio.create_task(self.warm_up())

    async def warm_up(self) -> None:
        """Load the model and the index now rather than on the first question."""
        try:
            await self.read(self.engine.speakers)
        except WhosaidError as exc:
            log.warning("not ready to answer yet: %s", exc)
        except Exception as exc:  # the first question will meet it again, and say so
            self.report_unexpected(exc, "warm-up")
        settle_memory()

    async def sync_commands(self) -> None:
        """Sync to the configured guilds (instant, for development) or globally (slow to show)."""
        if not self.settings.guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
            return
        for guild_id in self.settings.guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %d", len(synced), guild_id)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: questions by mention are handled by the ask cog's listener."""

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """An event handler raised: log it with an id; the bot carries on."""
        error = sys.exc_info()[1]
        if error is not None:
            self.report_unexpected(error, event_method)

    def report_unexpected(self, error: BaseException, where: str) -> str:
        """Log a bug with its traceback under a short id the user can quote; return the id."""
        error_id = uuid.uuid4().hex[:8]
        log.error("error %s in %s", error_id, where, exc_info=error)
        return error_id


def _yield_cpu() -> None:
    """Lower a worker thread's priority so the event loop thread runs first when cores are
    short (Linux schedules threads one by one; elsewhere this does nothing)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except (AttributeError, OSError):
        pass


def settle_memory() -> None:
    """Collect garbage, then freeze what is left out of the cyclic collector's reach.

    Loaded, the model and the spaCy pipeline are some 500,000 Python objects; every full
    collection walked them all, 0.4-0.6 s with the event loop (and the gateway heartbeat)
    stopped. Frozen, they are never walked again. Call after anything that loads a lot.
    """
    gc.collect()
    gc.freeze()
    _trim_heap()


def _trim_heap() -> None:
    """Hand the memory that loading used and freed back to the system: glibc keeps freed heap
    for reuse, so without this the bot stays at its loading peak (glibc only; else nothing)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _describe(interaction: discord.Interaction) -> str:
    name = interaction.command.qualified_name if interaction.command else interaction.type.name
    return f"/{name} by user {interaction.user.id}"


def create_bot(
    settings: Settings | None = None, engine: Whosaid | None = None, **options: Any
) -> WhosaidBot:
    """Build the bot; the engine is made from the settings unless one is passed in."""
    settings = settings or load_settings()
    if engine is None:
        from index.engine import Whosaid

        engine = Whosaid(
            settings.data_dir,
            model=settings.embedding_model,
            backend=settings.embedding_backend,
            vector_index=settings.vector_index,
        )
    return WhosaidBot(settings, engine, **options)


def run_bot(settings: Settings) -> None:
    """Log in and serve until stopped; a start-up problem raises `BotStartError` saying why."""
    if not settings.discord_token:
        raise BotStartError(
            "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal "
            "(Applications > your app > Bot > Reset Token) in .env or the environment"
        )
    bot = create_bot(settings)
    try:
        asyncio.run(_serve(bot, settings.discord_token))
    except discord.LoginFailure:
        raise BotStartError(
            "Discord refused the token in DISCORD_TOKEN: copy it again from the developer "
            "portal (Bot > Reset Token); it is not the application id or the client secret"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise BotStartError(
            "WHOSAID_MESSAGE_CONTENT is on but the Message Content Intent is not enabled: "
            "turn it on in the developer portal (Bot > Privileged Gateway Intents) or set "
            "WHOSAID_MESSAGE_CONTENT=false to use slash commands only"
        ) from None
    except KeyboardInterrupt:
        pass


async def _serve(bot: WhosaidBot, token: str) -> None:
    async with bot:
        await bot.start(token)
