"""What the command line is given, checked before any work (fresh-clone review, issue 9):

- a ``--sheet`` name that is not there (template sheet or workbook sheet), or ``sheets=``
  of the wrong type, is said as it is, never as a damaged workbook;
- every output path (``--json``, ``--csv``, ``--html``, ``-o``, ``--audit-log``) is checked
  before the workbook is read: a path that cannot be written stops the command with
  ``bad-output-path`` and exit code 2, the workbook untouched and nothing written;
- only one of ``--json -`` and ``--csv -`` may take stdout;
- ``template infer --quiet`` (and ``template show --yaml --quiet``) still print the spec.

All on real .xlsx files through the CLI (click's CliRunner), as a user runs it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.zipparts import replace_parts
from xl_crm import compute, validate
from xl_crm.cli.app import app
from xl_crm.errors import InvalidOptionError

REAL = Path("../shared/cases/real-inputs").resolve()
AS_OF = "2026-06-30"
runner = CliRunner()


@pytest.fixture
def shop(shop_copy) -> Path:
    """The English e-commerce workbook (sheets Customers, Orders), a fresh copy."""
    return shop_copy


def run(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``xl-crm ARGS``."""
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def error_json(*args: str) -> dict:
    """The ``{"error": ...}`` that ``xl-crm ARGS --json -`` prints, after exit code 2."""
    code, stdout, stderr = run(*args, "--json", "-")
    assert code == 2, stdout + stderr
    return json.loads(stdout)["error"]


# -- 1. --sheet names ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_a_template_sheet_typo_names_the_template_sheets(shop, command):
    before = shop.read_bytes()
    error = error_json(command, str(shop), "--sheet", "custmers=Customers", "--lang", "en")
    assert error["reason"] == "not-in-template"
    assert "'custmers'" in error["message"]["en"]
    assert "customers (客户 / Customers)" in error["fix"]["en"]
    assert "orders (订单 / Orders)" in error["fix"]["zh"]
    assert "damaged" not in json.dumps(error)
    assert shop.read_bytes() == before


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_a_workbook_sheet_typo_names_the_workbook_sheets(shop, command):
    before = shop.read_bytes()
    error = error_json(command, str(shop), "--sheet", "customers=Custmers", "--lang", "en")
    assert error["reason"] == "sheet-not-found"
    assert "'Custmers'" in error["message"]["en"] and error["file"] == str(shop)
    assert "Customers, Orders" in error["fix"]["en"]
    assert shop.read_bytes() == before


@pytest.mark.parametrize(
    "sheets",
    [
        ["orders=Orders"],  # the CLI's spelling, given to the library
        "orders=Orders",
        {"orders": 2},
        {"": "Orders"},
    ],
)
@pytest.mark.parametrize("call", ["validate", "compute"])
def test_sheets_of_the_wrong_type_is_a_usage_error(shop, sheets, call):
    before = shop.read_bytes()
    with pytest.raises(InvalidOptionError) as info:
        if call == "validate":
            validate(shop, sheets=sheets)
        else:
            compute(shop, as_of=AS_OF, sheets=sheets, backups=0)
    assert info.value.reason == "invalid-option"
    assert "sheets={'orders': 'Sheet2'}" in info.value.text("en")
    assert "{'orders': 'Sheet2'}" in info.value.text("zh")
    assert shop.read_bytes() == before


def test_a_damaged_sheet_is_still_a_damaged_workbook(shop):
    """The narrower wrapping keeps what is really damaged: a workbook part cut off."""
    replace_parts(shop, {"xl/workbook.xml": b"<workbook><sheets><sheet"})
    error = error_json("validate", str(shop), "-t", "ecommerce", "--lang", "en")
    assert error["reason"] == "damaged-workbook"


# -- 2. output paths checked first -----------------------------------------------------------


def _bad_paths(tmp: Path) -> dict[str, Path]:
    a_file = tmp / "a file.txt"
    a_file.write_text("x", encoding="utf-8")
    return {
        "missing folder": tmp / "no such folder" / "out",
        "a folder": tmp,
        "under a file": a_file / "out",
    }


def _unchanged(shop: Path, before: bytes, tmp: Path) -> None:
    assert shop.read_bytes() == before
    assert not (tmp / ".xlcrm-backups").exists()  # no write was even started


COMMANDS_WITH_OUTPUTS = [
    (["compute", "--as-of", AS_OF], "--json", ".json"),
    (["compute", "--as-of", AS_OF], "--csv", ".csv"),
    (["compute", "--as-of", AS_OF], "--audit-log", ".jsonl"),
    (["validate", "--annotate"], "--json", ".json"),
    (["validate", "--annotate"], "--html", ".html"),
    (["annotate"], "--csv", ".csv"),
    (["template", "infer"], "-o", ".yaml"),
]


@pytest.mark.parametrize(
    ("kind", "command", "option", "suffix"),
    [
        (kind, *case)
        for kind in ("missing folder", "a folder", "under a file")
        for case in COMMANDS_WITH_OUTPUTS
        # the audit log creates its folder: see the next test
        if not (kind == "missing folder" and case[1] == "--audit-log")
    ],
)
def test_a_bad_output_path_stops_the_command_before_it_writes(
    shop, tmp_path, kind, command, option, suffix
):
    target = _bad_paths(tmp_path)[kind]
    if kind != "a folder":
        target = target.with_suffix(suffix)
    before = shop.read_bytes()
    if command[0] == "template":
        args = [*command, str(shop)]
    else:
        args = [command[0], str(shop), *command[1:]]
    code, stdout, stderr = run(*args, option, str(target), "--lang", "en")
    assert code == 2, stdout + stderr
    assert f"error: {target}: cannot write the {option} output: " in stderr
    _unchanged(shop, before, tmp_path)
    assert not (tmp_path / "no such folder").exists()


