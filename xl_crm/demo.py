"""``make demo``: the main job on local files, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from xl_crm.specs import builtin_names, load_spec
from xl_crm.workbook.builder import build_workbook
from xl_crm.workbook.layout import SheetLayout

#: (field type, a bad value) written into the demo workbooks for validate to find
BAD_VALUES = {
    "phone": "1381234567",
    "email": "wang.fang#example.com",
    "cn_resident_id": "110101199013077770",
    "uscc": "91110000MA0000000X",
    "choice": "不存在的选项",
}


def run_demo(out_dir: Path, *, rows: int = 200, seed: int = 42) -> Iterator[str]:
    """Build each built-in template with sample data, break a few cells on purpose in the
    ``*_errors`` copies, validate those and write their HTML reports; yield what was made."""
    from xl_crm.validation import validate
    from xl_crm.validation.render import write_html

    out_dir.mkdir(parents=True, exist_ok=True)
    yield f"xl-crm demo -> {out_dir}/"
    jobs = [(name, "zh") for name in builtin_names()] + [("ecommerce", "en"), ("hotel", "en")]
    for name, lang in jobs:
        path = out_dir / f"{name}_{lang}.xlsx"
        result = build_workbook(name, path, lang=lang, sample=rows, seed=seed)  # type: ignore[arg-type]
        sheets = ", ".join(f"{title} {n}" for title, n in result.rows.items())
        yield f"  built {path} ({sheets} rows)"
    blank = out_dir / "ledger_blank_zh.xlsx"
    build_workbook("ledger", blank, lang="zh")
    yield f"  built {blank} (empty template for data entry)"
    yield "computing frequency, recency, spend, RFM and segments in place (as of 2026-06-30):"
    from xl_crm.compute import compute

    for name, lang in jobs:
        path = out_dir / f"{name}_{lang}.xlsx"
        result = compute(path, as_of="2026-06-30", backups=0)
        yield f"  {path}: {len(result.columns)} columns on {result.rows} customers"
        for segment, counts in result.segments.items():
            shown = ", ".join(f"{label} {n}" for label, n in counts.items())
            yield f"    {segment}: {shown}"
    yield "validating copies with errors put in on purpose:"
    for name in builtin_names():
        path = out_dir / f"{name}_zh_errors.xlsx"
        build_workbook(name, path, lang="zh", sample=rows, seed=seed)
        planted = break_cells(path, name, rows)
        report = validate(path, mask=True)
        html = path.with_suffix(".html")
        write_html(report, html, lang="zh")
        yield (
            f"  {path}: planted {planted}, found {report.errors} errors and "
            f"{report.warnings} warnings (score {report.score:.2f}) -> {html}"
        )


def break_cells(path: Path, template: str, rows: int) -> int:
    """Write bad values into a built workbook (demo and docs only); returns how many."""
    import openpyxl

    from xl_crm.sample import SampleGenerator

    spec = load_spec(template)
    counts = SampleGenerator(spec, rows)
    wb = openpyxl.load_workbook(path)
    planted = 0
    for sheet in spec.sheets:
        layout = SheetLayout(sheet, "zh", counts.row_count(sheet.id))
        ws = wb[layout.title]
        row = layout.first_data_row + 2
        for letter, f in layout.columns():
            if f.computed:
                continue
            bad = BAD_VALUES.get(f.type)
            if bad is not None:
                ws[f"{letter}{row}"] = bad
                planted += 1
                row += 1
            elif f.required and sheet.key != f.id and f.ftype.storage == "text":
                ws[f"{letter}{row}"] = None
                planted += 1
                row += 1
        # a copy of the first row below the data: both copies of every unique value and
        # composite key are reported (the rows that refer to it stay valid)
        first, copy = layout.first_data_row, layout.first_data_row + layout.rows
        for letter, f in layout.columns():
            ws[f"{letter}{copy}"] = ws[f"{letter}{first}"].value
            if (f.unique or sheet.key == f.id) and ws[f"{letter}{first}"].value not in (None, ""):
                planted += 2
        for combo in sheet.unique_together:
            if all(ws[f"{layout.letter(c)}{first}"].value not in (None, "") for c in combo):
                planted += 2
    wb.save(path)
    return planted
