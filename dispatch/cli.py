"""Flask CLI commands: quarters, demo data and (from routing) graph and address commands."""

from __future__ import annotations

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

quarters_cli = AppGroup("quarters", help="Quarters from config/quarters/*.toml.")
demo_cli = AppGroup("demo", help="Demo data for trying the service.")


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


def register_cli(app: Flask) -> None:
    """Attach all command groups to the app."""
    app.cli.add_command(quarters_cli)
    app.cli.add_command(demo_cli)
    from dispatch.cli_routing import register_routing_cli

    register_routing_cli(app)
