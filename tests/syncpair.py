"""A workbook and a Google Sheet in the emulator holding the same customers, laid out
differently (test helper for the sync tests).

The workbook is one of ../shared/cases/real-inputs (a hand-made file laid out like the
ecommerce template).  The sheet is made from the same values the way a teammate keeps
them: English headers, the columns in another order, a title row above the header, the
rows in another order, a column of their own; it is written with openpyxl and loaded into
the emulator, never copied from xl-crm's package.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl

from xl_crm.specs import load_spec

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "cases" / "real-inputs"


def teammate_copy(src: Path, dest: Path) -> Path:
    """``src``'s values re-laid out as a teammate's sheet (see the module docstring)."""
    spec = load_spec("ecommerce")
    wb = openpyxl.load_workbook(src)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for ws, sheet in zip(wb.worksheets, spec.sheets, strict=False):
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        header, data = rows[0], [r for r in rows[1:] if any(v is not None for v in r)]
        english = {}
        for f in sheet.fields:
            for i, h in enumerate(header):
                if h == f.label.zh:
                    english[i] = f.label.en
        order = list(reversed(range(len(header))))
        new = out.create_sheet(sheet.label.en)
        new.append([f"{sheet.label.en} (shared with the team)"])
        new.append([english.get(i, header[i]) for i in order] + ["Owner"])
        for n, r in enumerate(reversed(data)):
            new.append([r[i] if i < len(r) else None for i in order] + [f"rep{n}"])
    out.save(dest)
    return dest


def make_pair(tmp: Path, emulator: Any, source: str = "baseline.xlsx") -> tuple[Path, str]:
    """(the workbook in ``tmp``, the key of the teammate's sheet in ``emulator``)."""
    book = tmp / "客户资料.xlsx"
    shutil.copyfile(REAL / source, book)
    key = emulator.load(teammate_copy(REAL / source, tmp / "shared.xlsx"))[0]
    return book, key


def sheet_rows(gc: Any, key: str, title: str) -> list[list[Any]]:
    """The tab ``title`` as UNFORMATTED values (what the API holds)."""
    return gc.open_by_key(key).worksheet(title).get_values(value_render_option="UNFORMATTED_VALUE")


def by_key(rows: list[list[Any]], header_text: str) -> dict[str, dict[str, Any]]:
    """Rows under the header row holding ``header_text``, as {key: {header: value}}, keyed
    by the first column whose header is ``header_text``."""
    at = next(i for i, r in enumerate(rows) if header_text in r)
    header = rows[at]
    col = header.index(header_text)
    out = {}
    for r in rows[at + 1 :]:
        if len(r) > col and r[col] not in (None, ""):
            k = r[col]
            k = str(int(k)) if isinstance(k, float) and k.is_integer() else str(k)
            out[k] = {h: (r[i] if i < len(r) else None) for i, h in enumerate(header) if h}
    return out


def book_rows(path: Path, sheet: str, header_text: str) -> dict[str, dict[str, Any]]:
    """The workbook's sheet as {key: {header: value}} (openpyxl, values as stored)."""
    wb = openpyxl.load_workbook(path)
    rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    return by_key(rows, header_text)
