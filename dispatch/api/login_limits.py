"""How often a log-in may fail: per account and per address, counted only when it fails."""

from __future__ import annotations

from flask import Response
from flask import request

#: failed log-ins of one account (e-mail) before it waits
PER_ACCOUNT = "5 per 15 minutes"
#: failed log-ins from one address (password or code) before it waits
PER_ADDRESS = "20 per 15 minutes"
TOO_MANY = ("Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie 15 Minuten oder rufen Sie "
            "das Quartiersbüro an.")


def account_key() -> str:
    """The limit's key for the account a log-in names."""
    data = request.get_json(silent=True)
    email = data.get("email", "") if isinstance(data, dict) else ""
    return f"login:{str(email).strip().lower()[:200]}"


def failed(response: Response) -> bool:
    """Only refused log-ins count against the limits."""
    return response.status_code == 401
