"""Typed settings read from ``config/`` TOML files plus the environment (no Flask import)."""

from __future__ import annotations

import os
import secrets
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
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
    #: a resident's bookings in ten minutes before a 429 (0: no limit)
    bookings_per_10_min: int = 10
    #: a booking is a likely duplicate of an open one of the same person on the same day when
    #: both places lie within this many metres and the times within this many minutes
    duplicate_radius_m: float = 100.0
    duplicate_window_min: int = 15


@dataclass(frozen=True)
class NotifySettings:
    """How notices leave the house: SMTP, the SMS provider, links, retries.

    Every field comes from the environment (or ``create_app`` overrides) by its upper-case name:
    ``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USE_TLS``, ``MAIL_USE_SSL``, ``MAIL_USERNAME``,
    ``MAIL_PASSWORD``, ``MAIL_DEFAULT_SENDER``, ``SMS_PROVIDER``, ``SMS_BASE_URL``,
    ``SMS_ACCOUNT_SID``, ``SMS_AUTH_TOKEN``, ``SMS_FROM``, ``PUBLIC_URL``,
    ``NOTIFY_RETRY_BASE_S``, ``NOTIFY_MAX_ATTEMPTS``, ``NOTIFY_REMINDER_HOUR``.
    """

    mail_server: str = ""  # empty: no e-mail channel
    mail_port: int = 25
    mail_use_tls: bool = False  # STARTTLS after connecting
    mail_use_ssl: bool = False  # TLS from the start (port 465)
    mail_username: str = ""
    mail_password: str = ""
    mail_default_sender: str = "Bürger für Bürger <fahrdienst@localhost>"
    sms_provider: str = "twilio"  # the only adapter so far: Twilio's Messages API
    sms_base_url: str = "https://api.twilio.com"
    sms_account_sid: str = ""  # empty: no SMS channel
    sms_auth_token: str = ""
    sms_from: str = ""
    public_url: str = "http://127.0.0.1:5000"  # where the links in a message point
    retry_base_s: float = 30.0  # first retry after this, then doubled each time
    max_attempts: int = 6  # then the channel is given up and the next one is tried
    reminder_hour: int = 16  # the day-before reminders go out from this local hour


_TRUE = ("1", "true", "yes", "on")


def _notify(env: Mapping[str, str], overrides: Mapping[str, Any]) -> NotifySettings:
    defaults = NotifySettings()
    kwargs: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        key = name.upper() if name.startswith(("mail_", "sms_", "public_")) else \
            f"NOTIFY_{name.upper()}"
        raw = overrides.get(key, env.get(key))
        if raw is None or raw == "":
            continue
        try:
            if isinstance(default, bool):
                kwargs[name] = raw if isinstance(raw, bool) else str(raw).lower() in _TRUE
            else:
                kwargs[name] = type(default)(raw)
        except ValueError:
            raise ConfigError(Path("environment"), key,
                              f"must be {type(default).__name__}, got {raw!r}") from None
    return NotifySettings(**kwargs)


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
    notify: NotifySettings = field(default_factory=NotifySettings)
    #: Socket.IO server mode (``DISPATCH_ASYNC_MODE``): ``threading`` (gunicorn ``gthread``
    #: with simple-websocket, the production choice), ``eventlet`` or ``gevent``
    async_mode: str = "threading"
    #: who runs the periodic jobs (``DISPATCH_JOBS``): ``embedded`` (``python wsgi.py`` runs
    #: them in its own process) or ``worker`` (a separate ``flask jobs worker``)
    jobs: str = "embedded"
    #: how many proxies in front set ``X-Forwarded-For``/``-Proto`` (``DISPATCH_PROXIES``)
    proxies: int = 0
    #: ``/metrics`` also answers a request with ``Authorization: Bearer <token>``
    #: (``DISPATCH_METRICS_TOKEN``); without it only direct loopback requests get an answer
    metrics_token: str = ""
    #: one JSON object per log line (``DISPATCH_LOG_JSON=1``)
    log_json: bool = False
    #: the Redis pub/sub channel of the Socket.IO message queue (``DISPATCH_SOCKETIO_CHANNEL``;
    #: pub/sub ignores Redis database numbers, so two installations on one Redis need two)
    socketio_channel: str = "flask-socketio"
    #: database connections per process (``DISPATCH_DB_POOL_SIZE``, plus half as many extra;
    #: 0: SQLAlchemy's 5 + 10) and how long a request waits for one before a 503
    #: (``DISPATCH_DB_POOL_TIMEOUT_S``)
    db_pool_size: int = 0
    db_pool_timeout_s: int = 30
    #: how long a change waits for its quarter-day's plan lock before "busy" (503) on
    #: PostgreSQL (``DISPATCH_PLAN_LOCK_WAIT_S``; 0: as long as it takes)
    plan_lock_wait_s: int = 20
    #: API requests of a process that work at once (``DISPATCH_MAX_ACTIVE_REQUESTS``; 0: no
    #: limit) and how long another waits for its turn before "busy" (``DISPATCH_ADMISSION_WAIT_S``)
    max_active_requests: int = 0
    admission_wait_s: int = 10

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


ASYNC_MODES = ("threading", "eventlet", "gevent", "gevent_uwsgi")
JOB_MODES = ("embedded", "worker")


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, allowed[0])
    if value not in allowed:
        raise ConfigError(Path("environment"), name, f"one of {', '.join(allowed)}, got {value!r}")
    return value


def _count(env: Mapping[str, str], name: str, most: int = 10) -> int:
    raw = env.get(name, "0")
    if not raw.isdigit() or int(raw) > most:
        raise ConfigError(Path("environment"), name, f"a number from 0 to {most}, got {raw!r}")
    return int(raw)
def _env_service(service: ServiceRules, env: Mapping[str, str]) -> ServiceRules:
    """The environment's overrides of service rules (``DISPATCH_BOOKINGS_PER_10_MIN``)."""
    raw = env.get("DISPATCH_BOOKINGS_PER_10_MIN")
    if raw is None:
        return service
    if not raw.isdigit():
        raise ConfigError(Path("environment"), "DISPATCH_BOOKINGS_PER_10_MIN",
                          "a whole number (0: no limit)")
    return replace(service, bookings_per_10_min=int(raw))


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
    service = _env_service(
        _service_rules(service_path, _get(service_path, data, "service", dict, {})), env)
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
        async_mode=_choice(env, "DISPATCH_ASYNC_MODE", ASYNC_MODES),
        jobs=_choice(env, "DISPATCH_JOBS", JOB_MODES),
        proxies=_count(env, "DISPATCH_PROXIES"),
        metrics_token=env.get("DISPATCH_METRICS_TOKEN", ""),
        log_json=env.get("DISPATCH_LOG_JSON", "0") in ("1", "true", "yes"),
        socketio_channel=env.get("DISPATCH_SOCKETIO_CHANNEL") or "flask-socketio",
        db_pool_size=_count(env, "DISPATCH_DB_POOL_SIZE", 200),
        db_pool_timeout_s=_count(env, "DISPATCH_DB_POOL_TIMEOUT_S", 600) or 30,
        plan_lock_wait_s=_count(env, "DISPATCH_PLAN_LOCK_WAIT_S", 600)
        if "DISPATCH_PLAN_LOCK_WAIT_S" in env else 20,
        max_active_requests=_count(env, "DISPATCH_MAX_ACTIVE_REQUESTS", 1000),
        admission_wait_s=_count(env, "DISPATCH_ADMISSION_WAIT_S", 600) or 10,
        service=service,
        routing=routing,
        quarters=quarters,
        project_root=root,
        notify=_notify(env, overrides),
    )
