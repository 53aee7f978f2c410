"""The error tree (issue 9): one root, a stable reason slug per class, each raised by a
public call on a real file in the table below, with its message in zh and en.

A class added to :mod:`xl_crm.errors` without a row in ``CASES`` fails
``test_every_reason_has_a_case``; a row whose call no longer raises that reason fails its
case.  Families (``XlCrmError``, ``WorkbookError``) group others and are never raised
themselves (checked on the source).
"""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from sheets_sync import Retries, connect
from sheets_sync.emulator import Emulator
from sheets_sync.service import load_jobs, open_store
from tests.conftest import xlsx
from tests.emulated import http, inject, no_default_credentials, service_account_info
from xl_crm import (
    CellMark,
    ColumnUpdate,
    annotate,
    build_workbook,
    compute,
    infer_spec,
    load_spec,
    open_book,
    validate,
)
from xl_crm.cli.paths import OutputTarget, check_outputs
from xl_crm.errors import FAMILIES, XlCrmError, error_classes
from xl_crm.excel.macros import sort_by_last_update

ROOT = Path(__file__).resolve().parents[1]
REAL = Path("../shared/cases/real-inputs")  # from the project root, as the guide says
AS_OF = "2026-06-30"
ORDERS = ["订单编号", "客户ID", "下单时间", "金额"]


def _shop(tmp: Path) -> Path:
    path = tmp / "shop.xlsx"
    build_workbook("ecommerce", path, sample=20, seed=1)
    return path


