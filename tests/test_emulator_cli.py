"""``xl-crm sheets emulator``: started as a user would, used through gspread, stopped."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sheets_sync.emulator import client
from xl_crm.cli.app import app


def start(*args: str, out: Path) -> subprocess.Popen:
    """The CLI in a subprocess; returns once it wrote its --json reply (the URL)."""
    command = [sys.executable, "-m", "xl_crm", "sheets", "emulator", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--json", str(out), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the emulator did not start: {proc.communicate()}")
        time.sleep(0.1)
    return proc


def stop(proc: subprocess.Popen) -> str:
    """Ctrl-C the CLI; its stdout."""
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    return stdout


def test_cli_serves_snapshots_and_persists(tmp_path):
    snap = tmp_path / "team.json"
    sheets = [{"rows": [["id"], ["0042"]]}]
    snap.write_text(
        json.dumps({"spreadsheets": [{"id": "team", "title": "Team", "sheets": sheets}]})
    )
    data = tmp_path / "state.json"
    info = tmp_path / "info.json"
    proc = start("--data", str(data), "--load", str(snap), out=info)
    try:
        started = json.loads(info.read_text())
        assert started["spreadsheets"] == ["team"]
        ws = client(started["url"]).open_by_key("team").sheet1
        assert ws.get_all_values() == [["id"], ["0042"]]
        ws.update([["added"]], "B1")
    finally:
        stdout = stop(proc)
    assert f"Sheets emulator listening on {started['url']}" in stdout
    kept = json.loads(data.read_text())
    assert [b["id"] for b in kept["spreadsheets"]] == ["team"]
    info.unlink()
    proc = start("--data", str(data), out=info)
    try:
        ws = client(json.loads(info.read_text())["url"]).open_by_key("team").sheet1
        assert ws.get("B1") == [["added"]]
    finally:
        stop(proc)


def test_a_busy_port_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["sheets", "emulator", "--port", str(port), "--lang", "en"]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"cannot listen on port {port}" in result.output


def test_a_bad_snapshot_is_a_clear_error(tmp_path):
    bad = tmp_path / "snap.csv"
    bad.write_text("a,b\n")
    args = ["sheets", "emulator", "--port", "0", "--load", str(bad), "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"cannot load the snapshot {bad}" in result.output


def refused(*args: str) -> subprocess.CompletedProcess:
    """``xl-crm sheets emulator --port 0 ARGS --lang en`` that must stop by itself (a
    start that goes on serving fails the test after 60 s)."""
    command = [sys.executable, "-m", "xl_crm", "sheets", "emulator", "--port", "0"]
    try:
        return subprocess.run(
            [*command, *args, "--lang", "en"], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the emulator started with {args} instead of refusing")


def test_data_in_a_missing_folder_is_refused_at_start(tmp_path):
    data = tmp_path / "nowhere" / "s.json"
    result = refused("--data", str(data))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"the folder {data.parent} does not exist" in result.stderr
    assert "create the folder first" in result.stderr
    assert not data.parent.exists()


def test_a_save_that_fails_answers_500_and_keeps_the_connection(tmp_path):
    from sheets_sync.emulator import Emulator
    from tests.emulated import http

    folder = tmp_path / "state"
    folder.mkdir()
    with Emulator(data_file=folder / "s.json") as emu:
        gc = client(emu.url)
        sh = gc.create("Kept")
        folder.joinpath("s.json").unlink()
        folder.rmdir()
        url = f"{emu.url}/v4/spreadsheets/{sh.id}/values/A1?valueInputOption=RAW"
        status, reply = http("PUT", url, {"values": [["x"]]})
        assert status == 500 and reply["error"]["status"] == "INTERNAL"
        assert "could not save its state to" in reply["error"]["message"]
        # the same gspread session goes on: no dropped connection
        assert gc.open_by_key(sh.id).sheet1.get("A1") == [["x"]]


def test_two_snapshots_with_one_key_are_refused(tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    for path in (one, two):
        path.write_text(json.dumps({"spreadsheets": [{"id": "team", "sheets": []}]}))
    result = refused("--load", str(one), "--load", str(two))
    assert result.returncode == 2
    assert f"cannot load the snapshot {two}" in result.stderr
    assert "the spreadsheet key 'team' is loaded twice" in result.stderr


@pytest.mark.parametrize(
    ("snapshot", "where"),
    [
        ({"spreadsheets": [{"id": "x1", "sheets": [{"title": "S", "rows": "notalist"}]}]},
         "spreadsheets[0].sheets[0].rows should be a list of rows"),
        ({"spreadsheets": [{"id": "x1", "sheets": [{"rows": ["ab", "cd"]}]}]},
         "spreadsheets[0].sheets[0].rows should be a list of rows"),
        ({"spreadsheets": {"id": "x1"}}, "spreadsheets should be a list"),
        ({"spreadsheets": ["x1"]}, "spreadsheets[0] should be an object"),
    ],
)  # fmt: skip
def test_a_malformed_snapshot_is_refused(tmp_path, snapshot, where):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(snapshot))
    result = refused("--load", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"bad snapshot: {where}" in " ".join(result.stderr.split())
