"""Flask extensions, created unbound and bound in ``create_app``."""

from __future__ import annotations

import sqlite3
import threading
from contextvars import ContextVar

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations are stable on every database."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
socketio = SocketIO()
login_manager = LoginManager()
csrf = CSRFProtect()
#: Rate limits (log-in attempts, bookings): Redis when ``REDIS_URL`` is set, else memory.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


#: Set by :func:`dispatch.services.plan_day.lock_days`: the next SQLite transaction of this
#: thread begins with ``BEGIN IMMEDIATE`` (it takes the write lock at once).
sqlite_begin_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """SQLite in WAL mode: readers never block the writer; a commit survives an app crash.

    The driver's own implicit ``BEGIN`` is switched off so that :func:`_sqlite_begin` decides
    how each transaction begins (SQLAlchemy's documented recipe for pysqlite).
    """
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


#: seconds a plan writer waits for its turn in this process before SQLite's busy answer
SQLITE_WRITER_WAIT_S = 20.0
_writer_turns: dict[str, threading.Lock] = {}
_writer_turns_guard = threading.Lock()
_HOLDS_TURN = "dispatch_sqlite_writer_turn"


def _writer_turn(database: str) -> threading.Lock:
    """The turn of the plan writers of one SQLite file in this process."""
    with _writer_turns_guard:
        return _writer_turns.setdefault(database, threading.Lock())


@sa_event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    """A plan writer's SQLite transaction begins with ``BEGIN IMMEDIATE`` (the write lock at
    once); any other begins at its first write (see :func:`_sqlite_begin_at_first_write`).

    The plan writers of one process first wait for their turn on a lock of the process, which
    wakes the next one as soon as the writer before it ends its transaction: SQLite's own
    busy handler polls with sleeps that grow to 100 ms, so a queue of writers waited seconds.
    """
    if conn.dialect.name != "sqlite" or not sqlite_begin_immediate.get():
        return
    turn = _writer_turn(str(conn.engine.url.database))
    if not turn.acquire(timeout=SQLITE_WRITER_WAIT_S):
        busy = sqlite3.OperationalError("database is locked (no turn for the plan writer)")
        raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, busy)
    conn.info[_HOLDS_TURN] = turn
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _end_turn(conn)
        raise


@sa_event.listens_for(Engine, "commit")
@sa_event.listens_for(Engine, "rollback")
def _end_turn(conn: Connection) -> None:
    """The plan writer's transaction ended: the next one may begin."""
    turn = conn.info.pop(_HOLDS_TURN, None)
    if turn is not None:
        turn.release()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@sa_event.listens_for(Engine, "before_cursor_execute")
def _sqlite_begin_at_first_write(conn: Connection, cursor: object, statement: str,
                                 *_: object) -> None:
    """Reads outside a write see the newest data; a write begins a deferred transaction that
    lasts until commit or rollback (so the unit of work stays atomic and never has to upgrade
    an old read snapshot to a write)."""
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction and \
            statement.lstrip()[:7].upper().startswith(_WRITES):
        raw.execute("BEGIN")