def _csv(tmp: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _locked(tmp: Path) -> Path:
    """An OLE compound file where a workbook is expected: how Excel stores an encrypted
    .xlsx."""
    path = tmp / "locked.xlsx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)
    return path


def _damaged(tmp: Path) -> Path:
    """A zip without [Content_Types].xml: what a broken download or a bad tool leaves."""
    path = tmp / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


def _write(tmp: Path, update: ColumnUpdate) -> None:
    book = open_book(_shop(tmp), backups=0)
    tables = book.read(load_spec("ecommerce"))
    book.write(tables["customers"], [update])


def _extra_missing(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # msoffcrypto-tool not installed: Python's own way to make an import fail
    monkeypatch.setitem(sys.modules, "msoffcrypto", None)
    validate(_locked(tmp), template="ecommerce", password="secret")


def _no_room(tmp: Path) -> None:
    """A stray value in the last column (XFD) leaves no column for the computed ones."""
    path = xlsx(
        tmp / "far.xlsx",
        {
            "客户": [["客户ID", "姓名"], [100001, "王芳"]],
            "订单": [ORDERS, ["O1", 100001, "2026-01-02", 10]],
        },
    )
    wb = openpyxl.load_workbook(path)
    wb["客户"]["XFD2"] = "far away"
    wb.save(path)
    compute(path, template="ecommerce", as_of=AS_OF, backups=0)


def _formulas(tmp: Path) -> None:
    """The customers' 购买频率 column holds the user's own formulas: compute does not
    replace them with values unless forced."""
    path = xlsx(
        tmp / "formulas.xlsx",
        {
            "客户": [["客户ID", "姓名", "购买频率"], [100001, "王芳", "=COUNTIF(订单!B:B,A2)"]],
            "订单": [ORDERS, ["O1", 100001, "2026-01-02", 10]],
        },
    )
    compute(path, template="ecommerce", as_of=AS_OF, backups=0)


def _on_a_pair(tmp: Path, then: Callable[..., object]) -> None:
    """``then(book, key, client)`` on a workbook and a teammate's sheet in a fresh emulator,
    synced once (tests/syncpair.py)."""
    from sheets_sync.sync import sync
    from tests.syncpair import make_pair

    with Emulator() as emu:
        book, key = make_pair(tmp, emu)
        gc = connect(endpoint=emu.url, timeout=5)
        sync(book, key, template="ecommerce", client=gc, backups=0)
        then(book, key, gc, emu)


def _busy(book: Path, key: str, gc: Any, emu: Any) -> None:
    from sheets_sync.sync import sync
    from sheets_sync.sync.state import pair_lock

    with pair_lock(book, key):
        sync(book, key, template="ecommerce", client=gc)


def _kept_changing(book: Path, key: str, gc: Any, emu: Any) -> None:
    """A local edit to push, and another user's edit of that row landing right after the
    read (the 4th request: Drive version, metadata, first rows, values)."""
    from sheets_sync.sync import sync

    wb = openpyxl.load_workbook(book)
    wb["客户"]["B2"] = "本地改名"
    wb.save(book)
    ws = gc.open_by_key(key).worksheet("Customers")
    row = next(i for i, r in enumerate(ws.get_values()) if r and r[-2] == "100001") + 1
    http("POST", f"{emu.url}/_emulator/edits", {"spreadsheetId": key, "range":
         f"Customers!A{row}", "values": [["潜水"]], "afterRequests": 4})  # fmt: skip
    sync(book, key, template="ecommerce", client=gc, backups=0, max_passes=1)


def _open_in_libreoffice(book: Path, key: str, gc: Any, emu: Any) -> None:
    """The workbook open in LibreOffice (its lock file beside it) and a change to pull."""
    from sheets_sync.sync import sync

    ws = gc.open_by_key(key).worksheet("Customers")
    row = next(i for i, r in enumerate(ws.get_values()) if r and r[-2] == "100001") + 1
    ws.update([["潜水"]], f"A{row}", raw=True)
    book.with_name(f".~lock.{book.name}#").write_text("someone,host", encoding="utf-8")
    sync(book, key, template="ecommerce", client=gc, backups=0)


def _nothing_to_sync(tmp: Path) -> None:
    """A workbook of orders only and a sheet of customers only."""
    from sheets_sync.sync import sync

    orders = xlsx(tmp / "orders.xlsx", {"订单": [ORDERS, ["O1", 100001, "2026-01-02", 10]]})
    people = xlsx(tmp / "people.xlsx", {"客户": [["客户ID", "姓名"], [100001, "王芳"]]})
    with Emulator() as emu:
        key = emu.load(people)[0]
        sync(orders, key, template="ecommerce", client=connect(endpoint=emu.url, timeout=5))


def _spec_file(tmp: Path) -> None:
    path = tmp / "mine.yaml"
    path.write_text("name: mine\nsheets: []\n", encoding="utf-8")
    load_spec(path)


def _on_sheets(faults: list[dict], call: Callable[..., object], *, creds: Any = None) -> None:
    """``call(client, worksheet)`` on a fresh emulator's sheet after injecting ``faults``; quick
    retries, a short timeout."""
    with Emulator() as emu:
        info = creds(emu.url) if creds else None
        quick = Retries(attempts=2, total_seconds=5, base_seconds=0.01)
        gc = connect(info, endpoint=emu.url, retries=quick, timeout=(1.0, 0.5))
        ws = gc.create("Errors").sheet1
        if faults:
            inject(emu.url, *faults)
        call(gc, ws)


def _no_adc(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_default_credentials(monkeypatch, tmp)
    connect()


def _revoked(gc: Any, ws: Any) -> None:
    http("POST", gc.http_client.endpoint + "/_emulator/tokens", {"revoke": True})
    ws.get("A1")


#: reason slug -> how a public call raises it (``tmp`` a fresh folder)
CASES: dict[str, Callable[..., object]] = {
    "file-not-found": lambda tmp: validate(tmp / "missing.xlsx", template="ecommerce"),
    "not-a-spreadsheet": lambda tmp: infer_spec(_csv(tmp, "not a workbook", "notes.xlsx")),
    "damaged-workbook": lambda tmp: validate(_damaged(tmp), template="ecommerce"),
    "encrypted-workbook": lambda tmp: validate(_locked(tmp), template="ecommerce"),
    "read-only": lambda tmp: annotate(
        _csv(tmp, "客户ID,姓名\n100001,王芳\n"),
        validate(tmp / "orders.csv", template="ecommerce"),
    ),
    "write-failed": lambda tmp: compute(
        _csv(tmp, ",".join(ORDERS) + "\nO1,100001,2026-01-02,10\n"),
        template="ecommerce",
        as_of=AS_OF,
        output=(tmp / "summary.csv").mkdir() or tmp / "summary.csv",
    ),
    "sheet-not-found": lambda tmp: validate(
        REAL / "baseline.xlsx", template="ecommerce", sheets={"orders": "No Such Sheet"}
    ),
    "no-matching-sheet": lambda tmp: validate(
        xlsx(tmp / "other.xlsx", {"Sheet1": [["产品", "库存"], ["笔", 3]]}), template="ecommerce"
    ),
    "no-header": lambda tmp: infer_spec(xlsx(tmp / "empty.xlsx", {"Sheet1": []})),
    "duplicate-header": lambda tmp: validate(
        xlsx(
            tmp / "dup.xlsx", {"客户": [["客户ID", "手机", "手机号"], [100001, "13812345678", ""]]}
        ),
        template="ecommerce",
    ),
    "missing-column": lambda tmp: compute(
        xlsx(tmp / "orders.xlsx", {"订单": [["订单编号", "客户ID", "金额"], ["O1", 100001, 10]]}),
        template="ecommerce",
        as_of=AS_OF,
    ),
    "over-excel-limits": lambda tmp: build_workbook("ecommerce", tmp / "big.xlsx", sample=2**21),
    "no-room-for-column": _no_room,
    "sheet-not-writable": lambda tmp: compute(
        xlsx(
            tmp / "orders.xlsx",
            {"订单": [ORDERS, ["O1", 100001, "2026-01-02", 10]], "备注": [["请勿改动"]]},
        ),
        template="ecommerce",
        as_of=AS_OF,
        summary_sheet="备注",
        backups=0,
    ),
    "cell-not-writable": lambda tmp: open_book(_shop(tmp), backups=0).mark(
        [CellMark("客户", "not a cell", "note")]
    ),
    "would-overwrite": _formulas,
    "value-not-writable": lambda tmp: _write(
        tmp, ColumnUpdate("会员", pd.Series({3: "maybe"}), kind="boolean")
    ),
    "template-undetected": lambda tmp: validate(REAL / "baseline.xlsx"),
    # sorting is Excel's own sort: a file cannot do it
    "excel-feature-missing": lambda tmp: sort_by_last_update(open_book(_shop(tmp))),
    "customer-key": lambda tmp: compute(
        xlsx(
            tmp / "twice.xlsx",
            {
                "客户": [["客户ID", "姓名"], [100001, "王芳"], [100001, "李娜"]],
                "订单": [ORDERS, ["O1", 100001, "2026-01-02", 10]],
            },
        ),
        template="ecommerce",
        as_of=AS_OF,
        backups=0,
    ),
    "template-not-found": lambda tmp: load_spec("shop"),
    "not-in-template": lambda tmp: load_spec("ecommerce").sheet("customers").field("fax"),
    "spec-invalid": _spec_file,
    "invalid-option": lambda tmp: build_workbook("ecommerce", tmp / "x.xlsx", lang="fr"),
    "invalid-as-of-date": lambda tmp: compute(_shop(tmp), as_of="30/02/2026", backups=0),
    "invalid-window": lambda tmp: compute(_shop(tmp), as_of=AS_OF, window_days=0, backups=0),
    "bad-output-path": lambda tmp: check_outputs(
        [(OutputTarget("--json"), tmp / "no such folder" / "report.json")]
    ),
    "missing-extra": _extra_missing,
    "credentials-not-found": lambda tmp: connect(tmp / "key.json"),
    "credentials-wrong-kind": lambda tmp: connect(_csv(tmp, '{"type": "api_key"}', "key.json")),
    "no-default-credentials": _no_adc,
    "token-refused": lambda tmp: _on_sheets([], _revoked, creds=service_account_info),
    "sheets-unauthorized": lambda tmp: _on_sheets(
        [{"status": 401, "times": 5}], lambda gc, ws: ws.get("A1"), creds=service_account_info
    ),
    "sheet-not-shared": lambda tmp: _on_sheets([{"status": 403}], lambda gc, ws: ws.get("A1")),
    "spreadsheet-not-found": lambda tmp: _on_sheets(
        [], lambda gc, ws: gc.open_by_key("no-such-key")
    ),
    "sheets-quota-exhausted": lambda tmp: _on_sheets(
        [{"status": 429, "times": 5}], lambda gc, ws: ws.get("A1")
    ),
    "sheets-unavailable": lambda tmp: _on_sheets(
        [{"status": 503}], lambda gc, ws: ws.append_row(["0042"])
    ),
    "sheets-timeout": lambda tmp: _on_sheets(
        [{"hangSeconds": 2, "times": 2}], lambda gc, ws: ws.get("A1")
    ),
    "jobs-file-invalid": lambda tmp: load_jobs(_csv(tmp, "jobs:\n  - name: a\n", "jobs.yaml")),
    "service-database": lambda tmp: open_store(f"sqlite:///{tmp / 'no folder' / 'jobs.db'}"),
    "sync-busy": lambda tmp: _on_a_pair(tmp, _busy),
    "sync-kept-changing": lambda tmp: _on_a_pair(tmp, _kept_changing),
    "nothing-to-sync": _nothing_to_sync,
    "workbook-open": lambda tmp: _on_a_pair(tmp, _open_in_libreoffice),
}


def _concrete() -> list[type[XlCrmError]]:
    return [cls for cls in error_classes() if cls not in FAMILIES]


def test_every_class_has_its_own_reason_and_fix():
    reasons = [cls.reason for cls in error_classes()]
    assert len(reasons) == len(set(reasons)), reasons
    for cls in error_classes():
        assert "reason" in vars(cls), f"{cls.__name__} inherits its reason slug"
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", cls.reason), cls.reason
        zh, en = cls.fix
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en)


def test_every_reason_has_a_case():
    assert sorted(cls.reason for cls in _concrete()) == sorted(CASES)


@pytest.mark.parametrize("reason", sorted(CASES))
def test_each_reason_is_raised_by_a_public_call(reason, tmp_path, monkeypatch):
    case = CASES[reason]
    with pytest.raises(XlCrmError) as info:
        if case.__code__.co_argcount == 2:
            case(tmp_path, monkeypatch)
        else:
            case(tmp_path)
    exc = info.value
    assert exc.reason == reason, exc.text("en")
    zh, en = exc.text("zh"), exc.text("en")
    assert zh != en and str(exc) == en
    data = exc.to_dict()
    assert data["reason"] == reason and data["message"]["en"] == exc.message
    assert data["fix"] is not None  # every error says how to fix it


def test_families_are_never_raised_themselves():
    """``raise WorkbookError(...)`` would give callers no reason to match on."""
    names = {cls.__name__ for cls in FAMILIES}
    found = []
    for path in sorted((ROOT / "xl_crm").rglob("*.py")):
        if "errors" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in names:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []


def test_public_calls_raise_no_bare_builtin_errors():
    """No ``raise ValueError/KeyError/TypeError`` in the package: a caller can catch
    XlCrmError and know it has everything.  The one exception: the validation engine's
    check of a custom check's answer, which the engine itself catches and reports as a
    finding (xl_crm/validation/schema.py)."""
    found = []
    for path in sorted((ROOT / "xl_crm").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "xl_crm/validation/schema.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id in (
                    "ValueError",
                    "KeyError",
                    "TypeError",
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_an_error_located_later_keeps_its_class_and_reason(tmp_path):
    with pytest.raises(XlCrmError) as info:
        CASES["value-not-writable"](tmp_path)
    exc = info.value
    assert exc.file is not None and exc.sheet == "客户"  # the writer named file and sheet
    assert exc.text("en").startswith(f"{exc.file}: 客户")
