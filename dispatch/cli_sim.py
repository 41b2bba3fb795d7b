"""Flask CLI of the simulator: ``flask sim run`` and ``flask sim demo`` (thin: parse, call)."""

from __future__ import annotations

import json
from datetime import date
from datetime import datetime
from datetime import timedelta

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

sim_cli = AppGroup("sim", help="Simulated days of service on the real streets.")


def parse_speed(text: str) -> float | None:
    """``60x`` or ``60``: simulated seconds per real second; ``max``: as fast as possible."""
    raw = text.strip().lower()
    if raw in ("max", "0", ""):
        return None
    raw = raw.removesuffix("x")
    try:
        value = float(raw)
    except ValueError:
        raise click.BadParameter(f"{text!r}: a factor such as 60x, or max") from None
    if value <= 0:
        raise click.BadParameter("the speed must be positive")
    return value


@sim_cli.command("run")
@click.option("--quarter", required=True, help="Quarter slug (config/quarters/*.toml).")
@click.option("--requests", "n_requests", type=int, default=150, show_default=True,
              help="Bookings (outward rides) asked for on the day.")
@click.option("--volunteers", type=int, default=12, show_default=True)
@click.option("--speed", default="max", show_default=True,
              help="60x: a simulated minute per real second; max: as fast as possible.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The simulated day (default: tomorrow).")
@click.option("--start", default=None,
              help="When the simulated clock starts, HH:MM on the day before or ISO "
                   "date-time (default: 18:00 the evening before).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def sim_run(quarter: str, n_requests: int, volunteers: int, speed: str, day: datetime | None,
            start: str | None, seed: int, as_json: bool) -> None:
    """Simulate a day of a quarter against the real services, on a simulated clock."""
    from dispatch.simulation import SimParams
    from dispatch.simulation import simulate

    settings = current_app.config["SETTINGS"]
    the_day = day.date() if day else date.today() + timedelta(days=1)
    start_at = None
    if start:
        try:
            start_at = (datetime.fromisoformat(start) if "T" in start or "-" in start else
                        datetime.combine(the_day - timedelta(days=1),
                                         datetime.strptime(start, "%H:%M").time()))
        except ValueError:
            raise click.BadParameter(f"{start!r}: HH:MM or YYYY-MM-DDTHH:MM",
                                     param_hint="--start") from None
    try:
        params = SimParams(quarter, the_day, requests=n_requests, volunteers=volunteers,
                           seed=seed, start=start_at)
        result = simulate(settings, params, speed=parse_speed(speed),
                          progress=None if as_json else click.echo)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result.as_dict()) if as_json else "\n".join(result.lines()))


@sim_cli.command("demo")
@click.option("--requests", "n_requests", type=int, default=30, show_default=True,
              help="Bookings per quarter for the demo day.")
@click.option("--volunteers", type=int, default=6, show_default=True)
def sim_demo(n_requests: int, volunteers: int) -> None:
    """A populated demo: today's morning (or tomorrow's) simulated fast up to now (once)."""
    from dispatch.simulation.demo import seed_demo_day

    for line in seed_demo_day(current_app.config["SETTINGS"], requests=n_requests,
                              volunteers=volunteers, progress=click.echo):
        click.echo(line)


def register_sim_cli(app: Flask) -> None:
    """Attach ``flask sim``."""
    app.cli.add_command(sim_cli)
