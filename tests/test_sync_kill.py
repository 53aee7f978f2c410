"""SIGKILL during a sync leaves both sides and the state store consistent, and the next
sync finishes the job (issue 12).

``xl-crm sync both`` runs in a subprocess against the emulator; the emulator holds its
one write (``spreadsheets.batchUpdate``) with a hang, and the process is killed while it
waits.  Two cases: the write is then applied (it reached Google; the client died before
the answer) or refused (it never did).  Either way the workbook is the file it was (the
writer replaces it atomically, and it comes after the sheet), the snapshot is the old one,
the pair's lock is free again, and the next sync leaves both sides with both edits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from sheets_sync.connect import connect
from sheets_sync.sync import sync
from sheets_sync.sync.state import default_state, load, open_state, pair_id
from tests.emulated import inject, request_log
from tests.syncpair import book_rows, by_key, make_pair, sheet_rows
from tests.test_sync import book_set, sheet_set

T = "ecommerce"


def _wait_for(check, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")  # pragma: no cover


@pytest.mark.parametrize("applied", [True, False], ids=["write-applied", "write-refused"])
def test_sigkill_during_the_sheet_write_then_the_next_sync_finishes(
    tmp_path, sheets_emulator, applied
):
    emu = sheets_emulator
    book, key = make_pair(tmp_path, emu)
    gc = connect(endpoint=emu.url, timeout=10)
    sync(book, key, template=T, client=gc, backups=0)
    store = open_state(default_state(book))
    snapshot = load(store, pair_id(book, key, "customers"))
    book_set(book, 100002, "姓名", "本地改名")
    sheet_set(gc, key, "100003", "Email", "sheet3@example.com")
    before = book.read_bytes()
    fault = {"match": ":batchUpdate", "method": "POST", "hangSeconds": 1.5}
    inject(emu.url, fault if applied else {**fault, "status": 503})
    env = {**os.environ, "XL_CRM_SHEETS_ENDPOINT": emu.url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xl_crm", "sync", "both", str(book), f"gsheet://{key}",
         "-t", T, "--backups", "0", "--lang", "en"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for(
            lambda: (
                proc.poll() is not None
                or any(r["api"] == "sheets.spreadsheets.batchUpdate" for r in request_log(emu.url))
            )
        )
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    time.sleep(2)  # the held write is applied (or refused) now

    # consistent: the workbook is the file it was, the snapshot the old one
    assert book.read_bytes() == before
    after_kill = load(store, pair_id(book, key, "customers"))
    assert after_kill.rows == snapshot.rows and after_kill.synced_at == snapshot.synced_at
    on_sheet = by_key(sheet_rows(gc, key, "Customers"), "Customer ID")
    assert (on_sheet["100002"]["Name"] == "本地改名") is applied

    # the next sync (the lock is free: the OS released it) finishes the job
    result = sync(book, key, template=T, client=gc, backups=0)
    assert not result.conflicts
    on_sheet = by_key(sheet_rows(gc, key, "Customers"), "Customer ID")
    local = book_rows(book, "客户", "客户ID")
    assert on_sheet["100002"]["Name"] == local["100002"]["姓名"] == "本地改名"
    assert on_sheet["100003"]["Email"] == local["100003"]["电子邮件"] == "sheet3@example.com"
    assert sync(book, key, template=T, client=gc, backups=0).rows_changed == 0
    store.close()
