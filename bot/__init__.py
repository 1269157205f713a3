"""Adapters over `index`: the Discord bot (`bot.create_bot`) and the command line."""

from __future__ import annotations

from typing import Any

__all__ = ["create_bot"]


def __getattr__(name: str) -> Any:
    # Lazy, so `whosaid index` does not pay for importing discord.py.
    if name == "create_bot":
        from bot.client import create_bot

        return create_bot
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
