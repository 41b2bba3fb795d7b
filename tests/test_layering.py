"""Domain, routing and matching never import Flask or the database models."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dispatch.settings import PROJECT_ROOT

PURE = ["dispatch.domain", "dispatch.domain.lifecycle", "dispatch.routing", "dispatch.matching",
        "dispatch.settings", "dispatch.errors", "dispatch.monitoring"]


@pytest.mark.parametrize("module", PURE)
def test_pure_package_loads_without_flask(module: str) -> None:
    code = (
        "import importlib, json, pkgutil, sys\n"
        f"m = importlib.import_module({module!r})\n"
        "for info in pkgutil.walk_packages(getattr(m, '__path__', []), m.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'flask' or n.startswith(('flask_', 'flask.',"
        " 'dispatch.models', 'sqlalchemy', 'apiflask')))\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_web_layer_does_not_touch_the_session() -> None:
    """Blueprints parse, call a service and serialize; units of work live in services."""
    infrastructure = {"errors.py", "health.py"}  # roll back on errors; ping the database
    offenders = [p.name for p in (PROJECT_ROOT / "dispatch" / "api").glob("*.py")
                 if p.name not in infrastructure and "db.session" in p.read_text("utf-8")]
    offenders += [p.name for p in (PROJECT_ROOT / "dispatch" / "realtime").glob("*.py")
                  if "db.session" in p.read_text("utf-8")]
    assert offenders == []
