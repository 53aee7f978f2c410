"""Matching a workbook to a template: sheets by what their headers say, columns by header text.

Users' sheets are called ``Sheet1``, ``客户资料`` or ``export_2026``; their columns come in
any order, spelt the way their software exports them, sometimes under a merged group band.
So a template is matched by content:

- header texts compare after :func:`normalise_header` (width, case, spaces, punctuation and
  invisible characters do not count), against each field's labels, id and aliases;
- a sheet's header row is the row naming the most fields, or a pair of rows when a merged
  band above the field names completes it (:func:`header_row`);
- every workbook sheet is scored against every template sheet (the weighted share of the
  template's fields it names: key 3, required 2, other 1, computed 0.5) and sheets are
  assigned one to one, best first; a sheet named like the template sheet wins a tie
  (:func:`match_sheets`).  ``--sheet TEMPLATE_SHEET=BOOK_SHEET`` fixes a pair by hand.

The result, :class:`BookMapping`, is shown at the top of every validation report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_crm.errors import (
    InvalidOptionError,
    NoMatchingSheetError,
    NotInTemplateError,
    SheetNotFoundError,
    WorkbookError,
)

if TYPE_CHECKING:  # the spec models import nothing from here; keep it that way at run time
    from xl_crm.specs.model import FieldSpec, SheetSpec, Spec

WEIGHT_KEY, WEIGHT_REQUIRED, WEIGHT_OTHER, WEIGHT_COMPUTED = 3.0, 2.0, 1.0, 0.5
#: added to the score of a sheet named like the template sheet: decides ties, never alone
NAME_BONUS = 0.1
#: Unicode categories kept when comparing headers: letters, marks and digits
_KEPT = ("L", "M", "N")


def normalise_header(text: object) -> str:
    """The form headers are compared in: ``"Customer ID"`` -> ``"customerid"``.

    NFKC (full-width ``ＩＤ``/``（）`` become ``ID``/``()``), case folded, and only letters,
    marks and digits kept: spaces, line breaks, NBSP, U+3000, zero-width characters
    (U+200B/C/D, U+2060), the BOM, punctuation (``- _ . / ( ) : * 、``) and symbols go.  So
    ``CustomerID``, ``Customer ID``, ``customer_id`` and ``CUSTOMER-ID`` compare equal (a
    camelCase boundary needs no split once separators are dropped), as do ``手机号码`` with
    a trailing U+200B and ``手机号码*``.  ``None`` gives ``""``.
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in value if unicodedata.category(ch)[0] in _KEPT)


def header_names(f: FieldSpec) -> set[str]:
    """Every normalised header that names field ``f``: its labels, id and aliases."""
    names = {normalise_header(n) for n in (f.label.zh, f.label.en, f.id, *f.aliases)}
    names.discard("")
    return names


def field_lookup(sheet: SheetSpec) -> dict[str, str]:
    """Normalised header -> field id; a label or id beats another field's alias."""
    lookup: dict[str, str] = {}
    for f in sheet.fields:
        for name in (f.label.zh, f.label.en, f.id):
            lookup.setdefault(normalise_header(name), f.id)
    for f in sheet.fields:
        for name in f.aliases:
            lookup.setdefault(normalise_header(name), f.id)
    lookup.pop("", None)
    return lookup


def header_texts(row: list[object]) -> list[str]:
    """A row's cells as header text (``None`` -> ``""``)."""
    return ["" if v is None else str(v) for v in row]


def is_blank_header(text: str) -> bool:
    """Empty, or only spaces and invisible characters (a header cell nobody filled)."""
    return not any(
        unicodedata.category(ch)[0] not in ("Z", "C") and not ch.isspace() for ch in text
    )


@dataclass(frozen=True)
class HeaderRow:
    """Where a sheet's header is and what it says."""

    index: int  # 0-based row of the header; the lower row when it spans two
    texts: list[str]  # per column: the header row's text, or the band's above a blank cell
    fields: dict[str, int]  # field id -> 0-based column of the first header naming it
    band: int | None = None  # 0-based row of the merged band above, when there is one

    @property
    def excel_rows(self) -> list[int]:
        """The 1-based Excel rows the header takes (two with a band)."""
        return [r + 1 for r in (self.band, self.index) if r is not None]


def _stack(band: list[str], lower: list[str]) -> list[str]:
    """One header from two rows: the lower text, or the band's where the lower cell is blank
    (a cell merged down from the band, like 客户名称 over A2:A3)."""
    width = max(len(band), len(lower))
    band = band + [""] * (width - len(band))
    lower = lower + [""] * (width - len(lower))
    return [lo if not is_blank_header(lo) else up for up, lo in zip(band, lower, strict=True)]


