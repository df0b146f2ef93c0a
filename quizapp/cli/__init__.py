"""Flask commands. Each area keeps its commands in a module of its own."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from . import export

    app.cli.add_command(export.export_questions)
