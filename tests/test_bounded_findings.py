"""A column wrong on every row: exact counts, a bounded number of Finding objects, and
every finding in the streamed JSON and CSV reports.

The workbook is written here with openpyxl, laid out like the ecommerce template (invented
data): every 兴趣类别 cell holds a value that is not a choice, some e-mail addresses lack
their "@", two customers share a mobile number, and one 购买频率 is negative.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from xl_crm import validate
from xl_crm.pipeline import report_marks
from xl_crm.validation.render import print_report

ROWS = 40
BOUND = 3


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "电子邮件", "手机号码", "购买频率", "兴趣类别"])
    for i in range(ROWS):
        email = f"user{i}example.com" if i % 4 == 0 else f"user{i}@example.com"
        mobile = "13800000000" if i in (5, 6) else f"139{i:08d}"
        frequency = -2 if i == 7 else i % 5
        ws.append([1000 + i, f"客户{i}", email, mobile, frequency, f"爱好{i}"])
    orders = wb.create_sheet("订单")
    orders.append(["订单编号", "客户ID", "下单时间", "金额", "商品类别", "渠道"])
    orders.append(["D1", 1000, "2026-05-01", 10.5, "服装", "天猫"])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    path = _book(tmp_path_factory.mktemp("bounded") / "wrong_column.xlsx")
    bounded = validate(path, template="ecommerce", findings_per_rule=BOUND)
    full = validate(path, template="ecommerce", findings_per_rule=10_000)
    return bounded, full, path


def _lines(findings: list[dict]) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in findings)


def test_counts_are_exact_and_the_bound_is_kept(reports):
    bounded, full, _ = reports
    assert not full.more
    assert bounded.counts_by_rule()["choice"] == ROWS
    assert bounded.counts_by_rule()["email"] == ROWS // 4
    assert bounded.counts_by_rule() == full.counts_by_rule()
    assert bounded.counts_by_field() == full.counts_by_field()
    assert (bounded.errors, bounded.warnings, bounded.score) == (
        full.errors,
        full.warnings,
        full.score,
    )
    assert bounded.total == full.total == len(full.findings)
    built: dict[tuple[str, str | None], int] = {}
    for f in bounded.findings:
        built[f.rule, f.field] = built.get((f.rule, f.field), 0) + 1
    assert built[("choice", "interests")] == BOUND
    assert max(built.values()) <= BOUND
    # the ones built are the first rows of their rule and column
    choice_rows = [f.row for f in bounded.findings if f.rule == "choice"]
    assert choice_rows == [2, 3, 4]


def test_every_finding_is_in_the_streamed_json(reports, tmp_path):
    bounded, full, _ = reports
    out = tmp_path / "report.json"
    with out.open("w", encoding="utf-8") as fh:
        bounded.write_json(fh)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["findings"]) == ROWS + ROWS // 4 + 2 + 1  # choice, email, mobiles, range
    assert _lines(data["findings"]) == _lines(full.to_dict()["findings"])
    assert data["summary"] == full.to_dict()["summary"]
    assert {f["where"] for f in data["findings"] if f["rule"] == "choice"} == {
        f"客户!F{row}" for row in range(2, ROWS + 2)
    }
    assert json.loads(bounded.to_json()) == data


def test_every_finding_is_in_the_streamed_csv(reports, tmp_path):
    bounded, full, _ = reports
    out = tmp_path / "report.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        bounded.write_csv(fh)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    expected = list(csv.reader(io.StringIO(full.to_csv())))
    assert rows[0] == expected[0]
    assert sorted(rows[1:]) == sorted(expected[1:])
    assert sum(1 for r in rows[1:] if r[1] == "choice") == ROWS


def test_the_terminal_says_how_many_more(reports):
    bounded, _, _ = reports
    console = Console(record=True, width=200)
    print_report(bounded, console, lang="en", limit=5)
    text = console.export_text()
    assert f"{bounded.total - 5:,} more" in text
    by_rule = text.split("By rule", 1)[1].split("By field", 1)[0]
    choice = next(line for line in by_rule.splitlines() if "choice (" in line)
    assert f" {ROWS} " in choice


def test_annotating_marks_every_cell_past_the_bound(reports):
    bounded, full, _ = reports
    marks = {(m.sheet, m.cell) for m in report_marks(bounded)}
    assert marks == {(m.sheet, m.cell) for m in report_marks(full)}
    assert ("客户", f"F{ROWS + 1}") in marks


def test_the_command_line_writes_every_finding_past_the_default_bound(tmp_path):
    """``xl-crm validate --json FILE --csv FILE`` with 1,100 wrong cells in one column: more
    than the 1,000 findings built per rule, all of them in both files."""
    from typer.testing import CliRunner

    from xl_crm.cli.app import app

    rows = 1_100
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "手机号码", "兴趣类别"])
    for i in range(rows):
        ws.append([1000 + i, f"客户{i}", f"139{i:08d}", f"爱好{i}"])
    path = tmp_path / "many.xlsx"
    wb.save(path)
    out, table = tmp_path / "report.json", tmp_path / "report.csv"
    args = ["validate", str(path), "-t", "ecommerce", "--json", str(out), "--csv", str(table)]
    result = CliRunner().invoke(app, [*args, "--quiet"])
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    choice = [f for f in data["findings"] if f["rule"] == "choice"]
    assert len(choice) == data["summary"]["by_rule"]["choice"] == rows
    assert {f["row"] for f in choice} == set(range(2, rows + 2))
    with table.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    assert sum(1 for r in lines[1:] if r[1] == "choice") == rows
