"""Building a template into a Google Sheet in one ``spreadsheets.batchUpdate``.

:func:`build_sheet` adds a template's sheets to a spreadsheet (or to a new one) with what
``xl-crm template build`` gives an .xlsx workbook, as far as Sheets has it (the requests
are :mod:`sheets_sync.templatesheet`'s): the header under the field group band, frozen,
each column's number format, width and input rule (dropdowns for choices), duplicate and
overdue highlighting, a basic filter, computed columns protected with a warning, and the
template's name in the spreadsheet's developer metadata (:data:`TEMPLATE_KEY`, which
:meth:`sheets_sync.book.GoogleSheetBook.template` reads), so ``xl_crm.validate`` finds it
without ``template=``.  Sample rows (:class:`xl_crm.sample.rows.SampleGenerator`, the
rows the .xlsx builder writes for the same seed) go in the same request.

What it asks the API (docs/google-sheets.md, "Building a template into a sheet"):

1. a new spreadsheet: gspread's ``Client.create`` (Drive ``files.create``, then its
   metadata ``spreadsheets.get``);
2. ``spreadsheets.get`` of the sheets (no grid data);
3. ``values.batchGet`` of sheets named like a template sheet, only when there are any
   (one that holds a value anywhere is refused; an empty one is reused);
4. one ``spreadsheets.batchUpdate`` with every request, which the API applies all or
   nothing.  A body over :data:`sheets_sync.marking.REQUEST_BYTES` (samples of more than
   some ten thousand rows) is sent in parts, the layout first, the sample rows after.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheets_sync.book import TEMPLATE_KEY
from sheets_sync.fetch import PROBE_ROWS, Fetcher, SheetInfo
from sheets_sync.marking import chunks
from sheets_sync.templatesheet import SheetPlan, sample_requests, sheet_requests
from xl_crm.errors import InvalidOptionError, SheetNotWritableError, XlCrmError
from xl_crm.sample.rows import SampleGenerator
from xl_crm.specs import load_spec
from xl_crm.specs.model import Lang, SheetSpec, Spec
from xl_crm.view.matching import match_sheets
from xl_crm.xlsx.layout import DEFAULT_INPUT_ROWS, SheetLayout

__all__ = ["CELL_LIMIT", "LANG_KEY", "SHEET_KEY", "VERSION_KEY", "SheetBuildResult", "build_sheet"]

#: cells a spreadsheet may hold, all its sheets' grids together (raised from 5 million
#: on 2022-03-14; research/gsheets.md §4)
CELL_LIMIT = 10_000_000
#: developer metadata keys besides :data:`TEMPLATE_KEY`: the language of the headers and
#: the xl-crm version (spreadsheet location), and the template sheet a sheet is (its id,
#: sheet location); the .xlsx builder keeps the same in custom document properties
LANG_KEY, VERSION_KEY, SHEET_KEY = "xlcrm.lang", "xlcrm.version", "xlcrm.sheet"
#: the cells of the blank 1000 x 26 sheet a new spreadsheet starts with
NEW_SHEET_CELLS = 1000 * 26


@dataclass
class SheetBuildResult:
    """What :func:`build_sheet` did: the spreadsheet (``spreadsheet_id``, ``title``,
    ``url``; ``spreadsheet`` the gspread object), the ``template`` and ``lang``,
    ``sheets`` (sheet title -> sample rows written), ``grid`` (sheet title -> (rows,
    columns)), ``created`` (a new spreadsheet), ``requests`` (``batchUpdate`` calls, 1
    unless the body had to be cut), ``bytes`` (their JSON bodies) and ``seconds``."""

    spreadsheet_id: str
    title: str
    url: str
    template: str
    lang: Lang
    sheets: dict[str, int] = field(default_factory=dict)
    grid: dict[str, tuple[int, int]] = field(default_factory=dict)
    created: bool = False
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    spreadsheet: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (everything but the gspread object)."""
        return {
            "spreadsheet_id": self.spreadsheet_id,
            "title": self.title,
            "url": self.url,
            "template": self.template,
            "lang": self.lang,
            "sheets": dict(self.sheets),
            "grid": {k: list(v) for k, v in self.grid.items()},
            "created": self.created,
            "requests": self.requests,
            "bytes": self.bytes,
            "seconds": self.seconds,
        }


