"""``sync`` end to end: a hand-made workbook and a teammate's sheet laid out differently
(tests/syncpair.py) in the emulator, through gspread over real HTTP and real .xlsx files.

What issue 12 asks a sync to show: edits on both sides merged; rows sorted, inserted and
deleted on the sheet handled by key; a conflict reported and not overwritten under each
policy; an edit made between our read and our write preserved; only changed cells written.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.connect import connect
from sheets_sync.sync import sync
from sheets_sync.sync.state import pair_lock
from tests.emulated import http
from tests.gsheets import api_requests, forget_requests
from tests.syncpair import book_rows, by_key, make_pair, sheet_rows
from xl_crm.errors import (
    OverwriteRefusedError,
    SyncBusyError,
    SyncRaceError,
    WorkbookOpenError,
)

CUSTOMERS = "Customers"
T = "ecommerce"


@pytest.fixture
def pair(tmp_path, sheets_emulator):
    book, key = make_pair(tmp_path, sheets_emulator)
    gc = connect(endpoint=sheets_emulator.url, timeout=10)
    first = sync(book, key, template=T, client=gc, backups=0)
    assert not first.conflicts and first.rows_changed == 0, first.to_dict()
    return book, key, gc, sheets_emulator


def sheet_cell(gc, key: str, customer: str, header: str) -> str:
    """The A1 cell under ``header`` in ``customer``'s row of the teammate's sheet."""
    ws = gc.open_by_key(key).worksheet(CUSTOMERS)
    rows = ws.get_values(value_render_option="UNFORMATTED_VALUE")
    head = rows[1]
    r = next(i for i, row in enumerate(rows) if row and str(row[head.index("Customer ID")])
             == customer) + 1  # fmt: skip
    return f"{chr(65 + head.index(header))}{r}"


def sheet_set(gc, key: str, customer: str, header: str, value) -> str:
    """A teammate types ``value`` under ``header`` in ``customer``'s row; returns the cell."""
    cell = sheet_cell(gc, key, customer, header)
    gc.open_by_key(key).worksheet(CUSTOMERS).update([[value]], cell, raw=True)
    return cell


