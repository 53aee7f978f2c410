"""CLI parity (issue 9): for every command, ``--json -`` prints exactly the ``to_dict()`` of
the library call it makes, on real files.

Volatile fields are dropped on both sides before comparing: ``seconds`` (time taken, in
BuildResult and ComputeResult), and nothing else.  Commands that write run on two identical
copies with the same relative name (one in each of two folders), so paths agree.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import xl_crm
from xl_crm.cli.app import app
from xl_crm.specs.verdict import check_template

REAL = Path("../shared/cases/real-inputs").resolve()
AS_OF = "2026-06-30"
runner = CliRunner()


def _drop_volatile(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _drop_volatile(v) for k, v in data.items() if k != "seconds"}
    if isinstance(data, list):
        return [_drop_volatile(v) for v in data]
    return data


def cli_json(*args: str, code: int = 0) -> Any:
    """The JSON that ``xl-crm ARGS --json -`` prints on stdout (and its exit code)."""
    result = runner.invoke(app, [*args, "--json", "-"])
    assert result.exit_code == code, result.output
    return _drop_volatile(json.loads(result.stdout))


def lib_json(result: Any) -> Any:
    """``result.to_dict()`` as it comes back from JSON (tuples become lists)."""
    return _drop_volatile(json.loads(json.dumps(result.to_dict(), ensure_ascii=False)))


@pytest.fixture
def twins(tmp_path, monkeypatch):
    """Two folders ``a`` and ``b``; ``cd(name)`` makes one the working folder."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()

    def cd(folder: Path) -> Path:
        monkeypatch.chdir(folder)
        return folder

    return a, b, cd


def test_template_list():
    assert cli_json("template", "list") == lib_json(xl_crm.list_templates())


@pytest.mark.parametrize("name", ["ecommerce", "car_sales"])
def test_template_show(name):
    assert cli_json("template", "show", name) == lib_json(xl_crm.load_spec(name))


def test_template_build(twins):
    a, b, cd = twins
    cd(a)
    shown = cli_json("template", "build", "hotel", "-o", "hotel.xlsx", "-n", "25", "--lang", "en")
    cd(b)
    built = xl_crm.build_workbook("hotel", "hotel.xlsx", sample=25, lang="en")
    assert shown == lib_json(built)
    assert shown["rows"]["Guests"] == 25


def test_template_check_valid_and_invalid(tmp_path):
    assert cli_json("template", "check", "ledger") == lib_json(check_template("ledger"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: x\nsheets: []\n", encoding="utf-8")
    shown = cli_json("template", "check", str(bad), code=1)
    assert shown == lib_json(check_template(bad)) and shown["valid"] is False
    assert shown["problems"][0]["file"] == str(bad)


@pytest.mark.parametrize("name", ["baseline.xlsx", "blank_rows.xlsx"])
def test_template_infer(name):
    book = REAL / name
    assert cli_json("template", "infer", str(book)) == lib_json(xl_crm.infer_spec(book))


@pytest.mark.parametrize("name", ["amounts_as_text.xlsx", "error_values.xlsx"])
def test_validate(name):
    book = REAL / name
    report = xl_crm.validate(book, template="ecommerce")
    shown = cli_json("validate", str(book), "-t", "ecommerce", code=report.exit_code)
    assert shown == lib_json(report)


def test_validate_csv_is_the_reports_csv():
    book = REAL / "error_values.xlsx"
    result = runner.invoke(app, ["validate", str(book), "-t", "ecommerce", "--csv", "-"])
    csv_text = xl_crm.validate(book, template="ecommerce").to_csv()
    assert result.stdout.splitlines() == csv_text.splitlines()  # the runner reads \r\n as \n
    assert "#N/A" in result.stdout


def test_compute(twins):
    a, b, cd = twins
    for folder in (a, b):
        shutil.copyfile(REAL / "chinese_text_dates.xlsx", folder / "shop.xlsx")
    cd(a)
    shown = cli_json("compute", "shop.xlsx", "-t", "ecommerce", "--as-of", AS_OF, "--backups", "0")
    cd(b)
    result = xl_crm.compute("shop.xlsx", template="ecommerce", as_of=AS_OF, backups=0)
    assert shown == lib_json(result)
    assert shown["written"] is True and shown["rows"] == 3


def test_annotate(twins):
    a, b, cd = twins
    for folder in (a, b):
        shutil.copyfile(REAL / "error_values.xlsx", folder / "shop.xlsx")
    cd(a)
    shown = cli_json("annotate", "shop.xlsx", "-t", "ecommerce", "--lang", "en")
    cd(b)
    report = xl_crm.validate("shop.xlsx", template="ecommerce")
    result = xl_crm.annotate("shop.xlsx", report, lang="en")
    assert shown == lib_json(result)
    assert shown["marked"] == len(shown["marks"]) > 0


def test_demo(twins):
    from xl_crm.demo import demo

    a, b, cd = twins
    cd(a)
    # the Google Sheets part names an emulator on a free port: tested in test_sheets_cli.py
    shown = cli_json("demo", "--out", "demo", "--rows", "20", "--seed", "3", "--no-sheets")
    cd(b)
    assert shown == lib_json(demo("demo", rows=20, seed=3, sheets=False))
    assert any("planted" in line for line in shown["lines"])


def test_an_error_goes_to_the_json_too(tmp_path):
    book = tmp_path / "shop.xlsx"
    shutil.copyfile(REAL / "baseline.xlsx", book)
    shown = cli_json("compute", str(book), "-t", "ecommerce", "--as-of", "2026-02-30", code=2)
    assert shown["error"]["reason"] == "invalid-as-of-date"
    assert shown["error"]["message"]["en"] == "--as-of '2026-02-30' is not a date"
    assert book.read_bytes() == (REAL / "baseline.xlsx").read_bytes()  # untouched


def test_quiet_prints_nothing_but_still_writes_the_json(tmp_path):
    target = tmp_path / "report.json"
    book = REAL / "error_values.xlsx"
    result = runner.invoke(
        app, ["validate", str(book), "-t", "ecommerce", "--quiet", "--json", str(target)]
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["valid"] is False


def test_every_command_has_the_shared_output_options():
    import typer.main

    root = typer.main.get_command(app)
    groups = [root, root.commands["template"]]
    commands = [c for g in groups for c in g.commands.values() if not hasattr(c, "commands")]
    assert len(commands) == 11  # report (the service's history page) and sync among them
    for command in commands:
        options = {o for p in command.params for o in p.opts}
        assert {"--json", "--lang", "--quiet"} <= options, command.name
