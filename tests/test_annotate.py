"""validate --annotate: bad cells get a fill and a note in the workbook; nothing else changes."""

from __future__ import annotations

import warnings

import openpyxl
from typer.testing import CliRunner

from tests.conftest import convert_to_csv
from tests.wrongcells import inject_ecommerce
from tests.zipparts import raw_parts
from xl_crm import annotate, validate
from xl_crm.cli.app import app
from xl_crm.xlsx.builder import build_workbook
from xl_crm.xlsx.marks import AUTHOR, MARK_COLOUR


def load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def marked_cells(path) -> dict[str, str]:
    out = {}
    for ws in load(path):
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    assert cell.fill.fgColor.rgb == MARK_COLOUR
                    out[f"{ws.title}!{cell.coordinate}"] = cell.comment.text
                else:
                    assert cell.fill.fgColor.rgb != MARK_COLOUR, cell.coordinate
    return out


def test_annotate_marks_exactly_the_findings(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    inject_ecommerce(path)
    before = raw_parts(path)
    result = CliRunner().invoke(app, ["validate", str(path), "--annotate", "--lang", "en"])
    assert result.exit_code == 1 and "marked" in result.output
    report = validate(path)
    expected = {f.where: f.message_en for f in report.findings if f.row is not None}
    assert marked_cells(path) == expected
    after = raw_parts(path)
    changed = {n for n in before if before[n] != after.get(n)}
    notes = {n for n in changed if n.endswith((".rels", ".vml")) or "comment" in n}
    assert changed - notes <= {
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
    }
    untouched = {n for n in before if n.startswith(("xl/tables/", "docProps/", "xl/theme/"))}
    assert untouched and not (untouched & changed)
    assert "xl/worksheets/sheet3.xml" not in changed and "xl/tables/table1.xml" not in changed
    # the data did not change, and LibreOffice still reads the workbook
    assert findings_where(validate(path)) == findings_where(report)
    rows = convert_to_csv(path, tmp_path, sheet=1)
    assert rows[1][0] == "客户ID"


def findings_where(report):
    return sorted((f.where, f.rule) for f in report.findings)


def test_fixed_cells_lose_their_marks(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    inject_ecommerce(path)
    annotate(path, validate(path), backups=0)
    wb = load(path)
    ws = wb["客户"]
    ws["C7"] = "wang.fang@qq.com"  # fix the bad e-mail
    ws["C7"].comment = None
    wb.save(path)
    annotate(path, validate(path), backups=0)
    marks = marked_cells(path)
    assert "客户!C7" not in marks and "客户!D8" in marks
    again = dict(marks)
    annotate(path, validate(path), backups=0)
    assert marked_cells(path) == again  # a rerun gives the same marks
    clean = tmp_path / "clean.xlsx"
    build_workbook("hotel", clean, sample=10, seed=1)
    assert annotate(clean, validate(clean), backups=0).marked == 0 and marked_cells(clean) == {}


def test_marks_stream_through_small_blocks(tmp_path):
    """Marks (set, cleared, on rows the sheet lacks) come out the same whatever the blocks
    the sheet is streamed in: the whole sheet is never held in memory."""
    import zipfile

    from xl_crm.xlsx.marks import mark_cells

    source = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", source, sample=60, seed=3)
    marks = {"C5": "bad e-mail", "D30": "bad phone", "B61": "too long", "E80": "beyond the data"}
    results = []
    for block in (1 << 22, 300):
        path = tmp_path / f"b{block}.xlsx"
        path.write_bytes(source.read_bytes())
        mark_cells(path, "客户", marks, backups=0, block_size=block)
        again = {"D30": "bad phone", "A2": "header?"}
        mark_cells(path, "客户", again, backups=0, block_size=block)  # clears
        with zipfile.ZipFile(path) as z:
            results.append(z.read("xl/worksheets/sheet1.xml"))
    assert results[0] == results[1]
    ws = load(tmp_path / "b300.xlsx")["客户"]
    assert ws["D30"].fill.fgColor.rgb == MARK_COLOUR
    # the header cell has a fill and a help note of its own: it keeps both
    assert ws["A2"].fill.fgColor.rgb != MARK_COLOUR and "header?" not in ws["A2"].comment.text
    assert ws["C5"].fill.fgColor.rgb != MARK_COLOUR and ws["E80"].fill.fgColor.rgb != MARK_COLOUR
