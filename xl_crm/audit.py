"""An append-only, hash-chained audit log (JSON Lines).

Each record holds who, when, what and the SHA-256 of the previous record, so a deleted or
edited line breaks the chain and :func:`verify_log` says where.  Records name files, sheets,
columns and digests, never cell values: personal data stays out of the log.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _last_hash(path: Path) -> str:
    if not path.exists() or path.stat().st_size == 0:
        return GENESIS
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        lines = fh.read().decode("utf-8").splitlines()
    return _digest(lines[-1]) if lines else GENESIS


def append_record(path: Path, *, action: str, actor: str | None = None, **details: Any) -> dict:
    """Append one record and fsync; returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "actor": actor or _user(),
        "action": action,
        **details,
        "prev": _last_hash(path),
    }
    line = json.dumps(record, ensure_ascii=False, sort_keys=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return record


def verify_log(path: Path) -> list[int]:
    """Line numbers (1-based) whose ``prev`` does not match the line before: empty when intact."""
    broken = []
    previous = GENESIS
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if json.loads(line).get("prev") != previous:
            broken.append(number)
        previous = _digest(line)
    return broken


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"