def test_the_audit_log_may_name_a_folder_to_create_but_not_under_a_file(shop, tmp_path):
    log = tmp_path / "logs" / "2026" / "audit.jsonl"
    code, _, stderr = run("compute", str(shop), "--as-of", AS_OF, "--audit-log", str(log))
    assert code == 0, stderr
    assert json.loads(log.read_text(encoding="utf-8").splitlines()[0])["action"] == "write-columns"


def test_template_build_checks_its_output_first(tmp_path):
    target = tmp_path / "no such folder" / "shop.xlsx"
    code, _, stderr = run("template", "build", "ecommerce", "-o", str(target), "--lang", "en")
    assert code == 2 and f"{target}: cannot write the -o output" in stderr
    assert "the folder" in stderr and "does not exist" in stderr


def test_demo_out_may_be_a_new_folder_but_not_a_file(tmp_path):
    a_file = tmp_path / "demo"
    a_file.write_text("x", encoding="utf-8")
    code, _, stderr = run("demo", "--out", str(a_file), "--rows", "5", "--lang", "en")
    assert code == 2 and "cannot write the --out output: it is a file, not a folder" in stderr


def test_an_output_is_never_the_workbook_itself(shop, tmp_path):
    before = shop.read_bytes()
    for option in ("--json", "--csv"):
        code, _, stderr = run("compute", str(shop), "--as-of", AS_OF, option, str(shop), "-l", "en")
        assert code == 2
        assert f"cannot write the {option} output: it is the workbook being read" in stderr
    error = error_json("compute", str(shop), "--as-of", AS_OF, "--csv", str(shop))
    assert error["reason"] == "bad-output-path" and error["file"] == str(shop)
    _unchanged(shop, before, tmp_path)


def test_two_outputs_to_one_file_are_refused(shop, tmp_path):
    before = shop.read_bytes()
    same = tmp_path / "result.txt"
    code, _, stderr = run(
        "validate", str(shop), "--json", str(same), "--csv", str(same), "--lang", "en"
    )
    assert code == 2 and "cannot write the --csv output: it is the same file as --json" in stderr
    assert not same.exists()
    _unchanged(shop, before, tmp_path)


def test_a_read_only_output_file_is_refused(shop, tmp_path):
    target = tmp_path / "locked.json"
    target.write_text("{}", encoding="utf-8")
    target.chmod(0o444)
    try:
        with target.open("ab"):
            pass
    except PermissionError:
        pass
    else:  # root writes to any file: the check then rightly lets it through
        pytest.skip("this user can write to a read-only file (root)")
    before = shop.read_bytes()
    code, _, stderr = run("compute", str(shop), "--as-of", AS_OF, "--json", str(target))
    assert code == 2 and "文件不可写" in stderr
    _unchanged(shop, before, tmp_path)


def test_a_good_output_path_is_written_as_before(shop, tmp_path):
    target = tmp_path / "result.json"
    code, _, stderr = run("compute", str(shop), "--as-of", AS_OF, "--json", str(target))
    assert code == 0, stderr
    assert json.loads(target.read_text(encoding="utf-8"))["as_of"] == AS_OF
    assert not list(tmp_path.glob(".xlcrm-probe-*"))  # the probe left nothing behind


# -- 11. one output on stdout ----------------------------------------------------------------


@pytest.mark.parametrize("command", [["compute", "--as-of", AS_OF], ["validate"], ["annotate"]])
def test_json_and_csv_cannot_both_go_to_stdout(shop, tmp_path, command):
    before = shop.read_bytes()
    code, stdout, stderr = run(command[0], str(shop), *command[1:], "--csv", "-", "--json", "-")
    assert code == 2
    error = json.loads(stdout)["error"]  # stdout stays one JSON document
    assert error["reason"] == "bad-output-path"
    assert error["expected"]["en"] == "only one output may be -"
    assert "--csv" in stderr and "--json" in stderr
    _unchanged(shop, before, tmp_path)


# -- 12. the spec is the output of infer -----------------------------------------------------


def test_infer_quiet_still_prints_the_spec(shop):
    code, stdout, stderr = run("template", "infer", str(shop), "--quiet")
    assert code == 0 and stderr == ""
    spec = yaml.safe_load(stdout)
    assert [s["id"] for s in spec["sheets"]][:2] == ["customers", "orders"]


def test_infer_quiet_with_json_to_stdout_prints_only_the_json(shop):
    code, stdout, _ = run("template", "infer", str(shop), "--quiet", "--json", "-")
    assert code == 0
    assert json.loads(stdout)["name"] == "shop"


def test_template_show_yaml_quiet_still_prints_the_yaml():
    code, stdout, _ = run("template", "show", "hotel", "--yaml", "--quiet")
    assert code == 0 and yaml.safe_load(stdout)["name"] == "hotel"


def test_infer_quiet_with_an_output_file_prints_nothing(shop, tmp_path):
    target = tmp_path / "spec.yaml"
    code, stdout, stderr = run("template", "infer", str(shop), "--quiet", "-o", str(target))
    assert code == 0 and stdout == "" and stderr == ""
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["name"] == "shop"
    assert os.path.getsize(target) > 0