def repeated_field(text: str, n: int, lookup: dict[str, str], fid: str | None) -> str | None:
    """The field of the ``n``-th column headed ``text`` (n >= 2): the one labelled
    ``"text (n)"`` when the spec has it (``template infer`` writes repeated headers so),
    else ``fid``, the field the header names."""
    return lookup.get(normalise_header(f"{text} ({n})"), fid) if n > 1 else fid


def _named(texts: list[str], lookup: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        name = normalise_header(text)
        seen[name] = seen.get(name, 0) + 1
        fid = repeated_field(text, seen[name], lookup, lookup.get(name))
        if fid is not None:
            found.setdefault(fid, i)
    return found


def field_weight(sheet: SheetSpec, f: FieldSpec) -> float:
    """How much naming ``f`` counts towards a sheet matching (key 3, required 2, other 1,
    computed 0.5: compute adds computed columns, so a sheet may well lack them)."""
    if sheet.key == f.id:
        return WEIGHT_KEY
    if f.computed:
        return WEIGHT_COMPUTED
    return WEIGHT_REQUIRED if f.required else WEIGHT_OTHER


def coverage(sheet: SheetSpec, fields: set[str] | dict[str, int]) -> float:
    """Weighted share (0-1) of ``sheet``'s fields among ``fields``."""
    total = sum(field_weight(sheet, f) for f in sheet.fields)
    found = sum(field_weight(sheet, f) for f in sheet.fields if f.id in fields)
    return found / total if total else 0.0


def header_row(rows: list[list[object]], sheet: SheetSpec) -> HeaderRow | None:
    """The row (or band + row) among ``rows`` naming most of ``sheet``'s fields.

    Each row is tried alone and stacked under the row above it (:func:`_stack`).  A stack
    is taken when it names more fields than either row alone, or as many as the band
    when the lower row :func:`continues <continues_header>` it (names a field, is all
    text, and is blank under some of the band's names).  So xl-crm's own group band (no
    blank under it) and a data row under the header change nothing.  Ties go to the
    earlier row.  Returns ``None`` when no row names a field.
    """
    lookup = field_lookup(sheet)
    best: HeaderRow | None = None
    best_rank: tuple[int, float, bool] = (0, 0.0, False)
    above: list[object] | None = None
    for i, row in enumerate(rows):
        texts = header_texts(row)
        tries: list[tuple[list[str], int | None, bool]] = [(texts, None, False)]
        upper = header_texts(above) if above is not None else None
        if upper is not None and not all(is_blank_header(t) for t in upper):
            stacked = _stack(upper, texts)
            tries.append((stacked, i - 1, continues_header(upper, row, lookup)))
        for candidate, band, continued in tries:
            found = _named(candidate, lookup)
            rank = (len(found), coverage(sheet, found), continued)
            if rank > best_rank:
                best, best_rank = HeaderRow(i, candidate, found, band), rank
        above = row
    return best


_NUMBER_OR_DATE = re.compile(r"[\d\s.,:/\-+年月日时分秒]+")


def continues_header(band: list[str], lower: list[object], lookup: dict[str, str]) -> bool:
    """Whether ``lower`` reads as the second row of a header under ``band``: it names a
    field, holds only text (no numbers or dates, which data rows have), and is blank
    under at least one of the band's names (a cell merged down, like 客户名称 in A2:A3)."""
    texts = header_texts(lower)
    if not any(normalise_header(t) in lookup for t in texts):
        return False
    for v in lower:
        if v is None or is_blank_header(str(v)):
            continue
        if not isinstance(v, str) or _NUMBER_OR_DATE.fullmatch(v.strip()):
            return False
    width = min(len(band), len(texts))
    under = [i for i in range(len(band)) if not is_blank_header(band[i])]
    return any(i >= width or is_blank_header(texts[i]) for i in under)


def enough(sheet: SheetSpec, fields: set[str] | dict[str, int]) -> bool:
    """Whether naming ``fields`` is enough to say a sheet is ``sheet``: two fields (one for a
    one-field sheet), one of them the key or a required field when the sheet has any (so a
    lists sheet naming two choice columns is not taken for the orders)."""
    if len(fields) < min(2, len(sheet.fields)):
        return False
    vital = {f.id for f in sheet.fields if f.required or sheet.key == f.id}
    return not vital or bool(vital & set(fields))


@dataclass(frozen=True)
class ColumnMapping:
    """One column of a workbook sheet and the field it was matched to (``None``: unmapped)."""

    column: str  # letter
    header: str  # as written in the sheet
    field: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "header": self.header, "field": self.field}


