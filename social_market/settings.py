"""Settings from environment variables, with defaults that run on one laptop.

Every setting is documented in the README. Nothing here imports Reflex, so services,
migrations, tests and benchmarks read the same values.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"Setting {name} must be a whole number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name).lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def _load_or_create_secret(data_dir: Path) -> str:
    """Read the secret key from the data folder, creating it once (mode 0600) if missing."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    """Process-wide settings; build with :func:`get_settings`."""

    data_dir: Path
    database_url: str
    redis_url: str
    secret_key: str
    upload_dir: Path
    outbox_dir: Path
    public_base_url: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_from: str
    smtp_starttls: bool
    session_days: int
    cookie_secure: bool

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process."""
    data_dir = Path(_env("DATA_DIR") or PROJECT_ROOT / "data").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = _env("DATABASE_URL") or f"sqlite:///{data_dir / 'social_market.db'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we pin.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    public_base_url = (_env("PUBLIC_BASE_URL") or "http://localhost:3000").rstrip("/")
    upload_dir = Path(_env("UPLOAD_DIR") or data_dir / "uploads").resolve()
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=_env("REDIS_URL"),
        secret_key=_env("SECRET_KEY") or _load_or_create_secret(data_dir),
        upload_dir=upload_dir,
        outbox_dir=Path(_env("OUTBOX_DIR") or data_dir / "outbox").resolve(),
        public_base_url=public_base_url,
        smtp_host=_env("SMTP_HOST"),
        smtp_port=_env_int("SMTP_PORT", 587),
        smtp_user=_env("SMTP_USER"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_from=_env("SMTP_FROM") or "Social Market <no-reply@social-market.local>",
        smtp_starttls=_env_bool("SMTP_STARTTLS", False),
        session_days=_env_int("SESSION_DAYS", 30),
        cookie_secure=_env_bool("COOKIE_SECURE", public_base_url.startswith("https://")),
    )
