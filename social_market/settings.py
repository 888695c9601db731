"""Settings from environment variables, with defaults that run on one laptop.

Every setting is documented in the README. Nothing here imports Reflex, so services,
migrations, tests and benchmarks read the same values.
"""

from __future__ import annotations

import json
import os
import re
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


PROVIDER_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,29}$")


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider people may sign in with (``OIDC_PROVIDERS``)."""

    # Short lower-case id used in URLs: /api/auth/oidc/<name>/callback.
    name: str
    # Shown on the buttons: "Continue with <label>".
    label: str
    issuer: str
    # Discovery document; by default <issuer>/.well-known/openid-configuration.
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    # Trusted providers' verified emails may link to an existing account automatically.
    trusted: bool


def _parse_providers(raw: str) -> tuple[OidcProvider, ...]:
    """Parse ``OIDC_PROVIDERS`` (a JSON list); refuse anything incomplete or ambiguous."""
    if not raw:
        return ()
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise RuntimeError(f"OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    if not isinstance(items, list):
        raise RuntimeError("OIDC_PROVIDERS must be a JSON list of objects")
    providers: list[OidcProvider] = []
    for item in items:
        if not isinstance(item, dict):
            raise RuntimeError("OIDC_PROVIDERS must be a JSON list of objects")
        name = str(item.get("name", "")).strip()
        if not PROVIDER_NAME_RE.fullmatch(name):
            raise RuntimeError(f"OIDC provider name {name!r}: use 2-30 of a-z, 0-9, '-'")
        issuer = str(item.get("issuer", "")).strip().rstrip("/")
        discovery = str(item.get("discovery_url", "")).strip()
        if not issuer.startswith(("https://", "http://")):
            raise RuntimeError(f"OIDC provider {name}: 'issuer' must be an http(s) URL")
        client_id = str(item.get("client_id", "")).strip()
        if not client_id:
            raise RuntimeError(f"OIDC provider {name}: 'client_id' is missing")
        scopes = str(item.get("scopes", "openid email profile")).split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        if any(p.name == name for p in providers):
            raise RuntimeError(f"OIDC provider {name} is configured twice")
        providers.append(
            OidcProvider(
                name=name,
                label=str(item.get("label", "")).strip() or name.capitalize(),
                issuer=issuer,
                discovery_url=discovery or f"{issuer}/.well-known/openid-configuration",
                client_id=client_id,
                client_secret=str(item.get("client_secret", "")),
                scopes=" ".join(scopes),
                trusted=item.get("trusted") is True,
            )
        )
    return tuple(providers)


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
    oidc_providers: tuple[OidcProvider, ...] = ()
    # Base of the exact redirect URIs registered at the providers; '' = the backend's URL.
    oidc_redirect_base: str = ""

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
        oidc_providers=_parse_providers(_env("OIDC_PROVIDERS")),
        oidc_redirect_base=_env("OIDC_REDIRECT_BASE").rstrip("/"),
    )
