"""The command line: each command, its exit codes, its help and the generated docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from xl_crm.cli.app import app
from xl_crm.docgen import generated
from xl_crm.infer import infer_spec

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), terminal_width=120)


def test_template_list_names_every_builtin():
    result = invoke("template", "list")
    assert result.exit_code == 0
    for name in ("ecommerce", "hotel", "ledger", "car_sales"):
        assert name in result.output


def test_template_show_yaml_loads_back():
    result = invoke("template", "show", "car_sales", "--yaml")
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["name"] == "car_sales" and "extends" not in data
    assert [s["id"] for s in data["sheets"]] == [
        "customers",
        "transactions",
        "vehicles",
        "maintenance",
    ]


def test_template_build_and_infer(tmp_path):
    book = tmp_path / "hotel.xlsx"
    result = invoke(
        "template",
        "build",
        "hotel",
        "-o",
        str(book),
        "--lang",
        "en",
        "--sample",
        "30",
        "--seed",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "Guests: 30 rows" in result.output
    assert openpyxl.load_workbook(book).sheetnames[:2] == ["Guests", "Stays"]
    spec_file = tmp_path / "inferred.yaml"
    result = invoke("template", "infer", str(book), "-o", str(spec_file), "--name", "my-hotel")
    assert result.exit_code == 0, result.output
    check = invoke("template", "check", str(spec_file))
    assert check.exit_code == 0 and "template 'my-hotel', 2 sheets" in check.output


def test_infer_csv_with_title_rows(tmp_path):
    csv_file = tmp_path / "leads.csv"
    rows = ["客户登记表,,,", ",,,", "姓名,手机,邮箱,级别"]
    rows += [f"客户{i},1381234{i:04d},c{i}@example.com,{'AB'[i % 2]}" for i in range(30)]
    csv_file.write_text("\n".join(rows), encoding="utf-8")
    spec = infer_spec(csv_file)
    (sheet,) = spec.sheets
    assert [(f.label.zh, f.type) for f in sheet.fields] == [
        ("姓名", "text"),
        ("手机", "phone"),
        ("邮箱", "email"),
        ("级别", "choice"),
    ]
    assert sheet.field_ids()[:3] == ["name", "phone", "email"]  # headers mapped by alias
    assert sheet.fields[0].label.en == "Name"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["template", "show", "shop", "--lang", "en"], "no template called 'shop'"),
        (["template", "show", "shop"], "错误: 没有名为 'shop' 的模板"),
        (["template", "build", "hotel", "-o", "x.xlsx", "--lang", "fr"], "未知语言 'fr'"),
        (["template", "infer", "missing.xlsx", "--lang", "en"], "missing.xlsx: file not found"),
        (["template", "infer", "missing.xlsx"], "missing.xlsx: 找不到文件\n  修改: 检查路径"),
    ],
)
def test_errors_are_one_clear_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_infer_refuses_a_file_that_is_not_a_spreadsheet(tmp_path):
    fake = tmp_path / "notes.xlsx"
    fake.write_text("this is not a workbook", encoding="utf-8")
    result = invoke("template", "infer", str(fake), "--lang", "en")
    assert result.exit_code == 2
    assert f"{fake}: not a valid workbook" in result.output


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "xl_crm", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("xl-crm ")


def _commands(group, path=()):
    for name, cmd in getattr(group, "commands", {}).items():
        yield (*path, name), cmd
        yield from _commands(cmd, (*path, name))


def test_every_command_has_help_with_an_example():
    import typer.main

    root = typer.main.get_command(app)
    for path, _ in _commands(root):
        result = invoke(*path, "--help")
        assert result.exit_code == 0
        assert "Example: xl-crm" in result.output, f"{' '.join(path)} has no example in --help"


def test_generated_docs_are_up_to_date():
    for path, text in generated(ROOT / "docs").items():
        assert path.exists(), f"{path} is missing: run make docs"
        assert path.read_text(encoding="utf-8") == text, f"{path} is out of date: run make docs"


def test_infer_an_empty_workbook_says_what_is_missing(tmp_path):
    book = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(book)
    result = invoke("template", "infer", str(book), "--lang", "en")
    assert result.exit_code == 2
    assert "no sheet with a header row and data was found" in result.output


def test_infer_unknown_sheet_lists_the_sheets(tmp_path):
    book = tmp_path / "one.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    wb.save(book)
    result = invoke("template", "infer", str(book), "--sheet", "Kunden", "--lang", "en")
    assert result.exit_code == 2
    assert "no sheet called 'Kunden'" in result.output and "客户" in result.output


def test_demo_finds_exactly_what_it_planted(tmp_path):
    import re

    from xl_crm.demo import run_demo

    lines = list(run_demo(tmp_path, rows=30, seed=4))
    checked = [line for line in lines if "planted" in line]
    assert len(checked) == 5  # the four templates and the shop's own workbook
    for line in checked:
        planted, found = map(int, re.search(r"planted (\d+), found (\d+) errors", line).groups())
        assert planted == found > 0, line
    assert len(list(tmp_path.glob("*_errors.html"))) == 4
