"""Typed settings read from ``config/`` TOML files plus the environment (no Flask import)."""

from __future__ import annotations

import os
import secrets
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Secrets that have been public (the old development default): the server refuses them.
KNOWN_SECRETS = frozenset({"dev-only-change-me", "change-me", "secret", ""})


class ConfigError(ValueError):
    """A configuration file is missing, malformed or has a bad field."""

    def __init__(self, path: Path, field_name: str, problem: str) -> None:
        self.path = path
        self.field_name = field_name
        super().__init__(f"{path}: field '{field_name}': {problem}")


@dataclass(frozen=True)
class OfficeConfig:
    """The quarter office that coordinates the service."""

    name: str
    address: str
    lat: float
    lon: float
    phone: str = ""


@dataclass(frozen=True)
class QuarterConfig:
    """One quarter (Stadtteil) served; a new town adds files, not code."""

    slug: str
    name: str
    city: str
    languages: tuple[str, ...]
    boundary: tuple[tuple[float, float], ...]  # (lon, lat) pairs
    office: OfficeConfig

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside the boundary polygon (ray casting)."""
        inside = False
        pts = self.boundary
        j = len(pts) - 1
        for i, (xi, yi) in enumerate(pts):
            xj, yj = pts[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
        return inside


@dataclass(frozen=True)
class RoutingConfig:
    """Where the street network comes from and how travel times are computed."""

    osm_file: Path | None
    pois_file: Path | None
    cache_dir: Path
    snap_max_m: float = 300.0
    fallback_speed_kmh: float = 30.0
    speeds_kmh: dict[str, float] = field(default_factory=dict)
    walking_speed_kmh: float = 3.5


@dataclass(frozen=True)
class ServiceRules:
    """Rules of the driving and escort service (minutes unless named otherwise)."""

    timezone: str = "Europe/Berlin"
    walking_speed_kmh: float = 3.5
    pickup_window_min: int = 15
    arrive_by_window_min: int = 20
    boarding_min: int = 3
    detour_factor: float = 1.8
    detour_extra_min: int = 10
    offer_expiry_min: int = 10
    max_route_hours: float = 8.0
    replan_seconds: float = 2.0
    retention_days: int = 365  # finished rides are anonymised after this many days


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start."""

    database_url: str
    secret_key: str
    redis_url: str | None
    service: ServiceRules
    routing: RoutingConfig
    quarters: tuple[QuarterConfig, ...]
    project_root: Path = PROJECT_ROOT
    #: how long "stay logged in" lasts (``DISPATCH_REMEMBER_DAYS``, at most 30)
    remember_days: int = 30
    #: cookies only over HTTPS (``SESSION_COOKIE_SECURE=0`` turns it off for plain HTTP)
    cookie_secure: bool = True

    def quarter(self, slug: str) -> QuarterConfig:
        """The quarter with this slug, or KeyError."""
        for q in self.quarters:
            if q.slug == slug:
                return q
        raise KeyError(slug)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, "-", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "-", f"not valid TOML ({exc})") from None


def _get(path: Path, table: Mapping[str, Any], key: str, kind: type,
         default: Any = ..., prefix: str = "") -> Any:
    name = f"{prefix}{key}"
    if key not in table:
        if default is ...:
            raise ConfigError(path, name, "is required but missing")
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(path, name, f"must be {kind.__name__}, got {value!r}")
    return value


def _resolve(root: Path, value: str | None) -> Path | None:
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (root / p).resolve()


def load_quarter(path: Path) -> QuarterConfig:
    """Read and validate one ``config/quarters/*.toml`` file."""
    data = _read_toml(path)
    boundary_raw = _get(path, data, "boundary", list)
    if len(boundary_raw) < 3:
        raise ConfigError(path, "boundary", "needs at least 3 (longitude, latitude) points")
    boundary: list[tuple[float, float]] = []
    for i, pt in enumerate(boundary_raw):
        ok = isinstance(pt, list) and len(pt) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in pt)
        if not ok or not (-180 <= pt[0] <= 180 and -90 <= pt[1] <= 90):
            raise ConfigError(path, f"boundary[{i}]", f"must be [longitude, latitude], got {pt!r}")
        boundary.append((float(pt[0]), float(pt[1])))
    office_t = _get(path, data, "office", dict)
    office = OfficeConfig(
        name=_get(path, office_t, "name", str, prefix="office."),
        address=_get(path, office_t, "address", str, prefix="office."),
        lat=_get(path, office_t, "lat", float, prefix="office."),
        lon=_get(path, office_t, "lon", float, prefix="office."),
        phone=_get(path, office_t, "phone", str, "", prefix="office."),
    )
    languages = _get(path, data, "languages", list)
    if not languages or not all(isinstance(x, str) for x in languages):
        raise ConfigError(path, "languages", "must be a non-empty list of language codes")
    slug = _get(path, data, "slug", str)
    if not slug.isidentifier() or slug != slug.lower():
        raise ConfigError(path, "slug", f"must be lower-case letters, digits or _, got {slug!r}")
    return QuarterConfig(
        slug=slug,
        name=_get(path, data, "name", str),
        city=_get(path, data, "city", str),
        languages=tuple(languages),
        boundary=tuple(boundary),
        office=office,
    )


