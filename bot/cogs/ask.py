"""Asking: `/ask`, and (with the message content intent) a mention or a reply in a bot thread."""

from __future__ import annotations

import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import WhosaidBot, send_replies, user_message
from bot.cogs.speakers import speaker_choices
from bot.render import NO_MENTIONS, Reply, answer_replies, shorten
from index.errors import WhosaidError
from index.models import SearchResult

MAX_COUNT = 10
THREAD_NAME_CHARS = 100
THREAD_ARCHIVE_MINUTES = 1440


class AskCooldown:
    """One question per user every ``per`` seconds, shared by `/ask` and mentions."""

    def __init__(self) -> None:
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int, per: float) -> float:
        """Seconds the user must still wait; 0 records this question as asked now."""
        now = time.monotonic()
        wait = self._last.get(user_id, -per) + per - now
        if wait > 0:
            return wait
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget those who asked long ago
            self._last = {u: t for u, t in self._last.items() if now - t < per}
        return 0.0


class Ask(commands.Cog):
    """Questions about the articles, answered with who said what."""

    def __init__(self, bot: WhosaidBot) -> None:
        self.bot = bot
        self.cooldown = AskCooldown()

    @app_commands.command()
    @app_commands.describe(
        question="What you want to know, e.g. what did Kuleba say about peace talks?",
        speaker="Only passages where this person or organisation speaks",
        count=f"How many passages to show (1-{MAX_COUNT})",
    )
    @app_commands.autocomplete(speaker=speaker_choices)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        speaker: str | None = None,
        count: app_commands.Range[int, 1, MAX_COUNT] | None = None,
    ) -> None:
        """Ask a question about the articles; the answer says who said it."""
        self._check_cooldown(interaction.user.id)
        await interaction.response.defer(thinking=True)
        result = await self.answer(question, speaker=speaker, count=count)
        await send_replies(interaction, answer_replies(result))

    async def answer(
        self, question: str, *, speaker: str | None = None, count: int | None = None
    ) -> SearchResult:
        """Run the question through the engine in a worker thread."""
        k = count or self.bot.settings.top_k
        return await self.bot.read(self.bot.engine.ask, question, k=k, speaker=speaker)

    def _check_cooldown(self, user_id: int) -> None:
        per = self.bot.settings.ask_cooldown_seconds
        wait = self.cooldown.retry_after(user_id, per) if per > 0 else 0.0
        if wait > 0:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(1, per), wait)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention of the bot, or any message in a thread the bot started."""
        question = self.question_in(message)
        if question is None:
            return
        try:
            self._check_cooldown(message.author.id)
            target = await self._answer_target(message, question)
            async with target.typing():
                result = await self.answer(question)
            await _send_to(target, answer_replies(result), reference=message)
        except (WhosaidError, app_commands.CommandOnCooldown) as exc:
            await message.reply(user_message(exc) or str(exc), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            self.bot.report_unexpected(exc, f"answering message {message.id}")
        except Exception as exc:  # one bad message must not go unanswered or stop the bot
            error_id = self.bot.report_unexpected(exc, f"answering message {message.id}")
            await message.reply(
                f"Sorry, something went wrong on my side (error id `{error_id}`).",
                allowed_mentions=NO_MENTIONS,
            )

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if it is not meant for the bot.

        Discord sends the text of messages that mention the bot even without the message
        content intent; replies in the bot's threads need the intent (they arrive empty).
        """
        me = self.bot.user
        if me is None or message.author.bot:
            return None
        mentioned = any(user.id == me.id for user in message.mentions)
        in_own_thread = (
            isinstance(message.channel, discord.Thread) and message.channel.owner_id == me.id
        )
        if not (mentioned or (in_own_thread and self.bot.settings.message_content)):
            return None
        question = " ".join(re.sub(rf"<@!?{me.id}>", " ", message.content).split())
        return question or None

    async def _answer_target(
        self, message: discord.Message, question: str
    ) -> discord.abc.Messageable:
        """Where the answer goes: the thread it was asked in, a new thread, or the channel."""
        channel = message.channel
        if not (self.bot.settings.answer_in_thread and isinstance(channel, discord.TextChannel)):
            return channel  # threads (including the bot's own) and other channels answer in place
        name = shorten(question, THREAD_NAME_CHARS)
        return await message.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)


async def _send_to(
    target: discord.abc.Messageable, replies: list[Reply], *, reference: discord.Message
) -> None:
    """Send rendered messages; in the question's own channel the first one replies to it."""
    for i, reply in enumerate(replies):
        in_place = i == 0 and target.id == reference.channel.id  # type: ignore[attr-defined]
        await target.send(
            content=reply.content,
            embeds=list(reply.embeds),
            allowed_mentions=NO_MENTIONS,
            reference=reference if in_place else None,  # type: ignore[arg-type]
        )


async def setup(bot: WhosaidBot) -> None:
    await bot.add_cog(Ask(bot))
