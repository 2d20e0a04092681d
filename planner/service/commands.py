"""``planner serve`` and ``planner users …``: the service's commands (registered with the
command line by :mod:`planner.cli.service`). Imports nothing heavy: every ``planner`` command
loads these definitions."""

from __future__ import annotations

import sys

import click

from planner.i18n import gettext as _
from planner.service.config import Settings
from planner.service.roles import ROLE_LABELS, Role

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _settings(data_dir: str | None) -> Settings:
    return Settings.from_env(data_dir)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--data-dir", default=None, help="The service's data folder [$PLANNER_DATA_DIR or out/service]."
)
@click.option(
    "--workers",
    "web_workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Web server processes [one per core, at most 8].",
)
@click.option(
    "--job-workers",
    type=click.IntRange(0, 64),
    default=1,
    show_default=True,
    help="Processes that run plans in the background.",
)
@click.option(
    "--replan-workers",
    type=click.IntRange(0, 16),
    default=1,
    show_default=True,
    help="More job processes that run only the parts' re-plans (with job workers only).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Set up the demo university first (accounts, rosters, "
    "a planned proposal) and print the accounts.",
)
def serve(
    host: str,
    port: int,
    data_dir: str | None,
    web_workers: int | None,
    job_workers: int,
    replan_workers: int,
    demo: bool,
) -> None:
    """Run the planning service (web pages for the SAO and the colleges)."""
    from planner.service.server import serve as run

    settings = _settings(data_dir)
    if demo:
        from planner.service.demo import DEMO_ACCOUNTS, set_up_demo

        click.echo(
            _("Setting up the demo university in {folder} ...").format(folder=settings.data_dir)
        )
        plan_id = set_up_demo(settings)
        click.echo(_("Demo ready: semester 2026秋, plan {plan}.").format(plan=plan_id))
        click.echo(_("Demo accounts (user name / password / role):"))
        for a in DEMO_ACCOUNTS:
            college = f" {a.college}" if a.college else ""
            click.echo(f"  {a.username:<8} {a.password:<18} {ROLE_LABELS[a.role]}{college}")

    def ready() -> None:
        click.echo(
            _("The planning service runs at {address} (Ctrl-C stops it).").format(
                address=f"http://{host}:{port}/"
            )
        )

    run(
        settings,
        host=host,
        port=port,
        web_workers=web_workers,
        job_workers=job_workers,
        replan_workers=replan_workers,
        on_ready=ready,
    )


@click.group()
def users() -> None:
    """Accounts of the planning service (the first SAO administrator is made here)."""


def _password(password: str | None) -> str:
    if password:
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown in the pages.")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--college", default=None, help="The college of a college secretary.")
@click.option("--password", default=None, help="Asked for when not given.")
@click.option("--data-dir", default=None)
def users_add(
    username: str,
    display_name: str,
    role: str,
    college: str | None,
    password: str | None,
    data_dir: str | None,
) -> None:
    """Add an account."""
    from planner.service.accounts import service
    from planner.service.forms import FormError
    from planner.service.server import prepare

    db = prepare(_settings(data_dir))
    try:
        with db.session() as session:
            service.add_user(
                session,
                username=username,
                display_name=display_name,
                password=_password(password),
                role=role,
                college=college,
            )
    except FormError as exc:
        for field, message in exc.problems.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(2)
    click.echo(_("Added {user} ({role}).").format(user=username, role=role))


@users.command("list")
@click.option("--data-dir", default=None)
def users_list(data_dir: str | None) -> None:
    """List the accounts."""
    from planner.service.accounts import service
    from planner.service.server import prepare

    with prepare(_settings(data_dir)).session() as session:
        for user in service.list_users(session):
            state = "" if user.active else "  " + _("(disabled)")
            click.echo(
                f"{user.username:<16} {user.role:<10} {user.college or '':<8} "
                f"{user.display_name}{state}"
            )


def _change(username: str, data_dir: str | None, action: str, password: str | None = None) -> None:
    from planner.service.accounts import service
    from planner.service.forms import FormError
    from planner.service.server import prepare

    with prepare(_settings(data_dir)).session() as session:
        user = service.get_user(session, username)
        if user is None:
            click.echo(_("no account {user}").format(user=username), err=True)
            sys.exit(2)
        try:
            if action == "passwd":
                service.set_password(session, user, _password(password))
            else:
                service.set_active(session, user, action == "enable")
        except FormError as exc:
            for field, message in exc.problems.items():
                click.echo(f"{field}: {message}", err=True)
            sys.exit(2)
    click.echo(_("{user}: done.").format(user=username))


@users.command("passwd")
@click.argument("username")
@click.option("--password", default=None, help="Asked for when not given.")
@click.option("--data-dir", default=None)
def users_passwd(username: str, password: str | None, data_dir: str | None) -> None:
    """Set an account's password (its sessions end)."""
    _change(username, data_dir, "passwd", password)


@users.command("disable")
@click.argument("username")
@click.option("--data-dir", default=None)
def users_disable(username: str, data_dir: str | None) -> None:
    """Disable an account (its sessions end)."""
    _change(username, data_dir, "disable")


@users.command("enable")
@click.argument("username")
@click.option("--data-dir", default=None)
def users_enable(username: str, data_dir: str | None) -> None:
    """Enable a disabled account."""
    _change(username, data_dir, "enable")


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--data-dir", default=None, help="The service's data folder [$PLANNER_DATA_DIR].")
def backup(out: str, data_dir: str | None) -> None:
    """Back up the whole service (database and stored files) into one .tar.gz file."""
    from pathlib import Path

    from planner.service.backup import backup as run

    counts = run(_settings(data_dir), Path(out))
    click.echo(f"{out}: {sum(counts.values())} rows in {len(counts)} tables, and the files.")


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--data-dir", default=None, help="A new, empty data folder [$PLANNER_DATA_DIR].")
def restore(source: str, data_dir: str | None) -> None:
    """Restore a backup into an empty service (a new data folder and database)."""
    from pathlib import Path

    from planner.service.backup import BackupError
    from planner.service.backup import restore as run

    try:
        counts = run(_settings(data_dir), Path(source))
    except BackupError as exc:
        click.echo(f"cannot restore: {exc}", err=True)
        sys.exit(2)
    click.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables, and the files.")
