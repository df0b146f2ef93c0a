"""Template set-up: the ``url_for`` that templates call, remembered per URL."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Flask, request, url_for

URLS_REMEMBERED = 2048
"""Enough for every page's navigation, style sheets and scripts, and the links to a few
hundred banks; per worker process, a few hundred kilobytes at most."""


def init_templating(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = _remembering_url_for(app)


def _remembering_url_for(app: Flask) -> Any:
    """``url_for`` for templates, remembering what it built.

    A page builds a dozen URLs (navigation, style sheets, scripts) that are the same on every
    request, and Werkzeug takes longer to build one than Jinja takes to render the markup
    around it. A URL depends only on the endpoint, its values, the blueprint (for ``.name``)
    and where the app is mounted, so those are the key; URLs that depend on more (external
    ones, ``_``-options, an app with URL defaults) are built each time.
    """

    @lru_cache(maxsize=URLS_REMEMBERED)
    def build(_mount: str, _blueprint: str | None, endpoint: str, values: tuple[Any, ...]) -> str:
        return url_for(endpoint, **dict(values))

    def remembering_url_for(endpoint: str, **values: Any) -> str:
        if app.url_default_functions or any(name.startswith("_") for name in values):
            return url_for(endpoint, **values)
        blueprint = request.blueprint if endpoint.startswith(".") else None
        try:
            return build(request.script_root, blueprint, endpoint, tuple(sorted(values.items())))
        except TypeError:  # a value that cannot be a key (a list): build it each time
            return url_for(endpoint, **values)

    remembering_url_for.cache_info = build.cache_info  # type: ignore[attr-defined]
    return remembering_url_for
