"""The JSON API under /api/v1 (bearer tokens, no cookies, no CSRF)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API on the app. Filled in by the API package."""