@dataclass
class SheetMapping:
    """A workbook sheet matched to a template sheet, and its columns to fields."""

    sheet: str  # the workbook's sheet name (a CSV: the file name without extension)
    template_sheet: str  # the template sheet's id
    label: tuple[str, str]  # the template sheet's label (zh, en)
    matched_by: str  # "headers", or "option" (--sheet)
    score: float  # weighted share of the template sheet's fields found, 0-1
    header_rows: list[int]  # 1-based Excel rows of the header (two with a merged band)
    columns: list[ColumnMapping] = field(default_factory=list)  # sheet order
    missing_fields: list[str] = field(default_factory=list)  # field ids with no column

    @property
    def mapped(self) -> list[ColumnMapping]:
        return [c for c in self.columns if c.field is not None]

    @property
    def unmapped(self) -> list[ColumnMapping]:
        return [c for c in self.columns if c.field is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "template_sheet": self.template_sheet,
            "label": {"zh": self.label[0], "en": self.label[1]},
            "matched_by": self.matched_by,
            "score": round(self.score, 3),
            "header_rows": self.header_rows,
            "columns": [c.to_dict() for c in self.mapped],
            "unmapped": [c.to_dict() for c in self.unmapped],
            "missing_fields": self.missing_fields,
        }


@dataclass
class BookMapping:
    """How a workbook's sheets and columns were matched to a template."""

    sheets: list[SheetMapping] = field(default_factory=list)  # in template order
    missing_sheets: list[tuple[str, str, str]] = field(default_factory=list)  # (id, zh, en)
    unused_sheets: list[str] = field(default_factory=list)  # workbook sheets matched to none

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheets": [s.to_dict() for s in self.sheets],
            "missing_sheets": [
                {"id": sid, "label": {"zh": zh, "en": en}} for sid, zh, en in self.missing_sheets
            ],
            "unused_sheets": self.unused_sheets,
        }


@dataclass(frozen=True)
class SheetMatch:
    """One assignment: workbook sheet ``sheet`` holds template sheet ``template_sheet``."""

    template_sheet: str
    sheet: str
    score: float
    header: HeaderRow | None
    by: str  # "headers" | "option"


def _names_sheet(name: str, sheet: SheetSpec) -> bool:
    wanted = {normalise_header(n) for n in (sheet.label.zh, sheet.label.en, sheet.id)}
    return normalise_header(name) in wanted


def template_sheet(spec: Spec, name: str) -> SheetSpec:
    """The template sheet called ``name`` (its id, or its zh or en label).

    Raises :class:`WorkbookError` listing the template's sheets when none is."""
    for sheet in spec.sheets:
        if name == sheet.id or _names_sheet(name, sheet):
            return sheet
    choices = ", ".join(f"{s.id} ({s.label.zh} / {s.label.en})" for s in spec.sheets)
    raise NotInTemplateError(
        (
            f"--sheet：模板 {spec.name!r} 中没有工作表 {name!r}",
            f"--sheet: the template {spec.name!r} has no sheet {name!r}",
        ),
        hint=(f"请写其中一张：{choices}", f"name one of its sheets: {choices}"),
    )


def find_sheet(names: list[str], name: str, path: Path) -> str:
    """The workbook sheet called ``name`` (exactly, else ignoring case, width and spaces).

    Raises :class:`WorkbookError` listing the workbook's sheets when none is."""
    if name in names:
        return name
    close = [n for n in names if normalise_header(n) == normalise_header(name)]
    if len(close) == 1:
        return close[0]
    raise SheetNotFoundError(
        (
            f"--sheet：工作簿中没有工作表 {name!r}",
            f"--sheet: the workbook has no sheet {name!r}",
        ),
        file=path,
        hint=(
            f"请写其中一张：{', '.join(names)}",
            f"name one of its sheets: {', '.join(names)}",
        ),
    )


