"""Flask CLI commands: quarters, demo data and (from routing) graph and address commands."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

quarters_cli = AppGroup("quarters", help="Quarters from config/quarters/*.toml.")
demo_cli = AppGroup("demo", help="Demo data for trying the service.")
people_cli = AppGroup("people", help="Staff accounts (coordinators, admins, volunteers).")
jobs_cli = AppGroup("jobs", help="Background work: offer expiry, notices and re-planning.")
backup_cli = AppGroup("backup", help="Backups of the database while the service runs.")


@backup_cli.command("create")
@click.argument("dest", type=click.Path(dir_okay=False))
def backup_create(dest: str) -> None:
    """Write a consistent backup of the configured database to DEST (SQLite: online backup
    API; PostgreSQL: pg_dump custom format). See docs/OPERATIONS.md for restoring."""
    from pathlib import Path

    from dispatch.ops.backup import backup

    click.echo(backup(current_app.config["SETTINGS"].database_url, Path(dest)))


@jobs_cli.command("pass")
@click.option("--seconds", type=float, default=None,
              help="Solver time per day (default: replan_seconds of config/service.toml).")
def jobs_pass(seconds: float | None) -> None:
    """Run one pass (expire offers, send notices, re-plan open days); print it as JSON."""
    from dispatch.jobs.replan import run_pass

    click.echo(json.dumps(run_pass(current_app._get_current_object(),  # type: ignore[attr-defined]
                                   seconds=seconds)))


@jobs_cli.command("notices")
def jobs_notices() -> None:
    """Send the notices that are due (e-mail, SMS, push) and print what happened as JSON."""
    from dispatch.jobs.notices import run_notices

    click.echo(json.dumps(run_notices(current_app._get_current_object())))  # type: ignore[attr-defined]


@people_cli.command("add")
@click.option("--role", type=click.Choice(["coordinator", "admin", "volunteer"]), required=True)
@click.option("--email", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", default="")
@click.option("--quarter", default=None, help="Quarter slug (not for admins).")
@click.password_option(envvar="DISPATCH_PASSWORD",
                       help="Asked for when not given (or set DISPATCH_PASSWORD in a script).")
def people_add(role: str, email: str, first_name: str, last_name: str, quarter: str | None,
               password: str) -> None:
    """Create a staff account with a password (a new town starts here)."""
    from dispatch.errors import DispatchError
    from dispatch.extensions import db
    from dispatch.services.accounts import create_staff
    from dispatch.services.quarters import sync_quarters

    settings = current_app.config["SETTINGS"]
    sync_quarters(settings)
    try:
        person = create_staff(settings, role=role, email=email, first_name=first_name,
                              last_name=last_name, quarter=quarter, password=password)
    except DispatchError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"{role} {person.display_name} <{person.email}> created (id {person.id})")


@quarters_cli.command("sync")
def quarters_sync() -> None:
    """Copy the configured quarters into the database."""
    from dispatch.extensions import db
    from dispatch.services.quarters import sync_quarters

    n = sync_quarters(current_app.config["SETTINGS"])
    db.session.commit()
    click.echo(f"{n} quarters in sync")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create demo residents, volunteers and a coordinator per quarter (idempotent)."""
    from dispatch.extensions import db
    from dispatch.services.demo import seed_demo

    summary = seed_demo(current_app.config["SETTINGS"])
    db.session.commit()
    click.echo(summary)


@jobs_cli.command("worker")
@click.option("--every", type=float, default=30.0, show_default=True,
              help="Seconds between the starts of two passes.")
def jobs_worker(every: float) -> None:
    """Run a pass every few seconds until SIGTERM or Ctrl-C (a pass under way is finished).

    Pushes go out through the Redis message queue (``REDIS_URL``) to every web process.
    """
    import signal
    import threading

    from dispatch.jobs.replan import run_every
    from dispatch.realtime.push import use_message_queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.config["SETTINGS"]
    if settings.redis_url:
        use_message_queue(settings.redis_url, settings.socketio_channel)
    else:
        app.logger.warning("job worker without REDIS_URL: its pushes reach no web process")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"job worker: a pass every {every:g} s (expiry, notices, re-planning, retention)")
    run_every(app, every, stop, first_now=True, on_pass=lambda out: click.echo(json.dumps(out)))
    click.echo("job worker stopped")


def register_cli(app: Flask) -> None:
    """Attach all command groups to the app."""
    app.cli.add_command(quarters_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(people_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(backup_cli)
    from dispatch.cli_routing import register_routing_cli

    register_routing_cli(app)
    from dispatch.cli_sim import register_sim_cli

    register_sim_cli(app)