def _service_rules(path: Path, table: Mapping[str, Any]) -> ServiceRules:
    defaults = ServiceRules()
    kwargs: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        kind: type = float if isinstance(default, float) else type(default)
        kwargs[name] = _get(path, table, name, kind, default, prefix="service.")
        if isinstance(kwargs[name], int | float) and kwargs[name] < 0:
            raise ConfigError(path, f"service.{name}", "must not be negative")
    return ServiceRules(**kwargs)


def _routing(path: Path, root: Path, table: Mapping[str, Any], env: Mapping[str, str],
             walking_speed_kmh: float) -> RoutingConfig:
    p = "routing."
    osm_file = env.get("DISPATCH_OSM_FILE", _get(path, table, "osm_file", str, "", prefix=p))
    pois_file = env.get("DISPATCH_POIS_FILE", _get(path, table, "pois_file", str, "", prefix=p))
    cache_dir = env.get("DISPATCH_CACHE_DIR", _get(path, table, "cache_dir", str, "osm_cache",
                                                   prefix=p))
    speeds = _get(path, table, "speeds_kmh", dict, {}, prefix=p)
    for k, v in speeds.items():
        if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
            raise ConfigError(path, f"routing.speeds_kmh.{k}",
                              f"must be a positive number, got {v!r}")
    cache_path = _resolve(root, cache_dir)
    assert cache_path is not None
    return RoutingConfig(
        osm_file=_resolve(root, osm_file),
        pois_file=_resolve(root, pois_file),
        cache_dir=cache_path,
        snap_max_m=_get(path, table, "snap_max_m", float, 300.0, prefix=p),
        fallback_speed_kmh=_get(path, table, "fallback_speed_kmh", float, 30.0, prefix=p),
        speeds_kmh={k: float(v) for k, v in speeds.items()},
        walking_speed_kmh=walking_speed_kmh,
    )


def _remember_days(env: Mapping[str, str]) -> int:
    raw = env.get("DISPATCH_REMEMBER_DAYS", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 30:
        raise ConfigError(Path("environment"), "DISPATCH_REMEMBER_DAYS", "1 to 30 days")
    return int(raw)


def install_secret(root: Path) -> str:
    """This installation's own random secret, made on first start in ``instance/secret_key``
    (readable by its owner only; git-ignored). Two processes starting at once share one."""
    path = root / "instance" / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other process may still be writing it
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise ConfigError(path, "-", "the secret key file is empty") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def load_settings(root: Path = PROJECT_ROOT, env: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read ``config/service.toml`` and ``config/quarters/*.toml`` and apply the environment.

    Raises
    ------
    ConfigError
        Naming the file and the field when something is malformed.
    """
    env = os.environ if env is None else env
    overrides = overrides or {}
    config_dir = Path(overrides.get("CONFIG_DIR", env.get("DISPATCH_CONFIG_DIR", root / "config")))
    service_path = config_dir / "service.toml"
    data = _read_toml(service_path)
    service = _service_rules(service_path, _get(service_path, data, "service", dict, {}))
    routing = _routing(service_path, root, _get(service_path, data, "routing", dict, {}), env,
                       service.walking_speed_kmh)
    quarter_files = sorted((config_dir / "quarters").glob("*.toml"))
    if not quarter_files:
        raise ConfigError(config_dir / "quarters", "-", "no quarter files (*.toml) found")
    quarters = tuple(load_quarter(p) for p in quarter_files)
    slugs = [q.slug for q in quarters]
    if len(set(slugs)) != len(slugs):
        raise ConfigError(config_dir / "quarters", "slug", f"duplicate quarter slugs in {slugs}")
    default_db = f"sqlite:///{(root / 'instance' / 'dispatch.sqlite3').as_posix()}"
    return Settings(
        database_url=overrides.get("DATABASE_URL", env.get("DATABASE_URL", default_db)),
        secret_key=overrides.get("SECRET_KEY") or env.get("SECRET_KEY") or install_secret(root),
        redis_url=overrides.get("REDIS_URL", env.get("REDIS_URL")) or None,
        remember_days=_remember_days(env),
        cookie_secure=env.get("SESSION_COOKIE_SECURE", "1") not in ("0", "false", "no"),
        service=service,
        routing=routing,
        quarters=quarters,
        project_root=root,
    )
