"""Flask commands. Each area keeps its commands in a module of its own."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from . import banks, export, users

    app.cli.add_command(export.export_questions)
    app.cli.add_command(banks.banks)
    app.cli.add_command(users.users)
    app.cli.add_command(users.welcome)