def match_sheets(
    spec: Spec,
    heads: dict[str, list[list[object]]],
    path: Path,
    overrides: dict[str, str] | None = None,
) -> list[SheetMatch]:
    """Assign workbook sheets to ``spec``'s sheets by their headers, one to one.

    ``heads`` maps each workbook sheet (in workbook order) to its first rows.
    ``overrides`` maps a template sheet (id or zh/en label) to a workbook sheet name and
    is applied first.  Every other pair is scored (:func:`coverage` of the best header,
    plus :data:`NAME_BONUS` when the sheet is named like the template sheet) and pairs are
    taken best first; a pair whose header does not name :func:`enough` fields is never
    taken.  Returns the matches in template order; template sheets left out are missing.

    Raises :class:`WorkbookError` for a bad override, or when no sheet matches at all
    (naming the sheets seen and the headers expected, zh and en).
    """
    names = list(heads)
    matches: dict[str, SheetMatch] = {}
    taken: set[str] = set()
    for wanted, given in (overrides or {}).items():
        sheet = template_sheet(spec, wanted)
        name = find_sheet(names, given, path)
        if sheet.id in matches or name in taken:
            raise InvalidOptionError(
                (
                    f"--sheet 两次写到了 {sheet.id!r} 或 {name!r}",
                    f"--sheet names {sheet.id!r} or {name!r} twice",
                ),
                file=path,
                hint=(
                    "每张模板工作表和工作簿工作表只写一次",
                    "give each template sheet and each workbook sheet once",
                ),
            )
        found = header_row(heads[name], sheet)
        score = coverage(sheet, found.fields) if found else 0.0
        matches[sheet.id] = SheetMatch(sheet.id, name, score, found, "option")
        taken.add(name)
    pairs = []
    for t, sheet in enumerate(spec.sheets):
        if sheet.id in matches:
            continue
        for b, name in enumerate(names):
            if name in taken:
                continue
            found = header_row(heads[name], sheet)
            if found is None or not enough(sheet, found.fields):
                continue
            score = coverage(sheet, found.fields)
            rank = score + (NAME_BONUS if _names_sheet(name, sheet) else 0.0)
            pairs.append((-rank, t, b, SheetMatch(sheet.id, name, score, found, "headers")))
    for *_, match in sorted(pairs, key=lambda p: p[:3]):
        if match.template_sheet not in matches and match.sheet not in taken:
            matches[match.template_sheet] = match
            taken.add(match.sheet)
    if not matches:
        raise _nothing_matches(spec, heads, path)
    return [matches[s.id] for s in spec.sheets if s.id in matches]


def _nothing_matches(spec: Spec, heads: dict[str, list[list[object]]], path: Path) -> WorkbookError:
    seen = []
    for name, rows in heads.items():
        first = next(
            (r for r in rows if any(not is_blank_header(t) for t in header_texts(r))), None
        )
        if first is None:
            seen.append(f"{name} (empty)")
            continue
        texts = [t.strip() for t in header_texts(first) if not is_blank_header(t)]
        more = ", …" if len(texts) > 6 else ""
        seen.append(f"{name} (first row: {', '.join(texts[:6])}{more})")
    expected = "; ".join(
        f"{s.label.zh} / {s.label.en}: " + expected_headers(s) for s in spec.sheets
    )
    shown = "; ".join(seen)
    return NoMatchingSheetError(
        (
            f"没有工作表与模板 {spec.name!r}（{spec.title.zh}）匹配；看到的工作表：{shown or '无'}",
            f"no sheet matches the template {spec.name!r} ({spec.title.zh} / {spec.title.en}); "
            f"sheets seen: {shown or 'none'}",
        ),
        file=path,
        hint=(
            f"表头行应写出模板的列名（{expected}）；或用 --template 换一个模板，或用 "
            "--sheet 模板工作表=工作表名 指定",
            f"the header row should name the template's columns ({expected}); or pick "
            "another template with --template, or name a sheet with --sheet TEMPLATE_SHEET=SHEET",
        ),
    )


def expected_headers(sheet: SheetSpec, lang: str | None = None, limit: int = 6) -> str:
    """The headers that identify ``sheet``, key and required fields first, for messages:
    ``客户ID、姓名、…`` (zh), ``Customer ID, Name, …`` (en), or both (``None``)."""
    ranked = sorted(sheet.fields, key=lambda f: -field_weight(sheet, f))
    names = [
        f.label.zh
        if lang == "zh"
        else f.label.en
        if lang == "en"
        else f"{f.label.zh} / {f.label.en}"
        for f in ranked[:limit]
    ]
    more = ["…"] if len(ranked) > limit else []
    return ("、" if lang == "zh" else ", ").join(names + more)


def column_mappings(
    letters: dict[str, str], headers: dict[str, str], unknown: list[tuple[str, str]]
) -> list[ColumnMapping]:
    """A sheet's columns in sheet order, from a Table's ``letters``/``headers``/``unknown``."""
    from openpyxl.utils import column_index_from_string

    cols = [ColumnMapping(letter, headers.get(fid, ""), fid) for fid, letter in letters.items()]
    cols += [ColumnMapping(letter, header, None) for header, letter in unknown]
    return sorted(cols, key=lambda c: column_index_from_string(c.column))
