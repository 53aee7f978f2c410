"""Password-protected workbooks written, not only read (fresh-clone review, issue 9).

``compute``, ``annotate`` and ``validate --annotate`` take ``--password`` (the message for
an encrypted workbook tells every command's user to give it): the workbook is decrypted
into a private temporary copy, written there, encrypted again with the same password and
checked before it replaces the original.  So after a run the file is still encrypted,
opens with the same password and holds the computed columns or the marks; a wrong
password, or any failure, leaves it byte for byte as it was; no decrypted copy is left in
the temporary folder or beside the workbook.  Real .xlsx files encrypted with
msoffcrypto-tool, the CLI run as a user runs it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from typer.testing import CliRunner

from xl_crm import annotate, compute, validate
from xl_crm.cli.app import app
from xl_crm.errors import CustomerKeyError, EncryptedWorkbookError

REAL = Path("../shared/cases/real-inputs").resolve()
PASSWORD = "s3cret-密码"
AS_OF = "2026-06-30"
#: the first bytes of an OLE compound file: how Excel stores an encrypted .xlsx
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
runner = CliRunner()


def encrypted_copy(plain: Path, target: Path, password: str = PASSWORD) -> Path:
    with plain.open("rb") as src, target.open("wb") as dst:
        OOXMLFile(src).encrypt(password, dst)
    return target


def opened(path: Path, password: str = PASSWORD) -> openpyxl.Workbook:
    """The workbook inside an encrypted file, decrypted in memory (raises when the
    password does not open it)."""
    with path.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
    return openpyxl.load_workbook(plain)


@pytest.fixture
def locked(shop_copy, tmp_path) -> Path:
    """The English e-commerce workbook encrypted with :data:`PASSWORD`."""
    return encrypted_copy(shop_copy, tmp_path / "locked.xlsx")


def _headers(book: openpyxl.Workbook, sheet: str) -> list[str]:
    """The texts of the sheet's first rows (a group band above the headers)."""
    rows = book[sheet].iter_rows(max_row=3, values_only=True)
    return [v for row in rows for v in row if v is not None]


def test_compute_writes_an_encrypted_workbook_and_keeps_it_encrypted(locked, tmp_path):
    original = locked.read_bytes()
    log = tmp_path / "audit.jsonl"
    result = compute(locked, as_of=AS_OF, password=PASSWORD, audit_log=log)
    assert result.written and result.sheet == "Customers"
    assert locked.read_bytes()[:8] == OLE_MAGIC  # still encrypted
    book = opened(locked)
    for header in ("Purchase Frequency", "RFM Segment"):
        assert header in _headers(book, "Customers")
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        opened(locked, "wrong")
    (backup,) = (tmp_path / ".xlcrm-backups").iterdir()
    assert backup.read_bytes() == original  # the backup is the encrypted original
    record = json.loads(log.read_text(encoding="utf-8"))
    assert record["file"] == str(locked) and record["encrypted"] is True
    assert record["action"] == "write-columns"
    assert [p.name for p in tmp_path.iterdir() if "xlcrm-tmp" in p.name] == []


def test_a_second_run_changes_nothing(locked):
    compute(locked, as_of=AS_OF, password=PASSWORD, backups=0)
    after_first = locked.read_bytes()
    again = compute(locked, as_of=AS_OF, password=PASSWORD, backups=0)
    assert not again.written
    assert locked.read_bytes() == after_first  # not even encrypted anew


def test_a_wrong_password_leaves_the_workbook_untouched(locked, tmp_path):
    before = locked.read_bytes()
    with pytest.raises(EncryptedWorkbookError) as info:
        compute(locked, as_of=AS_OF, password="wrong")
    assert info.value.reason == "encrypted-workbook" and "check the password" in str(info.value)
    assert locked.read_bytes() == before
    assert not (tmp_path / ".xlcrm-backups").exists()


