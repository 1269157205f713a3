"""Keeping the index: `/status` for everyone; `/reindex` and `/add-article` for admins.

Admin commands carry ``default_permissions(manage_guild=True)`` so Discord hides them, but
that is only metadata a server can override: `admin_only` checks again, in code, against the
member's permissions and the configured admin role and user ids.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import UserError, WhosaidBot, settle_memory
from bot.render import NO_MENTIONS, escape, progress_text, shorten, status_embed, update_summary
from index.errors import IndexBusyError, UploadError
from index.models import Progress, UpdateReport
from index.uploads import SavedUpload, check_upload_name, save_upload

log = logging.getLogger("whosaid.bot.admin")

PROGRESS_EDIT_SECONDS = 1.0  # Discord rate-limits message edits; once a second reads fine


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server permission, or a configured admin user id or role id."""
    settings = interaction.client.settings  # type: ignore[attr-defined]
    user = interaction.user
    if user.id in settings.admin_user_ids:
        return True
    if not isinstance(user, discord.Member):
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    return any(role.id in settings.admin_role_ids for role in user.roles)


def admin_only() -> Callable:
    """An app command check that refuses non-admins with a short message."""

    def predicate(interaction: discord.Interaction) -> bool:
        if not is_admin(interaction):
            raise UserError(
                "Only admins can do that: you need Manage Server or an admin role set "
                "in WHOSAID_ADMIN_ROLE_IDS."
            )
        return True

    return app_commands.check(predicate)


class Admin(commands.Cog):
    """Index status, re-indexing and adding articles."""

    def __init__(self, bot: WhosaidBot) -> None:
        self.bot = bot
        self.updating = asyncio.Lock()  # one update from this bot at a time

    @app_commands.command()
    async def status(self, interaction: discord.Interaction) -> None:
        """Show how many articles, passages and speakers are indexed, and the index age."""
        await interaction.response.defer(thinking=True)
        status = await self.bot.read(self.bot.engine.status)
        embed = status_embed(status, now=time.time())
        await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)

    @app_commands.command()
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Re-read the articles folder and update the index (admins)."""
        if self.updating.locked():
            raise IndexBusyError("A re-index is already running; its message shows the progress.")
        async with self.updating:
            await interaction.response.defer(thinking=True)
            report = await self._update(interaction)
            await self._finish(interaction, update_summary(report))

    @app_commands.command(name="add-article")
    @app_commands.describe(
        file="A .txt, .md or .jsonl article file (UTF-8)",
        replace="Overwrite an article file of the same name",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def add_article(
        self, interaction: discord.Interaction, file: discord.Attachment, replace: bool = False
    ) -> None:
        """Add an article file to the folder and index it (admins)."""
        limit = self.bot.settings.max_upload_bytes
        check_upload_name(file.filename)
        if file.size > limit:
            raise UploadError(f"the file is {file.size:,} bytes; the limit is {limit:,}")
        await interaction.response.defer(thinking=True)
        data = await file.read()
        saved = await asyncio.to_thread(
            save_upload,
            self.bot.settings.articles_dir,
            file.filename,
            data,
            max_bytes=limit,
            replace=replace,
        )
        async with self.updating:  # after a running /reindex, which may already include it
            await _edit_quietly(interaction, f"Saved `{saved.name}`; indexing…")
            report = await self._update(interaction)
        await self._finish(interaction, await self._added_text(saved, report))

    async def _update(self, interaction: discord.Interaction) -> UpdateReport:
        """Run the update in a worker thread, editing one message with its progress.

        The first progress report is shown at once (so even a quick update shows one), later
        ones at most once a second, as Discord rate-limits edits.
        """
        loop = asyncio.get_running_loop()
        latest: list[Progress | None] = [None]
        moved = asyncio.Event()

        def record(progress: Progress) -> None:  # called in the worker thread
            latest[0] = progress
            loop.call_soon_threadsafe(moved.set)

        started = time.monotonic()
        task = asyncio.ensure_future(
            # Loaded here, so no question waits for the new generation's BM25 index.
            self.bot.write(
                self.bot.engine.update, self.bot.settings.articles_dir, record, load=True
            )
        )
        shown, last_edit = "", float("-inf")
        while not task.done():
            moved.clear()
            waiter = asyncio.ensure_future(moved.wait())
            await asyncio.wait(
                {task, waiter}, timeout=PROGRESS_EDIT_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            if task.done() and (latest[0] is None or task.exception() is not None):
                break  # nothing worth showing: the summary or the error comes next
            if time.monotonic() - last_edit < PROGRESS_EDIT_SECONDS:
                continue
            text = progress_text(latest[0], elapsed=time.monotonic() - started)
            if text != shown:
                shown, last_edit = text, time.monotonic()
                await _edit_quietly(interaction, text)
        try:
            report = task.result()
        except Exception:
            if shown:  # progress is public: say it ended; the error itself goes privately
                await _edit_quietly(interaction, "The update stopped; the index is unchanged.")
            raise
        settle_memory()  # the first update loads the attribution pipeline
        return report

    async def _finish(self, interaction: discord.Interaction, text: str) -> None:
        """The final edit; past the 15-minute interaction window, post in the channel instead."""
        try:
            await interaction.edit_original_response(content=text)
        except discord.HTTPException:
            channel = interaction.channel
            if not isinstance(channel, discord.abc.Messageable):
                raise
            await channel.send(text, allowed_mentions=NO_MENTIONS)

    async def _added_text(self, saved: SavedUpload, report: UpdateReport) -> str:
        """What the upload added: articles, whether the index took them, speakers found."""
        ids = [a.id for a in saved.articles]
        records = [r for i in ids for r in await self.bot.read(self.bot.engine.quotes, i)]
        speakers = sorted({r.quote.speaker for r in records if r.quote.speaker})
        verb = "Replaced" if saved.replaced else "Added"
        titles = ", ".join(escape(a.title or a.id) for a in saved.articles)
        lines = [
            # A safe name holds no backticks, so code formatting shows it verbatim.
            shorten(f"{verb} `{saved.name}`: {len(ids)} article(s): {titles}", 600),
            f"{len(records)} quote(s) found.",
        ]
        if speakers:
            lines.append(shorten("Speakers: " + ", ".join(escape(s) for s in speakers), 800))
        skipped = [s for s in report.skipped if s.path == saved.name]
        lines += [f"Not indexed: {escape(s.reason)}" for s in skipped]
        return shorten("\n".join(lines), 2000)


async def _edit_quietly(interaction: discord.Interaction, text: str) -> None:
    """Edit the command's one message; a failed edit is not worth failing the update for."""
    try:
        await interaction.edit_original_response(content=text)
    except discord.HTTPException as exc:
        log.warning("could not show re-index progress: %s", exc)
    else:
        interaction.extras["answered"] = True  # errors now go in a private followup


async def setup(bot: WhosaidBot) -> None:
    await bot.add_cog(Admin(bot))
