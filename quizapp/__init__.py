"""quizapp: quizzes and flashcards with spaced repetition for the facts of a document."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    if test_config:
        app.config.update(test_config)

    from .cli import register_cli

    register_cli(app)
    return app
