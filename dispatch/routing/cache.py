"""The ``osm_cache/`` files: compact arrays keyed by a fingerprint of the source and settings.

``network-<fingerprint>.npz`` holds both mode graphs (CSR arrays, node coordinates, edge
geometry, names) and their contraction hierarchies; ``addresses-<fingerprint>.npz`` the
address and place entries. The fingerprint is a SHA-256 over the bytes of the street and
POI files (or, for a download, the quarter boundaries), every setting that changes the
result and :data:`CACHE_VERSION`. A different fingerprint means a different file name, so a
stale cache is never read; it is rebuilt (with a tqdm progress bar) and old files removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Protocol

import numpy as np

from dispatch.routing._errors import CacheError

__all__ = [
    "CACHE_VERSION",
    "RoutingSettings",
    "fingerprint",
    "read_arrays",
    "write_arrays",
]

#: bump when the stored arrays or the way they are built change
CACHE_VERSION = 5


class RoutingSettings(Protocol):
    """What the routing layer reads from the routing configuration (``RoutingConfig``)."""

    @property
    def osm_file(self) -> Path | None: ...

    @property
    def pois_file(self) -> Path | None: ...

    @property
    def cache_dir(self) -> Path: ...

    @property
    def snap_max_m(self) -> float: ...

    @property
    def fallback_speed_kmh(self) -> float: ...

    @property
    def speeds_kmh(self) -> Mapping[str, float]: ...

    @property
    def walking_speed_kmh(self) -> float: ...


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """The cache key and what went into it."""

    digest: str
    parts: dict[str, Any]

    @property
    def short(self) -> str:
        """First 20 hex digits, used in file names."""
        return self.digest[:20]


def fingerprint(
    cfg: RoutingSettings,
    quarters: Sequence[Any],
    *,
    download_buffer_m: float,
) -> Fingerprint:
    """Fingerprint of the street source, POI file, settings and quarter boundaries."""
    parts: dict[str, Any] = {
        "version": CACHE_VERSION,
        "speeds_kmh": {k: float(v) for k, v in sorted(cfg.speeds_kmh.items())},
        "fallback_speed_kmh": float(cfg.fallback_speed_kmh),
        "walking_speed_kmh": float(cfg.walking_speed_kmh),
        "quarters": [
            [q.slug, q.name, [list(map(float, p)) for p in q.boundary]] for q in quarters
        ],
    }
    if cfg.osm_file is not None:
        parts["source"] = {"file": cfg.osm_file.name, "sha256": file_sha256(cfg.osm_file)}
    else:
        parts["source"] = {"download": True, "buffer_m": float(download_buffer_m)}
    if cfg.pois_file is not None and cfg.pois_file.is_file():
        parts["pois"] = {"file": cfg.pois_file.name, "sha256": file_sha256(cfg.pois_file)}
    else:
        parts["pois"] = None
    blob = json.dumps(parts, sort_keys=True).encode()
    return Fingerprint(hashlib.sha256(blob).hexdigest(), parts)


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write arrays and a JSON header atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(arrays)
    payload["__meta__"] = np.array(json.dumps(dict(meta), sort_keys=True))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read every array and the JSON header of a cache file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError) as exc:
        msg = f"unreadable cache file {path}: {exc}"
        raise CacheError(msg) from exc
    meta_raw = arrays.pop("__meta__", None)
    if meta_raw is None:
        msg = f"cache file {path} has no header"
        raise CacheError(msg)
    meta: dict[str, Any] = json.loads(str(meta_raw))
    return arrays, meta


def remove_stale(cache_dir: Path, prefix: str, keep: Path, *, source: str) -> list[Path]:
    """Delete ``<prefix>-*.npz`` files built from ``source`` other than ``keep``.

    Caches of other sources (another extract, a test area) in the same directory stay.
    Returns what was removed.
    """
    removed = []
    for p in cache_dir.glob(f"{prefix}-*.npz"):
        if p == keep:
            continue
        try:
            with np.load(p, allow_pickle=False) as data:
                meta = json.loads(str(data["__meta__"]))
        except (OSError, ValueError, KeyError):
            meta = {"source": source}  # unreadable: remove it too
        if meta.get("source") == source:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


class Steps:
    """A tqdm progress bar over named build steps (silent when disabled)."""

    def __init__(self, names: Sequence[str], *, enabled: bool, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=len(names), desc=desc, disable=not enabled, unit="step")
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Label the bar with one step, time it and advance the bar when it ends."""
        self._bar.set_postfix_str(name)
        t0 = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t0, 3)
        self._bar.update(1)

    def close(self) -> None:
        """Finish the bar."""
        self._bar.close()
