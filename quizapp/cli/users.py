"""``flask users ...``: create accounts, change roles, list users; and ``flask welcome``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..models import ROLES
from ..services import accounts

users = AppGroup("users", help="Manage user accounts.")

ROLE_HELP = f"One of: {', '.join(ROLES)}."


def _check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise click.ClickException(f"Unknown role {role!r}. {ROLE_HELP}")
    return role


@users.command("create")
@click.option("--username", required=True, help="Login name: 3–64 letters, digits, . _ or -.")
@click.option("--display-name", default=None, help="Name shown in the app (default: username).")
@click.option("--role", default="student", show_default=True, help=ROLE_HELP)
@click.option(
    "--password",
    default=None,
    help="The password. Leave it out to be asked for it (hidden, and kept out of shell history).",
)
def create_user(username: str, display_name: str | None, role: str, password: str | None) -> None:
    """Create a user account."""
    role = _check_role(role)
    problem = accounts.username_problem(username)
    if problem:
        raise click.ClickException(f"Username {username!r}: {problem}")
    if accounts.find_user(username) is not None:
        raise click.ClickException(
            f"A user named {accounts.normalize_username(username)!r} exists."
        )
    if password is None:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    try:
        user = accounts.create_user(username, password or "", display_name=display_name, role=role)
    except accounts.UsernameTaken as error:
        raise click.ClickException(
            f"A user named {accounts.normalize_username(username)!r} exists."
        ) from error
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.username!r} ({user.display_name}).")


@users.command("set-role")
@click.argument("username")
@click.argument("role")
def set_role(username: str, role: str) -> None:
    """Give USERNAME the role ROLE (student, instructor or admin)."""
    role = _check_role(role)
    try:
        user = accounts.set_role(username, role)
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{user.username!r} is now {user.role}.")


@users.command("list")
def list_users() -> None:
    """List every account: username, role, display name, created."""
    rows = accounts.list_users()
    if not rows:
        click.echo("No users yet. Register at /register or run 'flask users create'.")
        return
    width = max(len("username"), *(len(u.username) for u in rows))
    click.echo(f"{'username':<{width}}  {'role':<10}  {'created':<10}  display name")
    for user in rows:
        created = user.created_at.date().isoformat() if user.created_at else ""
        click.echo(f"{user.username:<{width}}  {user.role:<10}  {created:<10}  {user.display_name}")


@click.command("welcome")
def welcome() -> None:
    """Print how to register and how to make an instructor."""
    flask = ".venv/bin/flask --app quizapp"
    click.echo(
        "\n".join(
            [
                "",
                "quizapp is starting at http://127.0.0.1:5000",
                "",
                "  - Open http://127.0.0.1:5000/register to create a student account.",
                "  - To make an instructor account, run in another terminal:",
                f"      {flask} users create --role instructor --username NAME",
                f"    (or promote an account: {flask} users set-role NAME instructor)",
                "",
                "Stop the server with Ctrl+C.",
                "",
            ]
        )
    )
