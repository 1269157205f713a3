"""Settings, read once in the entry points from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IdList = Annotated[tuple[int, ...], NoDecode]


class Settings(BaseSettings):
    """Every setting whosaid reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    discord_token: str | None = Field(default=None, alias="DISCORD_TOKEN")
    articles_dir: Path = Field(default=Path("seeds"), alias="WHOSAID_ARTICLES_DIR")
    data_dir: Path = Field(default=Path(".whosaid"), alias="WHOSAID_DATA_DIR")
    embedding_model: str = Field(default="all-MiniLM-L6-v2", alias="WHOSAID_EMBEDDING_MODEL")
    embedding_backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto", alias="WHOSAID_EMBEDDING_BACKEND"
    )
    vector_index: Literal["auto", "flat", "hnsw", "sq8"] = Field(
        default="auto", alias="WHOSAID_VECTOR_INDEX"
    )
    top_k: int = Field(default=5, ge=1, le=25, alias="WHOSAID_TOP_K")
    admin_role_ids: IdList = Field(default=(), alias="WHOSAID_ADMIN_ROLE_IDS")
    admin_user_ids: IdList = Field(default=(), alias="WHOSAID_ADMIN_USER_IDS")
    guild_ids: IdList = Field(default=(), alias="WHOSAID_GUILD_IDS")
    ask_cooldown_seconds: float = Field(default=5.0, ge=0, alias="WHOSAID_ASK_COOLDOWN_SECONDS")
    answer_in_thread: bool = Field(default=True, alias="WHOSAID_ANSWER_IN_THREAD")
    message_content: bool = Field(default=False, alias="WHOSAID_MESSAGE_CONTENT")
    max_upload_bytes: int = Field(default=2_000_000, ge=1, alias="WHOSAID_MAX_UPLOAD_BYTES")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="WHOSAID_LOG_LEVEL"
    )

    @field_validator("admin_role_ids", "admin_user_ids", "guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1, 2,3" from the environment as well as a list."""
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            bad = [p for p in parts if not p.isdigit()]
            if bad:
                raise ValueError(
                    f"expected Discord ids (digits) separated by commas, got {', '.join(bad)!s}"
                )
            return tuple(int(p) for p in parts)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class SettingsError(Exception):
    """A setting has a bad value; the message names it and what is allowed."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one message per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            alias = _alias(field)
            lines.append(f"{alias}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("bad setting:\n  " + "\n  ".join(lines)) from None


def _alias(name: str) -> str:
    for field_name, info in Settings.model_fields.items():
        if name in (field_name, info.alias):
            return info.alias or field_name.upper()
    return name
