"""Pagination: the pages are plain embeds kept apart from the buttons that turn them."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.render import NO_MENTIONS

PAGE_TIMEOUT_SECONDS = 600.0


class Paginator(discord.ui.View):
    """Buttons that turn through ``pages``; only ``owner_id`` (the asker) may press them."""

    def __init__(
        self,
        pages: Sequence[discord.Embed],
        owner_id: int,
        *,
        timeout: float | None = PAGE_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(timeout=timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None
        self._sync_buttons()

    async def send(self, interaction: discord.Interaction) -> None:
        """Send the first page as the answer to ``interaction`` (deferred or not)."""
        view = self if len(self.pages) > 1 else discord.utils.MISSING
        if interaction.response.is_done():
            self.message = await interaction.followup.send(
                embed=self.pages[0], view=view, allowed_mentions=NO_MENTIONS, wait=True
            )
            interaction.extras["answered"] = True
        else:
            await interaction.response.send_message(
                embed=self.pages[0], view=view, allowed_mentions=NO_MENTIONS
            )
            self.message = await interaction.original_response()
        if view is discord.utils.MISSING:
            self.stop()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Pages belong to whoever asked; anyone else is told so, privately."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can turn these pages; run the command yourself.",
            ephemeral=True,
        )
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass  # the message may be gone or the token expired; nothing to tidy then

    @discord.ui.button(label="«", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, 0)

    @discord.ui.button(label="‹ Prev", style=discord.ButtonStyle.primary)
    async def back(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await interaction.response.defer()  # disabled; never pressed

    @discord.ui.button(label="Next ›", style=discord.ButtonStyle.primary)
    async def forward(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(label="»", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, len(self.pages) - 1)

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(
            embed=self.pages[self.index], view=self, allowed_mentions=NO_MENTIONS
        )

    def _sync_buttons(self) -> None:
        at_start, at_end = self.index == 0, self.index == len(self.pages) - 1
        self.first.disabled = self.back.disabled = at_start
        self.forward.disabled = self.last.disabled = at_end
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"
