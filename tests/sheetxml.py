"""Workbooks with a sheet XML written by hand: for the writer's edge cases."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def book(path: Path, rows: str, *, prefix: str = "", head: str = "") -> Path:
    """An openpyxl workbook (sheet "S") whose sheet XML is replaced by ``rows`` in
    ``<sheetData>`` (``prefix`` like "x:" writes it the .NET Open XML SDK way)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "h"
    for i, fmt in enumerate(["0.00", "yyyy-mm-dd", "@", "0%"]):
        ws.cell(2 + i, 1).number_format = fmt  # styles 1.. exist
    wb.save(path)
    p = prefix
    ns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns}>{head}'
        f"<{p}sheetData>{rows}</{p}sheetData></{p}worksheet>"
    )
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = xml.encode()
            z.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def cell(ref: str, value, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if isinstance(value, str):
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"{s}><v>{value}</v></c>'
