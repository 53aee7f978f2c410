"""Shared fixtures: built workbooks, LibreOffice conversion."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from xl_crm.specs import builtin_names

# property tests: a small profile for CI, a larger one with HYPOTHESIS_PROFILE=dev; no
# deadline (a first call that imports pandas or writes a workbook can take a second)
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("ci", max_examples=15, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

BUILTINS = builtin_names()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def soffice() -> str:
    """Path to LibreOffice; skip locally without it, fail in CI (where .ci/run installs it)."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if IN_CI:
            pytest.fail("LibreOffice (soffice) is required in CI; .ci/run installs it")
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        )
    return path


def libreoffice_convert(book: Path, out_dir: Path, target: str) -> None:
    """Convert ``book`` with LibreOffice headless (``target``: a --convert-to argument)."""
    exe = soffice()
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def convert_to_csv(book: Path, out_dir: Path, sheet: int = 1) -> list[list[str]]:
    """One sheet of ``book`` as LibreOffice reads it (its UTF-8 CSV filter)."""
    filter_ = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}"
    libreoffice_convert(book, out_dir, filter_)
    produced = sorted(out_dir.glob(f"{book.stem}*.csv"))
    assert produced, f"LibreOffice wrote no CSV for {book}"
    with produced[0].open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="session")
def built_books(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every built-in template built with 60 sample rows, in zh and en."""
    from xl_crm.xlsx.builder import build_workbook

    root = tmp_path_factory.mktemp("built")
    books = {}
    for name in BUILTINS:
        for lang in ("zh", "en"):
            path = root / f"{name}_{lang}.xlsx"
            build_workbook(name, path, lang=lang, sample=60, seed=11)
            books[(name, lang)] = path
    return books


@pytest.fixture
def shop_copy(built_books, tmp_path) -> Path:
    """``shop.xlsx`` in this test's folder: a fresh copy of the e-commerce workbook built in
    English (sheets Customers and Orders, a group band in row 1, headers in row 2)."""
    path = tmp_path / "shop.xlsx"
    shutil.copy(built_books[("ecommerce", "en")], path)
    return path


def chromium() -> str:
    """Path to headless Chromium; skip locally without it, fail in CI (.ci/run installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if IN_CI:
            pytest.fail("Chromium is required in CI; .ci/run installs it")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    return path


def run_chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
    ]
    return subprocess.run(
        [chromium(), *flags, *args], check=True, capture_output=True, text=True, timeout=120
    )


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook written by openpyxl, one sheet per item, rows as given (cells typed by
    hand, not built by xl-crm)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# the Sheets emulator's fixtures (sheets_emulator, sheets_client), as users get them
from sheets_sync.emulator.pytest_plugin import sheets_client, sheets_emulator  # noqa: E402, F401


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (tests/pgserver.py): its URL without a
    database; skipped when PostgreSQL is not installed, a failure under CI."""
    from tests.pgserver import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def service_db(request, tmp_path) -> str:
    """The URL of an empty service database: a SQLite file, or a fresh database on the
    session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    from tests.pgserver import new_database

    return new_database(request.getfixturevalue("pg_server"))