def book_set(path: Path, customer: int, header: str, value) -> None:
    """Someone edits the workbook in a spreadsheet program (openpyxl load and save)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["客户"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == customer:
            row[head.index(header)].value = value
    wb.save(path)


def teammate_later(emu, key: str, cell: str, value: str, after: int) -> None:
    """A teammate types ``value`` in ``cell`` of the sheet after our next ``after`` API
    requests (the emulator's scheduled edit: between two of the sync's calls)."""
    http("POST", f"{emu.url}/_emulator/edits", {"spreadsheetId": key,
         "range": f"{CUSTOMERS}!{cell}", "values": [[value]], "afterRequests": after})  # fmt: skip


def sheet_customers(gc, key):
    return by_key(sheet_rows(gc, key, CUSTOMERS), "Customer ID")


def test_a_second_sync_with_nothing_changed_costs_one_drive_request(pair):
    book, key, gc, emu = pair
    forget_requests(emu)
    again = sync(book, key, template=T, client=gc, backups=0)
    assert again.unchanged and again.requests == 1
    assert [r["api"] for r in api_requests(emu)] == ["drive.files.get"]


def test_edits_and_new_rows_on_both_sides_are_merged_writing_only_those_cells(pair, tmp_path):
    book, key, gc, emu = pair
    sheet_set(gc, key, "100002", "Name", "张三丰")
    gc.open_by_key(key).worksheet(CUSTOMERS).append_row(
        ["游泳", None, None, "13912340004", "d@example.com", "赵四", 100004, "rep9"],
        value_input_option="RAW",
    )
    book_set(book, 100003, "电子邮件", "new3@example.com")
    wb = openpyxl.load_workbook(book)
    wb["客户"].append([100005, "钱五", "q5@example.com", "13912340005", None, None, "图书"])
    wb.save(book)
    other_sheet = _sheet_xml(book, "订单")
    forget_requests(emu)

    result = sync(book, key, template=T, client=gc, backups=1, audit_log=tmp_path / "audit.jsonl")

    assert not result.conflicts and result.passes == 1
    customers = next(s for s in result.sheets if s.sheet == "customers")
    assert (customers.cells_to_sheet, customers.cells_to_book) == (1, 1)
    assert (customers.rows_added_to_sheet, customers.rows_added_to_book) == (1, 1)
    assert result.rows_changed == 4
    on_sheet = sheet_customers(gc, key)
    assert on_sheet["100003"]["Email"] == "new3@example.com"
    assert on_sheet["100005"]["Name"] == "钱五" and on_sheet["100005"]["Owner"] in (None, "")
    assert on_sheet["100002"]["Name"] == "张三丰" and on_sheet["100002"]["Owner"] == "rep1"
    local = book_rows(book, "客户", "客户ID")
    assert local["100002"]["姓名"] == "张三丰"
    assert local["100004"]["姓名"] == "赵四" and local["100004"]["手机号码"] == "13912340004"
    assert _sheet_xml(book, "订单") == other_sheet  # the other sheet's part, byte for byte
    # one atomic batchUpdate with only the changed cells and the new row: no rewrite
    writes = [r for r in api_requests(emu) if r["method"] != "GET"]
    assert [r["api"] for r in writes] == ["sheets.spreadsheets.batchUpdate"]
    cells = [c for q in writes[0]["body"]["requests"] if "updateCells" in q
             for row in q["updateCells"]["rows"] for c in row["values"]]  # fmt: skip
    assert len(cells) == 1 + 5  # the email, and the new row's five filled cells
    audit = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert '"action": "sync-sheet"' in audit and "write-columns" in audit
    assert "new3@example.com" not in audit  # no cell values in the audit log
    # a third sync finds the two sides in step
    again = sync(book, key, template=T, client=gc, backups=0)
    assert again.rows_changed == 0 and not again.conflicts


def test_rows_sorted_inserted_and_deleted_on_the_sheet_are_matched_by_key(pair):
    book, key, gc, _emu = pair
    ws = gc.open_by_key(key).worksheet(CUSTOMERS)
    rows = ws.get_values(value_render_option="UNFORMATTED_VALUE")
    head = rows[1]
    data = sorted(rows[2:], key=lambda r: str(r[head.index("Name")]))  # sorted by name
    ws.update(data, f"A3:{chr(64 + len(head))}{2 + len(data)}", raw=True)
    ws.insert_row(["", None, None, "13912340006", "s6@example.com", "孙六", 100006, "rep8"],
                  index=4, value_input_option="RAW")  # fmt: skip
    gone = next(i for i, r in enumerate(ws.get_values(value_render_option="UNFORMATTED_VALUE"))
                if r and r[head.index("Customer ID")] == 100001) + 1  # fmt: skip
    ws.delete_rows(gone)
    book_set(book, 100003, "姓名", "周三")

    result = sync(book, key, template=T, client=gc, backups=0)

    assert not result.conflicts
    on_sheet = sheet_customers(gc, key)
    assert set(on_sheet) == {"100002", "100003", "100006"}
    assert on_sheet["100003"]["Name"] == "周三"  # written where 100003 is now
    local = book_rows(book, "客户", "客户ID")
    assert set(local) == {"100002", "100003", "100006"}  # 100001's row emptied
    assert local["100006"]["电子邮件"] == "s6@example.com"
    wb = openpyxl.load_workbook(book)
    assert wb["客户"].max_row == 5  # rows are not shifted: 100001's row is blank now


@pytest.mark.parametrize(
    ("prefer", "sheet_email", "book_email", "open_left"),
    [
        ("none", "sheet@example.com", "book@example.com", 1),
        ("sheet", "sheet@example.com", "sheet@example.com", 0),
        ("local", "book@example.com", "book@example.com", 0),
        ("newest", "sheet@example.com", "sheet@example.com", 0),  # the sheet changed last
    ],
)
def test_a_conflict_is_reported_and_settled_by_the_policy(pair, prefer, sheet_email,
                                                          book_email, open_left):  # fmt: skip
    book, key, gc, _emu = pair
    original = book_rows(book, "客户", "客户ID")["100002"]["电子邮件"]
    book_set(book, 100002, "电子邮件", "book@example.com")
    old = dt.datetime.now().timestamp() - 3600
    os.utime(book, (old, old))  # saved an hour ago; the sheet is edited now
    sheet_cell = sheet_set(gc, key, "100002", "Email", "sheet@example.com")

    result = sync(book, key, template=T, client=gc, backups=0, prefer=prefer)

    assert result.open_conflicts == open_left
    [conflict] = result.conflicts
    assert (conflict.field, conflict.kind) == ("email", "cell")
    assert sheet_customers(gc, key)["100002"]["Email"] == sheet_email
    assert book_rows(book, "客户", "客户ID")["100002"]["电子邮件"] == book_email
    with result.report.open(encoding="utf-8-sig") as fh:
        [line] = list(csv.DictReader(fh))
    assert line["key"] == "100002" and line["field"] == "email"
    assert line["workbook_cell"] == "客户!C3" and line["sheet_cell"] == f"{CUSTOMERS}!{sheet_cell}"
    assert (line["base"], line["workbook"], line["sheet_value"]) == (
        original, "book@example.com", "sheet@example.com")  # fmt: skip
    assert line["kept"] == {"none": "both", "newest": "sheet"}.get(prefer, prefer)
    if prefer == "none":  # listed again by the next sync, never dropped silently
        again = sync(book, key, template=T, client=gc, backups=0, prefer="none")
        assert not again.unchanged and again.open_conflicts == 1


def test_an_edit_between_our_read_and_our_write_is_merged_not_overwritten(pair):
    book, key, gc, emu = pair
    book_set(book, 100002, "姓名", "本地改名")
    reads = sync(
        book, key, template=T, client=gc, dry_run=True
    ).requests  # the read phase's requests
    ws = gc.open_by_key(key).worksheet(CUSTOMERS)
    email_cell = sheet_set(gc, key, "100002", "Email", "x@example.com")  # where the row is
    sync(
        book, key, template=T, client=gc, backups=0, prefer="local"
    )  # settle: 100002's email to x@
    book_set(book, 100002, "姓名", "本地再改")
    teammate_later(emu, key, email_cell, "colleague@example.com", reads)

    result = sync(book, key, template=T, client=gc, backups=0)

    assert result.passes == 2  # the check saw the row change and read again
    on_sheet = sheet_customers(gc, key)["100002"]
    assert on_sheet["Email"] == "colleague@example.com" and on_sheet["Name"] == "本地再改"
    assert book_rows(book, "客户", "客户ID")["100002"]["电子邮件"] == "colleague@example.com"
    assert ws.acell(email_cell).value == "colleague@example.com"


def test_an_edit_of_the_very_cell_we_write_becomes_a_conflict(pair):
    book, key, gc, emu = pair
    book_set(book, 100002, "姓名", "本地改名")
    reads = sync(book, key, template=T, client=gc, dry_run=True).requests
    name_cell = sheet_cell(gc, key, "100002", "Name")
    teammate_later(emu, key, name_cell, "同事改名", reads)

    result = sync(book, key, template=T, client=gc, backups=0, prefer="none")

    assert result.passes == 2 and result.open_conflicts == 1
    assert sheet_customers(gc, key)["100002"]["Name"] == "同事改名"
    assert book_rows(book, "客户", "客户ID")["100002"]["姓名"] == "本地改名"


def test_a_sheet_that_keeps_changing_is_refused_after_the_passes(pair):
    book, key, gc, emu = pair
    book_set(book, 100002, "姓名", "本地改名")
    reads = sync(book, key, template=T, client=gc, dry_run=True).requests
    name_cell = sheet_cell(gc, key, "100002", "Email")
    teammate_later(emu, key, name_cell, "又改了", reads)
    before = book.read_bytes()
    with pytest.raises(SyncRaceError) as info:
        sync(book, key, template=T, client=gc, backups=0, max_passes=1)
    assert info.value.exit_code == 3 and "nothing of the last pass" in str(info.value)
    assert book.read_bytes() == before


def test_a_second_sync_of_the_same_pair_waits_its_turn(pair):
    book, key, gc, _emu = pair
    with pair_lock(book, key), pytest.raises(SyncBusyError) as info:
        sync(book, key, template=T, client=gc, backups=0)
    assert info.value.exit_code == 3


def test_values_cross_as_typed_dates_leading_zeros_and_formula_text(pair):
    book, key, gc, _emu = pair
    wb = openpyxl.load_workbook(book)
    ws = wb["订单"]
    ws["C2"] = dt.datetime(2026, 5, 2, 9, 30)
    ws["E3"] = '=HYPERLINK("http://x")'  # text that looks like a formula
    ws["E3"].data_type = "s"
    wb.save(book)
    sheet_set(gc, key, "100003", "Mobile", "013912340003")

    sync(book, key, template=T, client=gc, backups=0)

    orders = gc.open_by_key(key).worksheet("Orders")
    formulas = orders.get_values(value_render_option="FORMULA")
    flat = [v for r in formulas for v in r]
    assert '=HYPERLINK("http://x")' in flat  # stored as text: FORMULA render shows it as is
    r, c = next((i, row.index('=HYPERLINK("http://x")')) for i, row in enumerate(formulas)
                if '=HYPERLINK("http://x")' in row)  # fmt: skip
    got = gc.open_by_key(key).fetch_sheet_metadata({
        "ranges": [f"Orders!{chr(65 + c)}{r + 1}"],
        "fields": "sheets(data(rowData(values(userEnteredValue))))"})  # fmt: skip
    entered = got["sheets"][0]["data"][0]["rowData"][0]["values"][0]["userEnteredValue"]
    assert entered == {"stringValue": '=HYPERLINK("http://x")'}  # text, never a formula
    shown = {r[0]: r for r in orders.get_values()[2:]}
    assert any("2026-05-02 09:30" in v for r in shown.values() for v in r)
    local = openpyxl.load_workbook(book)["客户"]
    cell = next(c for c in local["D"] if c.value == "013912340003")
    assert cell.data_type == "s"  # the leading zero kept: text


def _sheet_xml(path: Path, sheet: str) -> bytes:
    import zipfile

    from xl_crm.xlsx.package import sheet_parts

    with zipfile.ZipFile(path) as z:
        return z.read(sheet_parts(path)[sheet])


def test_a_formula_on_the_sheet_is_never_written_over(pair):
    book, key, gc, _emu = pair
    cell = sheet_cell(gc, key, "100002", "Name")
    gc.open_by_key(key).worksheet(CUSTOMERS).update([["=1+1"]], cell, raw=False)
    book_set(book, 100002, "姓名", "本地改名")
    before = book.read_bytes()
    with pytest.raises(OverwriteRefusedError) as info:
        sync(book, key, template=T, client=gc, backups=0, prefer="local")
    assert cell in str(info.value) and "=1+1" in str(info.value)
    ws = gc.open_by_key(key).worksheet(CUSTOMERS)
    assert ws.acell(cell, value_render_option="FORMULA").value == "=1+1"
    assert book.read_bytes() == before


def test_a_row_deleted_on_the_sheet_leaves_the_workbooks_own_columns_and_formulas(pair):
    book, key, gc, _emu = pair
    wb = openpyxl.load_workbook(book)
    ws = wb["客户"]
    ws["H1"] = "等级"  # a column of the workbook's own, with formulas
    for r in (2, 3, 4):
        ws[f"H{r}"] = f'=IF(LEN(A{r})>1,"A","B")'
    wb.save(book)
    sync(book, key, template=T, client=gc, backups=0)
    sheet = gc.open_by_key(key).worksheet(CUSTOMERS)
    sheet.delete_rows(int(sheet_cell(gc, key, "100002", "Name")[1:]))
    sheet_set(gc, key, "100003", "Name", "表格改名")

    result = sync(book, key, template=T, client=gc, backups=0)

    assert not result.conflicts
    wb = openpyxl.load_workbook(book)
    ws = wb["客户"]
    assert [ws[f"{c}3"].value for c in "ABCDEFG"] == [None] * 7  # 100002's synced cells
    assert ws["H3"].value == '=IF(LEN(A3)>1,"A","B")'  # its own column kept
    assert book_rows(book, "客户", "客户ID")["100003"]["姓名"] == "表格改名"
    assert sync(book, key, template=T, client=gc, backups=0).rows_changed == 0


def test_newest_does_not_take_a_syncs_own_writes_for_a_persons(pair):
    book, key, gc, _emu = pair
    book_set(book, 100002, "电子邮件", "book@example.com")
    sheet_set(gc, key, "100002", "Email", "later@example.com")  # after the workbook's edit
    book_set(book, 100003, "姓名", "本地改名")  # edits elsewhere: the sync writes both sides
    sheet_set(gc, key, "100001", "Name", "表格改名")
    first = sync(book, key, template=T, client=gc, backups=0, prefer="none")
    assert first.open_conflicts == 1 and first.rows_changed == 2

    again = sync(book, key, template=T, client=gc, backups=0, prefer="newest")

    [conflict] = again.conflicts  # neither side changed since: newest cannot choose
    assert conflict.kept == "both" and "neither side changed" in conflict.why
    assert sheet_customers(gc, key)["100002"]["Email"] == "later@example.com"
    sheet_set(gc, key, "100002", "Email", "latest@example.com")  # a person, after the sync
    settled = sync(book, key, template=T, client=gc, backups=0, prefer="newest")
    assert settled.conflicts[0].kept == "sheet"
    assert book_rows(book, "客户", "客户ID")["100002"]["电子邮件"] == "latest@example.com"


def test_one_value_spelt_two_ways_is_no_change_and_error_values_never_cross(
    tmp_path, sheets_emulator
):
    """A first sync between a workbook with real dates and numbers and a sheet where the same
    values were typed as text (2026-05-01 10:00, 199.00): no conflict, nothing written; a
    formula error on the sheet is not copied into a name."""
    book, key = make_pair(tmp_path, sheets_emulator)
    gc = connect(endpoint=sheets_emulator.url, timeout=10)
    orders = gc.open_by_key(key).worksheet("Orders")
    rows = orders.get_values(value_render_option="UNFORMATTED_VALUE")
    head = rows[1]
    when, amount = head.index("Order Time"), head.index("Amount")
    r = next(i for i, row in enumerate(rows) if row and row[-2] == "ORD0001") + 1
    orders.update([["2026-05-01 10:00"]], f"{chr(65 + when)}{r}", raw=True)  # text
    orders.update([["199.00"]], f"{chr(65 + amount)}{r}", raw=True)  # text
    cell = sheet_cell(gc, key, "100003", "Name")
    gc.open_by_key(key).worksheet(CUSTOMERS).update([["=1/0"]], cell, raw=False)  # #DIV/0!
    before = book.read_bytes()

    result = sync(book, key, template=T, client=gc, backups=0)

    assert not result.conflicts and result.rows_changed == 0, result.to_dict()
    assert book.read_bytes() == before  # nothing written to the workbook
    assert sync(book, key, template=T, client=gc, backups=0).rows_changed == 0


def test_an_edit_between_the_check_and_the_write_is_reported_not_silent(pair):
    """The one window the API leaves open (no conditional write): an edit landing after the
    check read and before the batchUpdate.  The sync cannot keep it, but it says so: the
    Drive version moved by more than its own change, and every cell it wrote is named."""
    book, key, gc, emu = pair
    book_set(book, 100002, "姓名", "本地改名")
    reads = sync(book, key, template=T, client=gc, dry_run=True).requests
    name_cell = sheet_cell(gc, key, "100002", "Name")
    # after the read, the Drive version and the check: just before the write
    teammate_later(emu, key, name_cell, "同事改名", reads + 2)

    result = sync(book, key, template=T, client=gc, backups=0)

    customers = next(s for s in result.sheets if s.sheet == "customers")
    assert result.passes == 1 and customers.written_while_edited == [f"{CUSTOMERS}!{name_cell}"]
    assert result.written_while_edited == [f"{CUSTOMERS}!{name_cell}"]
    assert result.to_dict()["sheets"][0]["written_while_edited"] == [f"{CUSTOMERS}!{name_cell}"]
    # without an edit in that window, nothing is flagged
    book_set(book, 100003, "姓名", "再改")
    quiet = sync(book, key, template=T, client=gc, backups=0)
    assert all(not s.written_while_edited for s in quiet.sheets)


def test_an_error_value_in_the_workbook_never_blanks_the_sheet(pair):
    """A formula whose saved result is #N/A (a failed VLOOKUP) reads as empty from a file:
    it is the error, not an emptied cell, so the sheet's e-mail stays."""
    book, key, gc, _emu = pair
    wb = openpyxl.load_workbook(book)
    wb["客户"]["C3"] = "=VLOOKUP(A3,Z:Z,2,FALSE)"  # 100002's e-mail; no saved result
    wb.save(book)
    before = sheet_customers(gc, key)["100002"]["Email"]

    result = sync(book, key, template=T, client=gc, backups=0)

    assert sheet_customers(gc, key)["100002"]["Email"] == before and before
    assert not result.conflicts and result.rows_changed == 0


def test_a_workbook_open_in_a_spreadsheet_program_is_not_written(pair):
    """LibreOffice keeps .~lock.NAME# beside an open workbook (Excel and WPS ~$NAME): its
    next save would put the old values back, so a sync that would write it writes nothing
    on either side and says to close it."""
    book, key, gc, _emu = pair
    sheet_set(gc, key, "100002", "Email", "teammate@example.com")
    book_set(book, 100003, "姓名", "本地改名")
    lock = book.with_name(f".~lock.{book.name}#")
    lock.write_text("someone,host,/home/someone,01.12.2026 17:00,file:///...;", encoding="utf-8")
    before, on_sheet = book.read_bytes(), sheet_customers(gc, key)
    with pytest.raises(WorkbookOpenError) as info:
        sync(book, key, template=T, client=gc, backups=0)
    assert info.value.exit_code == 3 and lock.name in str(info.value)
    assert book.read_bytes() == before and sheet_customers(gc, key) == on_sheet
    lock.unlink()  # closed: the sync goes through
    done = sync(book, key, template=T, client=gc, backups=0)
    assert done.rows_changed == 2
    assert book_rows(book, "客户", "客户ID")["100002"]["电子邮件"] == "teammate@example.com"
