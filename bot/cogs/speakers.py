"""Browsing what is indexed: `/speakers`, `/speaker`, `/articles`, each paginated."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import WhosaidBot
from bot.render import article_pages, quote_pages, speaker_pages
from bot.views import Paginator
from index.errors import WhosaidError

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
CHOICE_CHARS = 100


async def speaker_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete speaker names (and aliases) containing what has been typed so far."""
    bot: WhosaidBot = interaction.client  # type: ignore[assignment]
    try:
        found = await bot.read(bot.engine.speakers, current.strip() or None)
    except WhosaidError:
        return []  # no index yet: nothing to suggest, and autocomplete cannot show errors
    return [
        app_commands.Choice(name=s.name[:CHOICE_CHARS], value=s.name[:CHOICE_CHARS])
        for s in found[:MAX_CHOICES]
    ]


class Speakers(commands.Cog):
    """Who speaks in the articles, what they said, and which articles there are."""

    def __init__(self, bot: WhosaidBot) -> None:
        self.bot = bot

    @app_commands.command()
    @app_commands.describe(
        filter="Only speakers whose name contains this",
        sort="Most quoted first (default), by name, or in most articles first",
    )
    @app_commands.autocomplete(filter=speaker_choices)
    async def speakers(
        self,
        interaction: discord.Interaction,
        filter: str | None = None,
        sort: Literal["quotes", "name", "articles"] = "quotes",
    ) -> None:
        """List every speaker with quote count, role and number of articles."""
        await interaction.response.defer(thinking=True)
        found = await self.bot.read(self.bot.engine.speakers, filter or None, sort)
        title = f"Speakers matching “{filter}”" if filter else "Speakers"
        await Paginator(speaker_pages(found, title=title), interaction.user.id).send(interaction)

    @app_commands.command()
    @app_commands.describe(name="The speaker's name (start typing to pick one)")
    @app_commands.autocomplete(name=speaker_choices)
    async def speaker(self, interaction: discord.Interaction, name: str) -> None:
        """Show one speaker's quotes, newest first, with article and date."""
        await interaction.response.defer(thinking=True)
        records = await self.bot.read(self.bot.engine.speaker_quotes, name)
        if not records:
            wanted = name[:CHOICE_CHARS]
            raise WhosaidError(f"I know no quotes by “{wanted}”; /speakers shows who speaks")
        shown = records[0].quote.speaker or name
        await Paginator(quote_pages(shown, records), interaction.user.id).send(interaction)

    @app_commands.command()
    async def articles(self, interaction: discord.Interaction) -> None:
        """List the indexed articles with date, source and quote count."""
        await interaction.response.defer(thinking=True)
        found = await self.bot.read(self.bot.engine.articles)
        await Paginator(article_pages(found), interaction.user.id).send(interaction)


async def setup(bot: WhosaidBot) -> None:
    await bot.add_cog(Speakers(bot))
