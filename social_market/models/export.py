"""'Download my data': one prepared ZIP of everything a person has here."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from social_market.models.base import utcnow

# pending → running → ready (until expires_at) / failed
EXPORT_PENDING, EXPORT_RUNNING, EXPORT_READY, EXPORT_FAILED = (
    "pending",
    "running",
    "ready",
    "failed",
)


class DataExport(SQLModel, table=True):
    __tablename__ = "data_export"

    id: int | None = Field(default=None, primary_key=True)
    # Random, unguessable: the download link's name (the link also needs the owner's session).
    public_id: str = Field(max_length=32, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    status: str = Field(default=EXPORT_PENDING, max_length=10)
    progress: int = 0  # percent
    # File name below $DATA_DIR/exports (random; never derived from user input).
    file_name: str | None = Field(default=None, max_length=64)
    size_bytes: int = 0
    error: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    expires_at: datetime | None = None
