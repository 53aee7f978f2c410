"""``check``: a read book's Tables against their template, as a :class:`Report` (no I/O)."""

from __future__ import annotations

from xl_crm.specs.model import Spec
from xl_crm.table import Tables
from xl_crm.validation.context import FINDINGS_PER_RULE, SheetContext
from xl_crm.validation.engine import check_table
from xl_crm.validation.mapping import missing_sheet_findings
from xl_crm.validation.report import Finding, Report
from xl_crm.validation.rowcopies import duplicate_row_findings

__all__ = ["check"]


def check(
    spec: Spec,
    tables: Tables,
    *,
    mask: bool = False,
    limit: int = FINDINGS_PER_RULE,
    engine: str = "fast",
) -> Report:
    """Check every table of ``tables`` (what a :class:`xl_crm.book.Book` read) against
    ``spec``: types, required cells, lengths, formats, uniqueness, allowed values, row
    rules and cross-sheet references (docs/rules.md lists every rule).

    ``mask`` shows personal values masked in the findings.  ``limit``: Finding objects
    built per rule and column of a sheet (default :data:`FINDINGS_PER_RULE`); the findings
    past it are kept as rows in ``report.more``, counted exactly and written in full by
    ``report.write_json`` / ``write_csv``.  Returns a :class:`Report`
    with one finding per bad cell (``report.file`` and ``report.seconds`` are left for the
    caller to fill); never raises for bad data: a check that fails to run is a
    ``check-failed`` finding.  ``engine``: how each sheet's pandera schema runs (``fast``
    or ``pandera``: the same findings, see :mod:`xl_crm.validation.runner`)."""
    ctx = SheetContext(spec=spec, tables=tables, mask=mask, limit=limit)
    findings: list[Finding] = missing_sheet_findings(spec, tables.mapping)
    cells = 0
    rows: dict[str, int] = {}
    blank: dict[str, int] = {}
    coerced: dict[str, dict[str, int]] = {}
    for table in tables.values():
        findings += check_table(table, ctx, engine)
        findings += duplicate_row_findings(table, ctx)
        rows[table.sheet] = len(table.frame)
        cells += table.frame.size
        if table.blank_rows:
            blank[table.sheet] = len(table.blank_rows)
        for counts in table.coercions.values():
            sheet = coerced.setdefault(table.sheet, {})
            for how, n in counts.items():
                sheet[how] = sheet.get(how, 0) + n
    return Report(
        file="",
        template=spec.name,
        findings=findings,
        rows=rows,
        cells=cells,
        seconds=0.0,
        masked=mask,
        blank_rows=blank,
        coerced=coerced,
        mapping=tables.mapping,
        more=ctx.overflow,
    )