def _chosen(spec: Spec, sheets: Iterable[str] | None) -> list[SheetSpec]:
    """The template sheets named by id or label in ``sheets`` (all when None), in the
    template's order; an unknown name raises NotInTemplateError."""
    if sheets is None:
        return list(spec.sheets)
    wanted = set()
    for name in sheets:
        found = next((s for s in spec.sheets if name in (s.id, s.label.zh, s.label.en)), None)
        wanted.add((found or spec.sheet(name)).id)
    return [s for s in spec.sheets if s.id in wanted]


def _check_options(lang: str, rows: int, sample: int) -> None:
    if lang not in ("zh", "en"):
        raise InvalidOptionError(
            (f"未知语言 {lang!r}", f"unknown language {lang!r}"),
            hint=("使用 --lang zh 或 --lang en", "use --lang zh or --lang en"),
        )
    for name, value in (("rows", rows), ("sample", sample)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidOptionError(
                (
                    f"{name} 应为 0 或更大的整数：{value!r}",
                    f"{name} must be a whole number, 0 or more: {value!r}",
                ),
                hint=(f"例如 {name}=1000", f"e.g. {name}=1000"),
            )


def _target(target: Any, title: str | None, spec: Spec, lang: Lang) -> tuple[Any, bool]:
    """The gspread Spreadsheet to build into, and whether it was created here."""
    if hasattr(target, "fetch_sheet_metadata") and hasattr(target, "batch_update"):
        return target, False
    if hasattr(target, "create") and hasattr(target, "open_by_key"):
        return target.create(title or spec.title.get(lang)), True
    raise InvalidOptionError(
        (f"不能在 {type(target).__name__} 中建表", f"cannot build into a {type(target).__name__}"),
        hint=(
            "传入 gspread 的 Spreadsheet（已有表格）或 Client 与标题（新表格）",
            "pass a gspread Spreadsheet (an existing one) or a Client and a title (a new one)",
        ),
    )


def _clashes(fetch: Fetcher, book: str, titles: list[str]) -> dict[str, SheetInfo]:
    """Template sheet title -> the existing sheet of that name (case aside) that is empty
    and will be reused; raises SheetNotWritableError when any holds a value."""
    existing = {s.title.casefold(): s for s in fetch.sheets()}
    same = {t: existing[t.casefold()] for t in titles if t.casefold() in existing}
    if not same:
        return {}
    fetch.load([s.title for s in same.values()])  # one values.batchGet
    full = [
        s.title
        for s in same.values()
        if any(any(v is not None for v in row) for row in fetch.rows(s.title))
    ]
    if full:
        raise SheetNotWritableError(
            (
                f"表格已有同名且有内容的工作表：{'、'.join(full)}",
                f"the spreadsheet already has sheets of these names holding data: "
                f"{', '.join(full)}",
            ),
            file=book,
            sheet=full[0],
            hint=(
                "先给这些工作表改名，或建到另一个表格（或用 sheets= 只建其他工作表）",
                "rename those sheets first, build into another spreadsheet, or leave them "
                "out with sheets=",
            ),
        )
    return same


def _already_there(
    fetch: Fetcher, spec: Spec, chosen: list[SheetSpec], titles: list[str], book: str
) -> None:
    """Refuse (SheetNotWritableError) when sheets of other names already hold the chosen
    template sheets' data: the template built in the other language, or the user's own
    sheets, found by their headers as validate finds them (:func:`match_sheets`), with a
    value below the header.  One
    ``spreadsheets.get`` of the first rows, only when the spreadsheet has other sheets."""
    own = {t.casefold() for t in titles}
    others = [s.title for s in fetch.sheets() if s.title.casefold() not in own]
    if not others:
        return
    heads = {t: fetch.head(t, PROBE_ROWS) for t in others}
    try:
        matches = match_sheets(spec, heads, Path(book))
    except XlCrmError:  # no sheet has the template's headers
        return
    ids = {c.id for c in chosen}
    found = [
        m
        for m in matches
        if m.template_sheet in ids
        and m.header is not None
        and _rows_below(heads[m.sheet], m.header.index)
    ]
    if not found:
        return
    names = [f"{m.sheet} ({spec.sheet(m.template_sheet).label.en})" for m in found]
    raise SheetNotWritableError(
        (
            f"表格中已有该模板的工作表（按表头识别）：{'、'.join(names)}；再建会在旁边多出空表",
            f"the spreadsheet already holds the template's sheets (found by their headers): "
            f"{', '.join(names)}; building would add empty ones beside them",
        ),
        file=book,
        sheet=found[0].sheet,
        hint=(
            f"直接校验或计算它们：xl-crm sheets validate KEY -t {spec.name}；"
            "若确要新建，先给这些工作表改名或建到另一个表格",
            f"validate or compute them as they are: xl-crm sheets validate KEY -t {spec.name}; "
            "to build anyway, rename those sheets first or build into another spreadsheet",
        ),
    )


def _rows_below(rows: list[list[Any]], header: int) -> bool:
    """True when a row below the header row holds a value (the sheet holds data)."""
    return any(any(v not in (None, "") for v in row) for row in rows[header + 1 :])


def _other_template(fetch: Fetcher, spec: Spec, book: str, replace: bool) -> None:
    """Refuse (InvalidOptionError) to record ``spec`` over another template the
    spreadsheet records, unless ``replace``."""
    recorded = fetch.developer_value(TEMPLATE_KEY)
    if recorded is None or recorded == spec.name or replace:
        return
    raise InvalidOptionError(
        (
            f"表格 {book} 已按模板 {recorded} 建成，不能再记为 {spec.name}",
            f"the spreadsheet {book} was built from the template {recorded}; building "
            f"{spec.name} would replace the recorded template",
        ),
        hint=(
            f"建到另一个表格；或确要改用 {spec.name} 时加 --replace-template"
            "（replace_template=True）",
            f"build into another spreadsheet, or pass --replace-template "
            f"(replace_template=True) to make {spec.name} the spreadsheet's template",
        ),
    )


def _over_limit(needed: int, existing: int, book: str) -> InvalidOptionError:
    return InvalidOptionError(
        (
            f"表格将有 {existing + needed:,} 个单元格，超过 Google 表格的上限 {CELL_LIMIT:,}",
            f"the spreadsheet would hold {existing + needed:,} cells, over Google Sheets' "
            f"limit of {CELL_LIMIT:,}",
        ),
        file=book,
        hint=(
            "减少 rows 或 sample，或建到新的表格",
            "ask for fewer rows or sample rows, or build into a new spreadsheet",
        ),
    )


def _metadata(fetch: Fetcher, plans: list[SheetPlan], spec: Spec, lang: str) -> list[dict]:
    """Developer metadata: the template, language and version on the spreadsheet (any
    earlier values of those keys deleted first), the template sheet id on each sheet."""
    from xl_crm import __version__

    keys = {TEMPLATE_KEY: spec.name, LANG_KEY: lang, VERSION_KEY: __version__}
    out: list[dict[str, Any]] = []
    for m in fetch.metadata().get("developerMetadata", []):
        if m.get("metadataKey") in keys and "metadataId" in m:
            lookup = {"developerMetadataLookup": {"metadataId": m["metadataId"]}}
            out.append({"deleteDeveloperMetadata": {"dataFilter": lookup}})
    located = [({"spreadsheet": True}, k, v) for k, v in keys.items()]
    located += [({"sheetId": p.sheet_id}, SHEET_KEY, p.layout.sheet.id) for p in plans]
    for location, key, value in located:
        meta = {
            "metadataKey": key,
            "metadataValue": value,
            "location": location,
            "visibility": "DOCUMENT",
        }
        out.append({"createDeveloperMetadata": {"developerMetadata": meta}})
    return out


def build_sheet(
    target: Any,
    template: str | Path | Spec,
    *,
    title: str | None = None,
    lang: Lang = "zh",
    sheets: Iterable[str] | None = None,
    rows: int = DEFAULT_INPUT_ROWS,
    sample: int = 0,
    seed: int = 0,
    replace_template: bool = False,
) -> SheetBuildResult:
    """Build ``template`` (a built-in name, a spec file or a
    :class:`~xl_crm.specs.model.Spec`) into ``target``: a gspread ``Spreadsheet`` (its
    other sheets are kept) or a gspread ``Client`` (a new spreadsheet called ``title``,
    the template's title by default, whose blank ``Sheet1`` is removed).

    ``lang`` ('zh' default, or 'en'): headers, dropdowns and help.  ``sheets``: the
    template sheets to build, by id or label (default all).  ``rows`` (default 1,000):
    empty rows ready for input below the sample rows (each sheet's grid is its band and
    header rows, its sample rows and these, and exactly its template's columns).
    ``sample`` (default 0) and ``seed`` (default 0): sample rows on the first sheet, the
    others in proportion, as ``xl-crm template build --sample N --seed S`` writes them.

    A sheet named like a template sheet (case aside) that holds any value is refused
    with :class:`xl_crm.errors.SheetNotWritableError` before anything is sent; an empty
    one is reused (its grid grown, never shrunk).  Sheets of other names whose headers
    are a template sheet's (the template in the other language, found as validate finds
    sheets) are refused the same way.  A spreadsheet that records another template is
    refused with :class:`xl_crm.errors.InvalidOptionError` unless ``replace_template``.
    Raises
    :class:`xl_crm.errors.InvalidOptionError` for a bad ``lang``, ``rows`` or ``sample``,
    or when the spreadsheet would hold more than :data:`CELL_LIMIT` cells,
    :class:`xl_crm.errors.NotInTemplateError` for an unknown sheet in ``sheets``,
    :class:`xl_crm.errors.TemplateNotFoundError` / :class:`xl_crm.SpecError` for the
    template, and gspread's ``APIError`` when the API refuses the request (nothing is
    applied then: a batchUpdate is atomic).  Returns a :class:`SheetBuildResult`.

    >>> build_sheet(gc, "hotel", title="Hotel guests", lang="en", sample=100)  # doctest: +SKIP
    """
    started = time.perf_counter()
    spec = template if isinstance(template, Spec) else load_spec(template)
    _check_options(lang, rows, sample)
    chosen = _chosen(spec, sheets)
    generator = SampleGenerator(spec, sample, seed=seed, lang=lang)
    layouts = [SheetLayout(s, lang, generator.row_count(s.id)) for s in chosen]
    wanted = sum((lay.header_row + lay.rows + rows) * len(lay.sheet.fields) for lay in layouts)
    floor = 0 if hasattr(target, "fetch_sheet_metadata") else NEW_SHEET_CELLS
    if wanted + floor > CELL_LIMIT:  # checked before a spreadsheet is created
        raise _over_limit(wanted, floor, str(title or spec.title.get(lang)))
    spreadsheet, created = _target(target, title, spec, lang)
    fetch = Fetcher(spreadsheet)
    name = str(getattr(spreadsheet, "title", None) or spreadsheet.id)
    existing = fetch.sheets()
    if not created:
        _other_template(fetch, spec, name, replace_template)
    reused = _clashes(fetch, name, [lay.title for lay in layouts])
    if not created:
        _already_there(fetch, spec, chosen, [lay.title for lay in layouts], name)
    free = max((s.sheet_id for s in existing), default=0) + 1
    plans: list[SheetPlan] = []
    for i, lay in enumerate(layouts):
        same = reused.get(lay.title)
        height = lay.header_row + lay.rows + rows
        if same is None:
            plan = SheetPlan(lay, free, len(existing) + i, height, lay.rows)
            free += 1
        else:
            grid = (same.rows, same.columns)
            plan = SheetPlan(lay, same.sheet_id, 0, height, lay.rows, reused=grid)
        plans.append(plan)
    blank = [s for s in existing if created and s not in reused.values()]
    cells = sum(s.rows * s.columns for s in existing)
    needed = sum(
        max(p.rows * p.columns - (p.reused[0] * p.reused[1] if p.reused else 0), 0) for p in plans
    )
    if cells + needed > CELL_LIMIT:
        raise _over_limit(needed, cells, name)
    requests: list[dict[str, Any]] = []
    for plan in plans:
        requests += sheet_requests(plan)
    requests += _metadata(fetch, plans, spec, lang)
    requests += [{"deleteSheet": {"sheetId": s.sheet_id}} for s in blank]
    for plan in plans:
        requests += sample_requests(plan, generator)
    sent = 0
    parts = chunks(requests)
    for part in parts:
        body = {"requests": part}
        sent += len(json.dumps(body, ensure_ascii=False).encode())
        spreadsheet.batch_update(body)
    fetch.forget()
    key = str(spreadsheet.id)
    return SheetBuildResult(
        spreadsheet_id=key,
        title=name,
        url=str(getattr(spreadsheet, "url", f"https://docs.google.com/spreadsheets/d/{key}")),
        template=spec.name,
        lang=lang,
        sheets={p.title: p.sample for p in plans},
        grid={
            p.title: (max(p.rows, (p.reused or (0, 0))[0]), max(p.columns, (p.reused or (0, 0))[1]))
            for p in plans
        },
        created=created,
        requests=len(parts),
        bytes=sent,
        seconds=time.perf_counter() - started,
        spreadsheet=spreadsheet,
    )