def test_a_failure_after_decrypting_leaves_the_workbook_untouched(locked, tmp_path):
    """A customer key repeated: compute stops after reading the decrypted copy."""
    wb = opened(locked)
    assert wb["Customers"]["A2"].value == "Customer ID"  # a band above, data from row 3
    wb["Customers"]["A4"] = wb["Customers"]["A3"].value
    twice = tmp_path / "twice-plain.xlsx"
    wb.save(twice)
    target = encrypted_copy(twice, tmp_path / "twice.xlsx")
    before = target.read_bytes()
    with pytest.raises(CustomerKeyError) as info:
        compute(target, as_of=AS_OF, password=PASSWORD)
    assert str(target) in str(info.value)  # named as the user knows it, not the copy
    assert target.read_bytes() == before


def test_annotate_marks_an_encrypted_workbook(tmp_path):
    locked = encrypted_copy(REAL / "error_values.xlsx", tmp_path / "errors.xlsx")
    report = validate(locked, template="ecommerce", password=PASSWORD)
    assert not report.valid
    result = annotate(locked, report, lang="en", password=PASSWORD, backups=0)
    assert result.marked > 0
    book = opened(locked)
    noted = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.comment]
    assert len(noted) == result.marked


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m xl_crm ARGS`` in a fresh process (its own temporary folder)."""
    return subprocess.run(
        [sys.executable, "-m", "xl_crm", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_cli_validate_password_annotate_and_no_decrypted_copy_left(tmp_path):
    locked = encrypted_copy(REAL / "error_values.xlsx", tmp_path / "errors.xlsx")
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {"TMPDIR": str(temp), "XLCRM_PASSWORD": ""}
    args = ["validate", str(locked), "-t", "ecommerce", "--annotate", "--lang", "en"]
    done = _cli(*args, "--password", PASSWORD, env=env)
    assert done.returncode == 1, done.stderr  # findings: exit 1, and the marks are written
    assert "marked" in done.stderr
    assert locked.read_bytes()[:8] == OLE_MAGIC
    assert any(c.comment for ws in opened(locked) for row in ws.iter_rows() for c in row)
    assert list(temp.iterdir()) == []  # the decrypted copy is gone


def test_cli_compute_and_annotate_take_the_password_from_the_environment(locked):
    env = {"XLCRM_PASSWORD": PASSWORD}
    done = _cli("compute", str(locked), "--as-of", AS_OF, "--json", "-", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["written"] is True
    assert "RFM Segment" in _headers(opened(locked), "Customers")
    done = _cli("annotate", str(locked), "--lang", "en", env=env)
    assert done.returncode == 0, done.stderr
    assert locked.read_bytes()[:8] == OLE_MAGIC


@pytest.mark.parametrize("command", [["compute", "--as-of", AS_OF], ["annotate"]])
def test_the_advice_to_give_password_can_be_followed(locked, command):
    before = locked.read_bytes()
    result = runner.invoke(app, [command[0], str(locked), *command[1:], "--lang", "en"])
    assert result.exit_code == 2
    assert "give the password with --password" in result.stderr
    followed = runner.invoke(
        app, [command[0], str(locked), *command[1:], "--password", PASSWORD, "--lang", "en"]
    )
    assert followed.exit_code == 0, followed.output
    assert locked.read_bytes()[:8] == OLE_MAGIC
    # compute writes its columns; the sample has no finding, so annotate has nothing to
    # mark or clear and leaves the file as it was
    assert (locked.read_bytes() != before) == (command[0] == "compute")


def test_infer_takes_the_password_too(locked):
    result = runner.invoke(app, ["template", "infer", str(locked), "--password", PASSWORD, "-q"])
    assert result.exit_code == 0, result.output
    assert "customers" in result.stdout


def test_a_workbook_that_is_not_encrypted_ignores_the_password(shop_copy):
    shop = shop_copy
    result = compute(shop, as_of=AS_OF, password="unused", backups=0)
    assert result.written
    assert "RFM Segment" in _headers(openpyxl.load_workbook(shop), "Customers")  # still plain
