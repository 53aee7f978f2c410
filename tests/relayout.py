"""xl-crm's sample workbooks re-laid out the way users keep their own sheets (test helper).

A workbook built by :func:`xl_crm.build_workbook` is read for its *values only* (openpyxl),
and a new file is written from those values with openpyxl or the ``csv`` module, never by
copying xl-crm's package: nothing of xl-crm's layout (group band, styles, data validation,
the hidden ``_lists`` sheet, the instructions sheet, the ``xlcrm.template`` property) is
carried over.  What a :class:`Layout` can do, as users do:

- sheets renamed (the other language's label, or ``Sheet1`` / ``客户资料`` / ``导出结果``),
  reordered, an unrelated sheet (``备注``) added;
- columns reordered; headers respelt: the zh or en label, an alias, the field id, case and
  spaces changed, full-width forms; export spellings (``Customer_ID``, ``ORDER-TIME``,
  ``Order.Time``, invisible characters) with ``headers="export"``;
- unrelated columns added (``备注2``, ``微信号``, ``来源``), the computed columns dropped;
- a title row (and a second line) and a blank row above the header;
- wholly blank rows between data rows;
- values as text: numbers and dates as strings in common forms (``2026/5/1``,
  ``2026年5月1日 9时30分``, ``¥89.50``, ``2,999.00``, ``1302.11元``), integer IDs as text
  (sometimes with full-width digits);
- saved as one CSV per sheet (UTF-8, UTF-8 with BOM, or GB18030 as Chinese Excel saves
  "CSV"), named like the template sheet or like a download (``export_1.csv``).

:func:`relayout` returns a :class:`RelaidBook` that records where every original data row
went (``RelaidSheet.ordinals``: new row -> 0-based data-row ordinal in the original), so
findings and values can be compared by template sheet, field and row rather than by cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from xl_crm.specs.model import FieldSpec, SheetSpec, Spec

#: features a layout option needs from the reader, beyond main as of writing: matching
#: sheets by their headers (renamed sheets, CSVs named anything) and export spellings of
#: headers (punctuation and invisible characters ignored).  See :meth:`Layout.needs`.
MATCHING = "match-by-headers"

#: sheet names users' workbooks have (none names a template sheet)
USER_SHEET_NAMES = ["Sheet1", "Sheet2", "Sheet3", "客户资料", "导出结果", "数据(2)", "2026年5月"]
#: file names of CSV downloads (none names a template sheet)
USER_CSV_NAMES = ["export_1", "新建 Microsoft Excel 工作表", "下载 (2)", "data_20260501", "导出"]
#: unrelated columns users add: header -> values drawn for each row ("" leaves it empty);
#: a header some template field names (an alias added later) is never drawn for that spec
EXTRA_COLUMNS = {
    "备注2": ["老客户介绍", "", "节日活动", "电话回访过", ""],
    "微信号": ["wx_ab12", "wxid_9k3", "", "li_88", "tangtang"],
    "QQ号": ["123456789", "", "88886666"],
    "介绍人": ["张姐", "", "老王", ""],
}
TITLES = ["门店客户资料表（2026年5月）", "Customer list export", "会员名单 — 请勿外传"]


@dataclass(frozen=True)
class Layout:
    """How to re-lay out a workbook (all choices a user's file might show).

    ``sheet_names``: ``"zh"`` / ``"en"`` (the template sheet's label in that language) or
    ``"user"`` (:data:`USER_SHEET_NAMES`; needs :data:`MATCHING`).  ``headers``:
    ``"labels"`` (zh/en labels, aliases, ids, with case, spaces and width changed) or
    ``"export"`` (also ``Customer_ID``-like spellings and invisible characters; needs
    :data:`MATCHING`).  ``extra_columns``: how many unrelated columns per sheet (0-3).
    ``title_rows``: lines of title above the header (0-2), each layout with a title also
    leaves one blank row before the header.  ``blank_rows``: wholly blank rows put between
    data rows per sheet.  ``values``: ``"typed"`` (numbers and dates as such; in a CSV every
    value is text anyway), ``"text"`` (every number and date as text) or ``"mixed"`` (each
    cell either way).  ``csv``: one CSV per sheet instead of one .xlsx; ``csv_names``:
    ``"template"`` (the sheet's label) or ``"user"`` (:data:`USER_CSV_NAMES`; needs
    :data:`MATCHING`); ``encoding`` of the CSVs.  ``seed`` drives every per-cell choice.
    """

    sheet_names: str = "zh"
    shuffle_sheets: bool = False
    extra_sheet: bool = False
    shuffle_columns: bool = False
    headers: str = "labels"
    extra_columns: int = 0
    drop_computed: bool = False
    title_rows: int = 0
    blank_rows: int = 0
    values: str = "typed"
    csv: bool = False
    csv_names: str = "template"
    encoding: str = "utf-8"
    seed: int = 0

    def needs(self) -> set[str]:
        """The reader features (not all on main yet) this layout needs to read the same."""
        out = set()
        if self.sheet_names == "user" or self.headers == "export":
            out.add(MATCHING)
        if self.csv and self.csv_names == "user":
            out.add(MATCHING)
        return out


@dataclass
class SampleSheet:
    """One template sheet's values read from a workbook xl-crm built."""

    spec: SheetSpec
    name: str  # the sheet's name in the built workbook
    header_row: int  # 1-based Excel row of the header
    fields: list[str]  # field ids in the built column order
    rows: list[dict[str, object]]  # data rows: field id -> value (None when empty)
    columns: dict[str, int] = field(default_factory=dict)  # field id -> 1-based column

    def ordinal(self, excel_row: int) -> int:
        """The 0-based data-row ordinal of an Excel row of the built sheet."""
        return excel_row - self.header_row - 1


@dataclass
class RelaidSheet:
    """Where one template sheet went in the re-laid-out book."""

    template_sheet: str
    file: Path
    name: str  # the sheet's name (for a CSV: the file's stem, as validate names it)
    header_row: int  # 1-based row (line record) of the header
    headers: dict[str, str]  # field id -> header as written
    extra_headers: list[str]  # unrelated columns added
    ordinals: dict[int, int]  # new Excel row (CSV record) -> original data-row ordinal
    blank_inside: int  # wholly blank rows put between data rows


@dataclass
class RelaidBook:
    """The files written and where each template sheet went."""

    files: list[Path]
    sheets: dict[str, RelaidSheet] = field(default_factory=dict)  # template sheet id ->

    def by_name(self, file: Path, name: str) -> RelaidSheet | None:
        """The sheet called ``name`` in ``file`` (for a CSV, its only sheet)."""
        for s in self.sheets.values():
            if s.file == file and (s.name == name or file.suffix == ".csv"):
                return s
        return None


# -- reading the built workbook's values ------------------------------------------------


def read_sample(path: Path, spec: Spec, lang: str = "zh") -> dict[str, SampleSheet]:
    """Every template sheet's values from a workbook :func:`xl_crm.build_workbook` wrote in
    ``lang`` (sheets and headers carry the template's labels in that language)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for sheet in spec.sheets:
        name = sheet.label.zh if lang == "zh" else sheet.label.en
        rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
        labels = {(f.label.zh if lang == "zh" else f.label.en): f.id for f in sheet.fields}
        h = next(i for i, r in enumerate(rows[:10]) if sum(v in labels for v in r) >= 2)
        columns = {i: labels[v] for i, v in enumerate(rows[h]) if v in labels}
        data = []
        for r in rows[h + 1 :]:
            data.append({fid: (r[i] if i < len(r) else None) for i, fid in columns.items()})
        while data and all(v in (None, "") for v in data[-1].values()):
            data.pop()
        out[sheet.id] = SampleSheet(
            sheet, name, h + 1, list(columns.values()), data, {f: i + 1 for i, f in columns.items()}
        )
    wb.close()
    return out


# -- spelling headers and values as users do ----------------------------------------------


def unrelated_headers(sheet: SheetSpec) -> list[str]:
    """The headers of :data:`EXTRA_COLUMNS` that name no field of ``sheet`` (compared
    after NFKC and case folding, with spaces and punctuation dropped)."""

    def norm(text: str) -> str:
        value = unicodedata.normalize("NFKC", text).casefold()
        return "".join(ch for ch in value if unicodedata.category(ch)[0] in "LMN")

    taken = {norm(n) for f in sheet.fields for n in (f.label.zh, f.label.en, f.id, *f.aliases)}
    return [h for h in sorted(EXTRA_COLUMNS) if norm(h) not in taken]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def header_spelling(f: FieldSpec, style: str, rng: random.Random) -> str:
    """A header naming field ``f`` as a user's file might (see :class:`Layout`)."""
    base = rng.choice([f.label.zh, f.label.en, f.id, *f.aliases])
    forms = [base, base.upper(), base.lower(), f" {base} ", f"{base}*", _fullwidth(base)]
    if style == "export":
        words = f.label.en.split()
        forms += [
            "_".join(words),  # Customer_ID
            "-".join(w.upper() for w in words),  # CUSTOMER-ID
            ".".join(words),  # Customer.ID
            f.label.zh + "\u200b",  # a zero-width space pasted from a web page
            "\ufeff" + f.label.en,  # a BOM left at the start
            f.label.zh + "\u00a0",
        ]
    return rng.choice(forms)


def _number_text(value: float, money: bool, identifier: bool, rng: random.Random) -> str:
    if identifier or (float(value).is_integer() and not money):
        whole = str(int(value))
        forms = [whole, _fullwidth(whole)] if identifier else [whole, f"{int(value):,}"]
        return rng.choice(forms)
    two = f"{value:.2f}" if round(value, 2) == value else repr(float(value))
    if not money:
        return two
    grouped = f"{value:,.2f}" if round(value, 2) == value else two
    return rng.choice([two, f"¥{two}", f"￥{grouped}", grouped, f"{two}元", f"RMB {grouped}"])


def _date_text(value: dt.datetime | dt.date, with_time: bool, rng: random.Random) -> str:
    y, m, d = value.year, value.month, value.day
    date = rng.choice(
        [f"{y}/{m}/{d}", f"{y}-{m:02d}-{d:02d}", f"{y}年{m}月{d}日", f"{y}.{m}.{d}"]
        + ([f"{y}{m:02d}{d:02d}"] if not with_time else [])
    )
    if not with_time or not isinstance(value, dt.datetime):
        return date
    hh, mm, ss = value.hour, value.minute, value.second
    if ss:
        return f"{date} {hh}:{mm:02d}:{ss:02d}"
    if "年" in date:
        return rng.choice([f"{date} {hh}时{mm:02d}分", f"{date} {hh}:{mm:02d}"])
    return rng.choice([f"{date} {hh}:{mm:02d}", f"{date} {hh:02d}:{mm:02d}:00"])


def cell_text(value: object, f: FieldSpec, rng: random.Random) -> str:
    """``value`` as text a user's file holds for field ``f`` (see :class:`Layout`)."""
    if value is None:
        return ""
    storage = f.ftype.storage
    if isinstance(value, dt.datetime | dt.date) and storage in ("date", "datetime"):
        return _date_text(value, storage == "datetime", rng)
    if isinstance(value, int | float) and not isinstance(value, bool):
        money = f.type in ("money", "decimal")
        identifier = storage == "integer" and (f.unique or f.id.endswith("_id"))
        return _number_text(value, money, identifier, rng)
    return str(value)


def _csv_cell(value: object, f: FieldSpec, rng: random.Random, values: str) -> str:
    """A value as a CSV export holds it: ``typed`` values as Excel writes them (dates
    ``2026/5/1 9:30``, plain numbers), else as :func:`cell_text` spells them."""
    if values != "typed" and (values == "text" or rng.random() < 0.5):
        return cell_text(value, f, rng)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if f.ftype.storage == "date" or (value.hour, value.minute, value.second) == (0, 0, 0):
            return f"{value.year}/{value.month}/{value.day}"
        return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}" + (
            f":{value.second:02d}" if value.second else ""
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- writing the new book ---------------------------------------------------------------


def _sheet_names(spec: Spec, layout: Layout, rng: random.Random) -> dict[str, str]:
    if layout.sheet_names == "user":
        names = rng.sample(USER_SHEET_NAMES, len(spec.sheets))
        return {s.id: n for s, n in zip(spec.sheets, names, strict=True)}
    return {s.id: (s.label.zh if layout.sheet_names == "zh" else s.label.en) for s in spec.sheets}


def _grid(
    sample: SampleSheet, layout: Layout, rng: random.Random, as_csv: bool
) -> tuple[list[list[object]], RelaidSheet]:
    """The rows of one re-laid-out sheet (cells as written) and where things went."""
    sheet = sample.spec
    fids = [
        fid for fid in sample.fields if not (layout.drop_computed and sheet.field(fid).computed)
    ]
    pool = unrelated_headers(sheet)
    extras = rng.sample(pool, min(layout.extra_columns, len(pool)))
    columns: list[str] = [*fids, *(f"+{e}" for e in extras)]
    if layout.shuffle_columns:
        rng.shuffle(columns)
    headers = {fid: header_spelling(sheet.field(fid), layout.headers, rng) for fid in fids}
    grid: list[list[object]] = []
    for line in rng.sample(TITLES, layout.title_rows):
        grid.append([line])
    if layout.title_rows:
        grid.append([])
    grid.append([headers[c] if c in headers else c[1:] for c in columns])
    header_row = len(grid)
    n = len(sample.rows)
    gaps = sorted(rng.sample(range(1, n), min(layout.blank_rows, n - 1))) if n > 1 else []
    ordinals: dict[int, int] = {}
    for i, values in enumerate(sample.rows):
        if gaps and gaps[0] == i:
            gaps.pop(0)
            grid.append([None] * len(columns))  # a wholly blank row
        row: list[object] = []
        for c in columns:
            if c.startswith("+"):
                row.append(rng.choice(EXTRA_COLUMNS[c[1:]]) or None)
                continue
            f, value = sheet.field(c), values[c]
            if as_csv:
                row.append(_csv_cell(value, f, rng, layout.values))
            elif layout.values == "text" or (layout.values == "mixed" and rng.random() < 0.5):
                row.append(cell_text(value, f, rng) or None)
            else:
                row.append(value)
        grid.append(row)
        ordinals[len(grid)] = i
    placed = RelaidSheet(
        template_sheet=sheet.id,
        file=Path(),
        name="",
        header_row=header_row,
        headers=headers,
        extra_headers=extras,
        ordinals=ordinals,
        blank_inside=min(layout.blank_rows, max(n - 1, 0)),
    )
    return grid, placed


def relayout(
    built: Path, spec: Spec, out_dir: Path, layout: Layout, *, lang: str = "zh"
) -> RelaidBook:
    """Write ``built`` (a workbook xl-crm built in ``lang``) re-laid out as ``layout`` says
    into ``out_dir`` (one .xlsx, or one .csv per template sheet); never modifies ``built``.
    Returns where every template sheet and data row went."""
    rng = random.Random(layout.seed)
    samples = read_sample(built, spec, lang)
    names = _sheet_names(spec, layout, rng)
    order = [s.id for s in spec.sheets]
    if layout.shuffle_sheets:
        rng.shuffle(order)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = RelaidBook(files=[])
    if layout.csv:
        stems = rng.sample(USER_CSV_NAMES, len(order)) if layout.csv_names == "user" else None
        for n, sid in enumerate(order):
            grid, placed = _grid(samples[sid], layout, rng, as_csv=True)
            stem = stems[n] if stems else names[sid]
            path = out_dir / f"{stem}.csv"
            with path.open("w", encoding=layout.encoding, newline="") as fh:
                csv.writer(fh).writerows([["" if v is None else v for v in r] for r in grid])
            placed.file, placed.name = path, stem
            book.files.append(path)
            book.sheets[sid] = placed
        return book
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sid in order:
        grid, placed = _grid(samples[sid], layout, rng, as_csv=False)
        ws = wb.create_sheet(names[sid])
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        placed.name = ws.title
        book.sheets[sid] = placed
    if layout.extra_sheet:
        note = wb.create_sheet("备注", index=rng.randrange(len(order) + 1))
        note["A1"] = "本文件由门店导出，请勿外传"
    path = out_dir / "relaid.xlsx"
    wb.save(path)
    for placed in book.sheets.values():
        placed.file = path
    book.files.append(path)
    return book


def csv_set_to_xlsx(book: RelaidBook, path: Path, encoding: str) -> RelaidBook:
    """The CSVs of ``book`` as the sheets of one new .xlsx (every cell the CSV's text, as
    when each file is pasted into a sheet of its own), for ``compute``, which writes only
    into workbooks.  Returns the same sheets pointing into ``path``."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    out = RelaidBook(files=[path])
    for sid, placed in book.sheets.items():
        ws = wb.create_sheet(placed.name[:31])
        with placed.file.open(encoding=encoding, newline="") as fh:
            for r, row in enumerate(csv.reader(fh), start=1):
                for c, value in enumerate(row, start=1):
                    if value != "":
                        ws.cell(r, c, value)
        out.sheets[sid] = RelaidSheet(**{**placed.__dict__, "file": path, "name": ws.title})
    wb.save(path)
    return out


def plant_dangling_references(path: Path, spec: Spec) -> int:
    """Point the second data row of every sheet with a reference at a key no row has (so
    there is a reference finding to compare); ``path`` is a zh workbook xl-crm built.
    Returns how many cells were changed."""
    samples = read_sample(path, spec, "zh")
    wb = openpyxl.load_workbook(path)
    planted = 0
    for sample in samples.values():
        for ref in sample.spec.references:
            if ref.field not in sample.columns or len(sample.rows) < 2:
                continue
            f = sample.spec.field(ref.field)
            bad = 999_999 if f.ftype.storage in ("integer", "number") else "NO-SUCH-KEY"
            cell = wb[sample.name].cell(sample.header_row + 2, sample.columns[ref.field])
            cell.value = bad
            planted += 1
    wb.save(path)
    return planted


def normalise_key(value: object) -> str | None:
    """A key cell as text for comparison: NFKC, trimmed, whole numbers without ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def computed_values(path: Path, result, key_header: str) -> dict[str, tuple]:
    """customer key -> the values compute wrote in ``result.columns`` (order kept), read
    back from the workbook: numbers as floats (6 decimals), dates as datetimes, texts as
    written, empty cells as None."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [list(r) for r in wb[result.sheet].iter_rows(values_only=True)]
    wb.close()
    h = next(i for i, r in enumerate(rows[:12]) if set(result.columns) <= set(r))
    header = rows[h]
    key_col = header.index(key_header)
    cols = [header.index(c) for c in result.columns]

    def norm(v):
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, int | float):
            return round(float(v), 6)
        return v

    out = {}
    for r in rows[h + 1 :]:
        key = normalise_key(r[key_col] if key_col < len(r) else None)
        if key is None:
            continue
        assert key not in out, f"customer {key} twice in {path.name}"
        out[key] = tuple(norm(r[c] if c < len(r) else None) for c in cols)
    return out
