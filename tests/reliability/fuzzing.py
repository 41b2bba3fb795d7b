"""Schemathesis against a live server: every operation of ``/api/openapi.json``, as each
logged-in role, with valid and invalid input; real ids of seeded rows now and then.

Checks per answer: no status >= 500; the answer matches the schema the document gives for its
status (the error envelope for 404/422); every 4xx of the API is the JSON envelope
``{"error": {"code", "message"}}`` with a message, and none of marshmallow's English
defaults.
"""

from __future__ import annotations

import os
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import schemathesis
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.live import Session

#: Not fuzzed: log-out ends the session every later request needs (it is in the access matrix).
SKIP = {("POST", "/api/v1/auth/logout")}


@dataclass
class Figures:
    """What a run sent and got back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_role: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        st = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.requests} requests ({dict(self.per_role)}); statuses {st}; "
                f"5xx: {sum(v for k, v in self.statuses.items() if k >= 500)}")


def _english_defaults() -> list[str]:
    """The start (up to a placeholder) of every default message of marshmallow's fields,
    schemas and validators: none of them may reach people."""
    import inspect

    from marshmallow import Schema
    from marshmallow import fields
    from marshmallow import validate

    found = set(Schema._default_error_messages.values())
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        found |= set(getattr(cls, "default_error_messages", {}).values())
    for _, cls in inspect.getmembers(validate, inspect.isclass):
        found |= {v for k, v in vars(cls).items() if k.startswith("message") and
                  isinstance(v, str)}
        found |= {v for k, v in vars(cls).items() if k == "default_message" and
                  isinstance(v, str)}
    return sorted({m.split("{")[0].strip() for m in found if len(m.split("{")[0].strip()) > 6})


ENGLISH = _english_defaults()


def english_in(text: str) -> list[str]:
    """marshmallow's English default messages found in ``text``."""
    return [m for m in ENGLISH if m in text]


def long_run() -> bool:
    """``make fuzz``: more examples, every operation as every role."""
    return "DISPATCH_FUZZ_EXAMPLES" in os.environ


def examples_per_mode() -> int:
    return int(os.environ.get("DISPATCH_FUZZ_EXAMPLES", "2"))


def _check_envelope(path: str, response: Any) -> str | None:
    if not (400 <= response.status_code < 500) or not path.startswith("/api/"):
        return None
    try:
        err = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} without the JSON envelope: {response.text[:200]!r}"
    if not isinstance(err.get("code"), str) or not isinstance(err.get("message"), str) \
            or not err["message"].strip():
        return f"{response.status_code} envelope without code/message: {err!r}"
    english = english_in(response.text)
    if english:
        return f"{response.status_code} in English: {english} in {response.text[:300]!r}"
    return None


def fuzz(base: str, sessions: dict[str, Session], real_ids: dict[str, int],
         examples: int, *, every_role: bool = True) -> Figures:
    """Fuzz every operation as every role; returns the figures (failures listed, not raised).

    ``every_role=False`` (the suite's short run): each operation as one of the roles, in turn,
    so every operation and every role is still tried, in a third of the time.
    """
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    figures = Figures()
    operations = [r.ok() for r in schema.get_all_operations()]
    for k, (role, session) in enumerate(sessions.items()):
        for i, op in enumerate(operations):
            if (op.method.upper(), op.path) in SKIP:
                continue
            if not every_role and i % len(sessions) != k:
                continue
            params = {p.name for p in op.path_parameters}
            variants: list[tuple[GenerationMode, dict[str, Any] | None]] = [
                (GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
            fixed = {name: real_ids[name] for name in params if name in real_ids}
            if fixed:
                variants.append((GenerationMode.POSITIVE, fixed))
            for mode, path_parameters in variants:
                _run(op, mode, path_parameters, role, session, base, examples, figures)
    return figures


def _run(op: Any, mode: GenerationMode, path_parameters: dict[str, Any] | None, role: str,
         session: Session, base: str, examples: int, figures: Figures) -> None:
    strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def one(case: Any) -> None:
        response = case.call(base_url=base, session=session.http,
                             headers={"X-CSRFToken": session.token}, timeout=60)
        figures.requests += 1
        figures.per_role[role] += 1
        figures.statuses[response.status_code] += 1
        where = f"{role} {op.method.upper()} {op.path} ({mode.value})"
        try:
            case.validate_response(response, checks=[not_a_server_error,
                                                     response_schema_conformance])
        except (AssertionError, BaseExceptionGroup) as exc:  # a Failure or a FailureGroup
            figures.failures.append(f"{where}: {exc}\n{case.as_curl_command()}")
        problem = _check_envelope(op.path, response)
        if problem:
            figures.failures.append(f"{where}: {problem}\n{case.as_curl_command()}")

    with suppress(Unsatisfiable):  # nothing invalid to make of an operation without input
        one()
