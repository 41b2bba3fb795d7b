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
jobs_cli = AppGroup("jobs", help="Background work: offer expiry and re-planning.")


@jobs_cli.command("pass")
@click.option("--seconds", type=float, default=None,
              help="Solver time per day (default: replan_seconds of config/service.toml).")
def jobs_pass(seconds: float | None) -> None:
    """Run one pass (expire offers, re-plan open days) and print what it did as JSON."""
    from dispatch.jobs.replan import run_pass

    click.echo(json.dumps(run_pass(current_app._get_current_object(),  # type: ignore[attr-defined]
                                   seconds=seconds)))


@people_cli.command("add")
@click.option("--role", type=click.Choice(["coordinator", "admin", "volunteer"]), required=True)
@click.option("--email", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", default="")
@click.option("--quarter", default=None, help="Quarter slug (not for admins).")
@click.password_option()
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
    """Run a pass every few seconds until SIGTERM or Ctrl-C (a pass under way is finished)."""
    import signal
    import threading

    from dispatch.jobs.replan import run_pass

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"job worker: a pass every {every:g} s (expiry, re-planning)")
    while not stop.is_set():
        try:
            click.echo(json.dumps(run_pass(app)))
        except Exception:  # noqa: BLE001 - logged; the next pass tries again
            app.logger.exception("job pass failed")
        stop.wait(every)
    click.echo("job worker stopped")


def register_cli(app: Flask) -> None:
    """Attach all command groups to the app."""
    app.cli.add_command(quarters_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(people_cli)
    app.cli.add_command(jobs_cli)
    from dispatch.cli_routing import register_routing_cli

    register_routing_cli(app)
