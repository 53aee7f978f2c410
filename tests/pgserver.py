"""A throwaway PostgreSQL server for the service's tests: ``initdb`` and ``pg_ctl`` of the
Debian package (``/usr/lib/postgresql/*/bin``) into a temporary folder, on a free port of
127.0.0.1, trust authentication, stopped and removed after the session.

As root the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).  When
PostgreSQL is not installed the tests that need it are skipped with the reason, except
under CI (``CI=true``), where that is a failure: ``.ci/run`` installs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/N/bin`` that has initdb and pg_ctl, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield its URL (``postgresql+psycopg://postgres@127.0.0.1:PORT``,
    without a database name).  Skips (or fails under CI) when PostgreSQL is missing."""
    bindir = pg_bin()
    if bindir is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + ": .ci/run installs it")
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="xlcrm-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    run = lambda *args: subprocess.run(  # noqa: E731
        _as_server_user([str(a) for a in args]), check=True, capture_output=True, timeout=120
    )
    try:
        run(bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            bindir / "pg_ctl", "-D", data, "-o", options, "-l", folder / "server.log", "-w", "start"
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str) -> str:
    """A fresh, empty database on ``server``; its URL."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    dsn = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
