"""What the in-place writers do to the file itself: a private workbook (0600) stays
private after compute, annotate and ``excel init``; a read-only workbook is refused and left
as it was (``xl_crm.xlsx.atomic``)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

import xl_crm
from tests.wrongcells import inject_ecommerce
from xl_crm.errors import WriteFailedError
from xl_crm.excel.starter import init_workbook
from xl_crm.xlsx.builder import build_workbook


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("modes") / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_compute_keeps_a_private_workbook_private(built, tmp_path):
    book = tmp_path / "shop.xlsx"
    shutil.copy(built, book)
    book.chmod(0o600)
    result = xl_crm.compute(book, as_of="2026-06-30")
    assert result.written  # the workbook was really rewritten
    assert _mode(book) == 0o600


def test_annotate_keeps_the_mode_of_a_shared_workbook(built, tmp_path):
    book = tmp_path / "shop.xlsx"
    shutil.copy(built, book)
    inject_ecommerce(book)
    book.chmod(0o640)
    report = xl_crm.validate(book)
    assert report.findings
    xl_crm.annotate(book, report)
    assert _mode(book) == 0o640


@pytest.mark.parametrize("step", ["compute", "excel-init"])
def test_a_read_only_workbook_is_refused_and_left_as_it_was(built, tmp_path, step):
    book = tmp_path / "shop.xlsx"
    shutil.copy(built, book)
    book.chmod(0o444)
    before = book.read_bytes()
    with pytest.raises(WriteFailedError) as caught:
        if step == "compute":
            xl_crm.compute(book, as_of="2026-06-30")
        else:
            init_workbook(book, template="ecommerce")
    assert "read-only" in caught.value.message_in("en")
    assert book.read_bytes() == before
    assert _mode(book) == 0o444
    assert not (tmp_path / ".xlcrm-backups").exists()


def test_excel_init_on_an_encrypted_workbook_says_what_to_do_in_excel(built, tmp_path):
    """``excel init`` takes no password (the macros run in Excel): its advice is Excel's
    own way of removing the password, not a ``--password`` option it does not have."""
    from tests.test_encrypted import encrypted_copy
    from xl_crm.errors import EncryptedWorkbookError

    book = encrypted_copy(built, tmp_path / "locked.xlsx")
    before = book.read_bytes()
    with pytest.raises(EncryptedWorkbookError) as caught:
        init_workbook(book, template="ecommerce")
    text = caught.value.text("en")
    assert "--password" not in text and "Encrypt with Password" in text
    assert book.read_bytes() == before
