"""What a workbook's XML says about its sheets beyond the values.

Column number formats and locks, data validations, conditional formats, merged cells,
table ranges and sheet protection, read straight from the package without loading the
cell data into memory (a worksheet part is streamed up to ``<sheetData>`` and after
``</sheetData>``), so this works on sheets of any size and from any producer.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from xl_crm.xlsx.package import sheet_parts

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_SHEET_DATA = re.compile(r"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(r"</(?:\w+:)?sheetData>")
_ROOT_CLOSE = re.compile(r"</(?:\w+:)?worksheet>\s*$")


@dataclass
class Validation:
    type: str
    operator: str | None
    formula1: str | None
    formula2: str | None
    allow_blank: bool
    prompt: str | None = None
    #: the allowed values of a list validation, once resolved
    choices: list[str] | None = None


@dataclass
class SheetStructure:
    """Per-column facts of one worksheet (columns by letter)."""

    name: str
    number_formats: dict[str, str] = field(default_factory=dict)
    locked: dict[str, bool] = field(default_factory=dict)
    validations: dict[str, Validation] = field(default_factory=dict)
    duplicate_rules: set[str] = field(default_factory=set)
    today_rules: set[str] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # c1, r1, c2, r2
    tables: list[tuple[str, str]] = field(default_factory=list)  # (name, ref)
    protected: bool = False


def read_structure(path: Path) -> dict[str, SheetStructure]:
    """Sheet name -> its structure, for an .xlsx/.xlsm package."""
    with zipfile.ZipFile(path) as z:
        parts = sheet_parts(path)
        formats, locks = _styles(z)
        out = {}
        for name, part in parts.items():
            if part not in z.namelist():
                continue
            head, tail = _outside_sheet_data(z, part)
            out[name] = _sheet(z, name, part, head, tail, formats, locks)
        return out


def _styles(z: zipfile.ZipFile) -> tuple[list[str], list[bool]]:
    """Number format and locked flag of each cellXfs entry."""
    try:
        root = ET.fromstring(z.read("xl/styles.xml"))
    except KeyError:
        return [], []
    custom = {
        int(n.get("numFmtId", "0")): n.get("formatCode", "")
        for n in root.iterfind("m:numFmts/m:numFmt", NS)
    }
    formats, locks = [], []
    for xf in root.iterfind("m:cellXfs/m:xf", NS):
        fid = int(xf.get("numFmtId", "0"))
        formats.append(custom.get(fid, BUILTIN_FORMATS.get(fid, "General")))
        prot = xf.find("m:protection", NS)
        locks.append(prot is None or prot.get("locked", "1") not in ("0", "false"))
    return formats, locks


def _outside_sheet_data(z: zipfile.ZipFile, part: str) -> tuple[str, str]:
    """The worksheet XML before ``<sheetData>`` and after ``</sheetData>`` (streamed)."""
    head, tail = "", ""
    buffer = ""
    state = "head"
    with z.open(part) as fh:
        while True:
            block = fh.read(1 << 20)
            if not block and not buffer:
                break
            buffer += block.decode("utf-8", errors="replace")
            if state == "head":
                m = _SHEET_DATA.search(buffer)
                if m:
                    head = buffer[: m.start()]
                    if m.group(1) == "/":
                        state, buffer = "tail", buffer[m.end() :]
                    else:
                        state, buffer = "data", buffer[m.end() :]
                elif not block:
                    head, buffer = buffer, ""
            if state == "data":
                m = _SHEET_DATA_END.search(buffer)
                if m:
                    state, buffer = "tail", buffer[m.end() :]
                else:
                    buffer = buffer[-32:]
            if state == "tail" and not block:
                tail, buffer = buffer, ""
            if not block:
                break
    return head, tail


def _parse_fragment(xml: str) -> ET.Element:
    xml = _ROOT_CLOSE.sub("", xml)
    return ET.fromstring(
        f'<root xmlns="{NS["m"]}" xmlns:r="r" xmlns:x14="x14" '
        f'xmlns:xm="xm" xmlns:mc="mc" xmlns:x14ac="x14ac">{xml}</root>'
    )


def _sheet(z, name, part, head, tail, formats, locks) -> SheetStructure:
    s = SheetStructure(name)
    cols = re.search(r"<(?:\w+:)?cols>.*?</(?:\w+:)?cols>", head, re.S)
    if cols:
        for col in _parse_fragment(cols.group(0)).iter(f"{{{NS['m']}}}col"):
            style = col.get("style")
            if style is None or not style.isdigit() or int(style) >= len(formats):
                continue
            for i in range(int(col.get("min", "1")), int(col.get("max", "1")) + 1):
                if i > 200:
                    break
                letter = get_column_letter(i)
                s.number_formats[letter] = formats[int(style)]
                s.locked[letter] = locks[int(style)]
    tail = re.sub(r"<(?:\w+:)?extLst>.*?</(?:\w+:)?extLst>", "", tail, flags=re.S)
    try:
        root = _parse_fragment(tail)
    except ET.ParseError:
        return s
    m = NS["m"]
    prot = root.find(f"{{{m}}}sheetProtection")
    s.protected = prot is not None and prot.get("sheet") in ("1", "true")
    for dv in root.iter(f"{{{m}}}dataValidation"):
        f1, f2 = dv.find(f"{{{m}}}formula1"), dv.find(f"{{{m}}}formula2")
        v = Validation(
            type=dv.get("type", "none"),
            operator=dv.get("operator"),
            formula1=f1.text if f1 is not None else None,
            formula2=f2.text if f2 is not None else None,
            allow_blank=dv.get("allowBlank") in ("1", "true"),
            prompt=dv.get("prompt"),
        )
        for letter in _columns(dv.get("sqref", "")):
            s.validations.setdefault(letter, v)
    for cf in root.iter(f"{{{m}}}conditionalFormatting"):
        letters = _columns(cf.get("sqref", ""))
        for rule in cf.iter(f"{{{m}}}cfRule"):
            formula = " ".join(f.text or "" for f in rule.iter(f"{{{m}}}formula"))
            if rule.get("type") == "duplicateValues":
                s.duplicate_rules.update(letters)
            elif "TODAY()" in formula.upper():
                s.today_rules.update(letters)
    for mc in root.iter(f"{{{m}}}mergeCell"):
        ref = mc.get("ref", "")
        if ref:
            s.merged.append(range_boundaries(ref))
    rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels_part in z.namelist():
        rels = ET.fromstring(z.read(rels_part))
        for rel in rels.findall("p:Relationship", NS):
            if rel.get("Type", "").endswith("/table"):
                ref = rel.get("Target", "")
                target = posixpath.normpath(
                    ref.lstrip("/")
                    if ref.startswith("/")
                    else posixpath.join(posixpath.dirname(part), ref)
                )
                table = ET.fromstring(z.read(target))
                s.tables.append((table.get("displayName", ""), table.get("ref", "")))
    return s


def _columns(sqref: str) -> set[str]:
    letters: set[str] = set()
    for ref in sqref.split():
        c1, _, c2, _ = range_boundaries(ref)
        if c1 is None:
            continue
        for i in range(c1, min(c2 or c1, c1 + 200) + 1):
            letters.add(get_column_letter(i))
    return letters


__all__ = ["SheetStructure", "Validation", "column_index_from_string", "read_structure"]
