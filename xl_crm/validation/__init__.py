"""Validation: check a customer workbook against its template and report every bad cell.

>>> report = validate("customers.xlsx")            # doctest: +SKIP
>>> report.valid, report.errors, report.findings[0].where   # doctest: +SKIP
(False, 3, '客户!E17')
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

from xl_crm.errors import WorkbookError
from xl_crm.specs import load_spec
from xl_crm.specs.model import Spec
from xl_crm.validation.report import Finding, Report
from xl_crm.xlsx.reader import check_readable, read_workbook

__all__ = ["Finding", "Report", "annotate", "detect_template", "validate"]


def detect_template(path: Path) -> str | None:
    """The template a workbook was built from (its ``xlcrm.template`` property), if any."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/custom.xml").decode("utf-8", errors="replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return None
    m = re.search(r'name="xlcrm\.template"[^>]*>\s*<vt:lpwstr>([^<]+)</vt:lpwstr>', xml)
    return m.group(1) if m else None


def validate(
    book: str | Path,
    *,
    template: str | Path | Spec | None = None,
    password: str | None = None,
    mask: bool = False,
    sheets: dict[str, str] | None = None,
) -> Report:
    """Check ``book`` against ``template`` (detected when xl-crm built the workbook).

    The workbook's sheets are matched to the template's by their headers; ``sheets``
    (template sheet id or zh/en label -> workbook sheet name) overrides that matching.
    Returns a :class:`Report` that starts with the mapping (``report.mapping``); bad rows
    are findings, never exceptions, and a template sheet the workbook lacks is one
    ``missing-sheet`` warning.  Raises :class:`xl_crm.WorkbookError` only when the file
    cannot be read at all, a ``sheets`` name is unknown, or no sheet matches the template.
    """
    from xl_crm.validation.engine import SheetContext, check_table  # pandera loads here
    from xl_crm.validation.mapping import missing_sheet_findings
    from xl_crm.validation.rowcopies import duplicate_row_findings

    started = time.perf_counter()
    path = Path(book)
    readable = check_readable(path, password)
    spec = _spec_for(path, readable, template)
    tables = read_workbook(path, readable, spec, sheets)
    ctx = SheetContext(spec=spec, tables=tables, mask=mask)
    findings: list[Finding] = missing_sheet_findings(spec, tables.mapping)
    cells = 0
    rows = {}
    blank: dict[str, int] = {}
    coerced: dict[str, dict[str, int]] = {}
    for table in tables.values():
        table.path = path
        findings += check_table(table, ctx)
        findings += duplicate_row_findings(table, ctx)
        rows[table.sheet] = len(table.frame)
        cells += table.frame.size
        if table.blank_rows:
            blank[table.sheet] = len(table.blank_rows)
        for counts in table.coercions.values():
            sheet = coerced.setdefault(table.sheet, {})
            for how, n in counts.items():
                sheet[how] = sheet.get(how, 0) + n
    if readable != path:
        readable.unlink(missing_ok=True)  # the decrypted temporary copy
    return Report(
        file=str(path),
        template=spec.name,
        findings=findings,
        rows=rows,
        cells=cells,
        seconds=time.perf_counter() - started,
        masked=mask,
        blank_rows=blank,
        coerced=coerced,
        mapping=tables.mapping,
    )


def _spec_for(path: Path, readable: Path, template) -> Spec:
    if isinstance(template, Spec):
        return template
    if template is not None:
        return load_spec(template)
    detected = detect_template(readable)
    if detected is None:
        from xl_crm.specs import builtin_names

        raise WorkbookError(
            ("无法判断这个工作簿使用哪个模板", "cannot tell which template this workbook follows"),
            file=path,
            hint=(
                "用 --template 指定（内置模板：" + "、".join(builtin_names()) + "）",
                "name it with --template (built-in: " + ", ".join(builtin_names()) + ")",
            ),
        )
    return load_spec(detected)


def annotate(book: str | Path, report: Report, *, lang: str = "zh", backups: int = 5) -> int:
    """Mark every cell with a finding in ``book``: a fill and a note with the message(s).

    Marks from an earlier run are cleared first, on every sheet the report covers, so fixed
    cells lose their mark.  Returns the number of cells marked.
    """
    from xl_crm.xlsx.marks import mark_cells

    path = Path(book)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(
            ("只能标注 .xlsx 和 .xlsm 工作簿", "only .xlsx and .xlsm workbooks can be annotated"),
            file=path,
            hint=(
                "另存为 .xlsx，或用 --html / --json 生成报告",
                "save it as .xlsx, or use --html / --json for a report",
            ),
        )
    notes: dict[str, dict[str, list[str]]] = {sheet: {} for sheet in report.rows}
    for f in report.findings:
        if f.row is None:
            continue
        notes.setdefault(f.sheet, {}).setdefault(f.cell, []).append(f.message(lang))
    marked = 0
    first = True
    for sheet, cells in notes.items():
        marks = {cell: "\n".join(messages) for cell, messages in cells.items()}
        mark_cells(path, sheet, marks, backups=backups if first else 0)
        first = False
        marked += len(marks)
    return marked
