"""Configuration. Every setting can come from the environment as ``QUIZAPP_<NAME>``.

``QUIZAPP_DATABASE_URL`` is the one most deployments set; see the README for the full list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class ConfigError(RuntimeError):
    """A setting that would make the app unsafe or unable to run."""


def default_settings(instance_path: str) -> dict[str, Any]:
    db_file = Path(instance_path) / "quizapp.sqlite"
    return {
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "ENV_NAME": "development",
        "DATABASE_URL": f"sqlite:///{db_file}",
        "BANKS_DIR": str(Path(__file__).resolve().parent.parent / "question_bank"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "FSRS_FUZZ": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        "AUTH_RATE_LIMIT": "10 per minute",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLITE_SYNCHRONOUS": "NORMAL",
        "TRUSTED_PROXIES": 0,
        "QUESTION_OPTIONS": 4,
    }


def load_config(app: Any, test_config: dict[str, Any] | None) -> None:
    app.config.update(default_settings(app.instance_path))
    # QUIZAPP_DATABASE_URL=... becomes DATABASE_URL; values are parsed as JSON when they can be.
    app.config.from_prefixed_env(prefix="QUIZAPP")
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["ENV_NAME"] == "production":
        _check_production(app.config)


def _check_production(config: dict[str, Any]) -> None:
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "QUIZAPP_SECRET_KEY must be set to a random value of at least 32 characters in "
            "production, e.g. QUIZAPP_SECRET_KEY=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))')"
        )
    config["SESSION_COOKIE_SECURE"] = True
    config["REMEMBER_COOKIE_SECURE"] = True
