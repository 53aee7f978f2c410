"""``xl-crm sheets ...``: Google Sheets commands.  ``sheets emulator`` runs the local Sheets
API emulator (``sheets_sync.emulator``) for tests, the demo and users' own gspread code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xl_crm.cli.output import Output, output_options
from xl_crm.errors import InvalidOptionError, MissingExtraError

sheets_app = typer.Typer(
    help="Google Sheets: the local Sheets API emulator (build, validate, compute and annotate "
    "on a sheet come next).\n\nExample: xl-crm sheets emulator --port 8765",
    no_args_is_help=True,
)


@sheets_app.command("emulator")
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
            help="Keep the state in this JSON file: loaded at start when it exists, "
            "rewritten after every change.",
        ),
    ] = None,
    load: Annotated[
        list[Path] | None,
        typer.Option(
            "--load",
            metavar="SNAPSHOT",
            help="Add the spreadsheets of a JSON or .xlsx snapshot (repeatable); an .xlsx "
            "file's key is its file name without .xlsx.",
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
    keys = []
    for snapshot in load or []:
        try:
            keys += emulator.load(snapshot)
        except (OSError, ValueError, KeyError) as exc:
            emulator.httpd.server_close()
            raise InvalidOptionError(
                (f"无法载入快照 {snapshot}：{exc}", f"cannot load the snapshot {snapshot}: {exc}"),
                hint=("给出 .json 或 .xlsx 快照文件", "give a .json or .xlsx snapshot file"),
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
