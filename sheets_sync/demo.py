"""``make demo`` on a Google Sheet, offline: the local emulator started in this process,
the ecommerce template built into a new spreadsheet with sample rows, a few bad values
typed in, then validate and compute on the sheet through ``GoogleSheetBook`` -- what
``xl-crm sheets build|validate|compute`` do, with no credentials (the emulator takes
any token).  The emulator is stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator

from xl_crm.specs import load_spec
from xl_crm.xlsx.layout import SheetLayout

#: (field id, data-row ordinal, bad value) typed into the demo sheet's customers
SHEET_ERRORS = [("mobile", 2, "1381234567"), ("email", 4, "wang.fang#example.com")]


def run_sheets_demo(*, rows: int = 200, seed: int = 42, as_of: str = "2026-06-30") -> Iterator[str]:
    """Yield what the Google Sheets part of the demo does, line by line: the emulator's
    URL, the sheet built (its URL on the emulator), the findings of validate (the
    planted :data:`SHEET_ERRORS` among them), the columns compute wrote and the API
    requests made.  ``rows``, ``seed``: the sample rows, as ``template build --sample``.
    Raises the :class:`xl_crm.XlCrmError` of a step that fails."""
    from sheets_sync.book import GoogleSheetBook
    from sheets_sync.build import build_sheet
    from sheets_sync.emulator import Emulator, client
    from xl_crm import compute, validate

    spec = load_spec("ecommerce")
    customers = spec.sheets[0]
    with Emulator() as emulator:
        yield f"Google Sheets, on the local emulator at {emulator.url} (no credentials):"
        gc = client(emulator.url, timeout=60)
        built = build_sheet(gc, spec, title="xl-crm demo", sample=rows, seed=seed)
        key = built.spreadsheet_id
        yield f"  built ecommerce into {emulator.url}/v4/spreadsheets/{key}"
        yield "    " + ", ".join(f"{title} {n} rows" for title, n in built.sheets.items())
        layout = SheetLayout(customers, "zh", built.sheets[layout_title(customers)])
        cells = [
            (f"{layout.letter(fid)}{layout.first_data_row + i}", bad)
            for fid, i, bad in SHEET_ERRORS
        ]
        sheet = built.spreadsheet.worksheet(layout.title)
        for cell, bad in cells:
            sheet.update([[bad]], cell, raw=True)
        yield f"    typed bad values into {', '.join(c for c, _ in cells)} of {layout.title}"
        book = GoogleSheetBook(gc.open_by_key(key))
        report = validate(book, mask=True)
        yield (
            f"  validated on the sheet: {report.errors} errors, {report.warnings} warnings "
            f"(score {report.score:.2f})"
        )
        for finding in report.findings[:5]:
            yield f"    {finding.where}: {finding.message_en}"
        result = compute(book, as_of=as_of)
        yield f"  computed on the sheet (as of {as_of}): {', '.join(result.columns)}"
        for segment, counts in result.segments.items():
            shown = ", ".join(f"{label} {n}" for label, n in counts.items())
            yield f"    {segment}: {shown}"
        book.close()
        yield "  emulator stopped"


def layout_title(sheet: object) -> str:
    """The zh title the build gives a template sheet."""
    return SheetLayout(sheet, "zh", 0).title  # type: ignore[arg-type]
