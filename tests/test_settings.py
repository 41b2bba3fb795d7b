"""Settings come from config files and the environment; bad files name the file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dispatch import create_app
from dispatch.settings import PROJECT_ROOT
from dispatch.settings import ConfigError
from dispatch.settings import load_settings


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", target)
    return target


def _load(config_dir: Path, **env: str):
    return load_settings(PROJECT_ROOT, {"DISPATCH_CONFIG_DIR": str(config_dir), **env})


def test_defaults_and_quarters(config_dir: Path) -> None:
    s = _load(config_dir)
    assert {q.slug for q in s.quarters} == {"marten", "eving"}
    assert s.database_url.startswith("sqlite:///")
    assert s.database_url.endswith(".sqlite3")
    assert s.service.walking_speed_kmh == pytest.approx(3.5)
    assert s.routing.osm_file is not None
    assert s.routing.osm_file.is_absolute()
    eving = s.quarter("eving")
    assert eving.contains(51.55051, 7.46352)
    assert not eving.contains(51.50934, 7.38638)


def test_environment_overrides(config_dir: Path) -> None:
    s = _load(config_dir, DATABASE_URL="postgresql+psycopg://x@h/db", DISPATCH_OSM_FILE="/x.osm",
              REDIS_URL="redis://127.0.0.1:6379/0", SECRET_KEY="k")
    assert s.database_url == "postgresql+psycopg://x@h/db"
    assert s.routing.osm_file == Path("/x.osm")
    assert (s.redis_url, s.secret_key) == ("redis://127.0.0.1:6379/0", "k")


@pytest.mark.parametrize(("file", "old", "new", "field"), [
    ("quarters/eving.toml", 'slug = "eving"', "slug = 5", "slug"),
    ("quarters/eving.toml", "lat = 51.55051", 'lat = "north"', "office.lat"),
    ("quarters/marten.toml", "boundary = [[7.355, 51.495],", "boundary = [[7.355],", "boundary[0]"),
    ("quarters/marten.toml", 'name = "Marten"\n', "", "name"),
    ("service.toml", "detour_factor = 1.8", 'detour_factor = "viel"', "service.detour_factor"),
    ("service.toml", "residential = 30", "residential = -3", "routing.speeds_kmh.residential"),
    ("service.toml", "[service]", "[service", "-"),
])
def test_malformed_file_names_file_and_field(config_dir: Path, file: str, old: str, new: str,
                                             field: str) -> None:
    path = config_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        _load(config_dir)
    assert err.value.path == path
    assert err.value.field_name == field
    assert str(path) in str(err.value)
    assert f"'{field}'" in str(err.value)


def test_app_refuses_to_start_with_bad_config(config_dir: Path) -> None:
    (config_dir / "quarters" / "eving.toml").write_text('slug = "eving"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="eving.toml"):
        create_app({"CONFIG_DIR": str(config_dir)})


def test_new_town_creates_its_first_coordinator_from_the_cli(app: object) -> None:
    from dispatch.extensions import db
    from dispatch.models import Person

    runner = app.test_cli_runner()  # type: ignore[attr-defined]
    args = ["people", "add", "--role", "coordinator", "--email", "Neu@Example.org",
            "--first-name", "Nora", "--quarter", "marten"]
    res = runner.invoke(args=args, input="ein-langes-passwort\nein-langes-passwort\n")
    assert res.exit_code == 0, res.output
    assert "created" in res.output
    with app.app_context():  # type: ignore[attr-defined]
        person = db.session.query(Person).filter_by(email="neu@example.org").one()
        assert (person.role, person.quarter_slug) == ("coordinator", "marten")
        assert person.password_hash != "ein-langes-passwort"
    again = runner.invoke(args=args, input="ein-langes-passwort\nein-langes-passwort\n")
    assert again.exit_code != 0
    assert "schon ein Konto" in again.output


def test_each_installation_makes_its_own_secret_once(config_dir: Path, tmp_path: Path) -> None:
    env = {"DISPATCH_CONFIG_DIR": str(config_dir)}
    one, two = tmp_path / "one", tmp_path / "two"
    first = load_settings(one, env).secret_key
    assert len(first) >= 60
    assert load_settings(one, env).secret_key == first  # kept across restarts
    assert load_settings(two, env).secret_key != first  # another installation, another key
    assert (one / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings(one, {**env, "SECRET_KEY": "from-the-environment"}).secret_key == \
        "from-the-environment"


def test_a_publicly_known_secret_is_refused_outside_tests() -> None:
    with pytest.raises(RuntimeError, match="publicly known"):
        create_app({"SECRET_KEY": "dev-only-change-me", "DATABASE_URL": "sqlite://"})
    assert create_app({"SECRET_KEY": "dev-only-change-me", "TESTING": True,
                       "DATABASE_URL": "sqlite://"}).config["TESTING"]
