"""``xl-crm sheets emulator``: the local Sheets API emulator (``sheets_sync.emulator``) as
a command, registered on :data:`xl_crm.cli.sheets.sheets_app`; its ``--data`` and
``--load`` checked before it listens (docs/sheets-emulator.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xl_crm.cli.output import Output, output_options
from xl_crm.errors import InvalidOptionError, MissingExtraError


@output_options()
def emulator_command(
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port on 127.0.0.1 (0: any free port).")
    ] = 8765,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="FILE",
            help="Keep the state in this JSON file (its folder must exist): loaded at "
            "start when it exists, rewritten after every change.",
        ),
    ] = None,
    load: Annotated[
        list[Path] | None,
        typer.Option(
            "--load",
            metavar="SNAPSHOT",
            help="Add the spreadsheets of a JSON or .xlsx snapshot (repeatable); an .xlsx "
            "file's key is its file name without .xlsx. Two snapshots with one key are "
            "refused.",
        ),
    ] = None,
    *,
    output: Output,
) -> None:
    """Run a local Google Sheets API v4 + Drive v3 emulator until Ctrl-C.

    gspread and google-api-python-client talk to it over real HTTP: point gspread at it with
    sheets_sync.emulator.client(URL) (no credentials needed), and google-auth credentials at
    URL/token.  Test controls (faults, quotas, the request log, reset) are under
    URL/_emulator/; see docs/sheets-emulator.md.  --json writes the URL and the loaded
    spreadsheet keys once the server listens.

    Example: xl-crm sheets emulator --port 8765 --data sheets.json --load customers.xlsx
    """
    try:
        from sheets_sync.emulator import Emulator
    except ImportError:
        raise MissingExtraError("gspread", "sheets") from None
    if data is not None and (data.is_dir() or not data.absolute().parent.is_dir()):
        raise InvalidOptionError(
            (
                f"--data {data}：文件夹 {data.absolute().parent} 不存在或 {data.name} 是文件夹",
                f"--data {data}: the folder {data.absolute().parent} does not exist, or "
                f"{data.name} is a folder",
            ),
            expected=("已有文件夹中的 JSON 文件路径", "a JSON file's path in a folder that exists"),
            hint=(
                "先创建文件夹（mkdir -p），或换一个 --data 路径",
                "create the folder first (mkdir -p), or give another --data path",
            ),
            file=data,
        )
    try:
        emulator = Emulator(port, data_file=data)
    except OSError as exc:
        raise InvalidOptionError(
            (
                f"无法在端口 {port} 上监听：{exc.strerror}",
                f"cannot listen on port {port}: {exc.strerror}",
            ),
            hint=(
                "换一个 --port，或用 --port 0 自动选择",
                "pick another --port, or --port 0 for any free one",
            ),
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidOptionError(
            (
                f"--data 文件 {data} 不是模拟器的 JSON：{exc}",
                f"--data file {data} is not emulator JSON: {exc}",
            ),
            file=data,
        ) from None
    keys: list[str] = []
    for snapshot in load or []:
        try:
            keys += emulator.load(snapshot, taken=keys)
        except (OSError, ValueError, KeyError) as exc:
            emulator.httpd.server_close()
            raise InvalidOptionError(
                (f"无法载入快照 {snapshot}：{exc}", f"cannot load the snapshot {snapshot}: {exc}"),
                hint=(
                    "给出 .json（格式见 docs/sheets-emulator.md）或 .xlsx 快照文件",
                    "give a .json snapshot (its format: docs/sheets-emulator.md) or an .xlsx file",
                ),
                file=snapshot,
            ) from None
    output.print(f"Sheets emulator listening on {emulator.url}")
    for key in keys:
        output.print(f"  spreadsheet {key}")
    output.print("Stop with Ctrl-C.")
    output.emit({"url": emulator.url, "spreadsheets": keys})
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.httpd.server_close()
