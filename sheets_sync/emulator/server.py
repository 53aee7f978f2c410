"""The emulator's HTTP server: Sheets v4 under ``/v4/``, Drive v3 under ``/drive/v3/``, an
OAuth token endpoint at ``/token`` and the test controls under ``/_emulator/``.

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1: no web framework is needed for one JSON API,
and the server runs wherever the ``sheets`` extra is installed.  Every API request is routed
and checked through the discovery documents (``discovery.py``), authorised by its bearer
token, counted against the per-user quota, run under one lock, and logged.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
import time
from collections.abc import Collection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sheets_sync.emulator import append as appending
from sheets_sync.emulator import batch, discovery, drive, spreadsheets, values_api
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.faults import READ_METHODS, Controls
from sheets_sync.emulator.fields import parse_mask, select
from sheets_sync.emulator.grid import resolve, write_values
from sheets_sync.emulator.snapshot import load_data, load_snapshot
from sheets_sync.emulator.state import Store

#: the request body cap: 400 "Request payload size exceeds the limit: 10485760 bytes."
#: (research/gsheets.md §2.3, §4)
PAYLOAD_LIMIT = 10 * 1024 * 1024


class Emulator:
    """A running (after ``start()``) Sheets + Drive emulator.

    ``port`` 0 picks a free port; ``data_file`` keeps the state as JSON across runs (loaded
    at start when it exists, written after every change); ``cell_limit`` and
    ``payload_limit`` default to the real API's 10,000,000 cells and 10 MiB (tests lower
    them).  Raises ValueError when ``data_file``'s folder does not exist or the file is
    not the emulator's JSON; a save that fails later answers that request 500.  ``url``
    is ``http://127.0.0.1:PORT``.  Use as a context manager or call ``stop()``.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        data_file: str | Path | None = None,
        cell_limit: int | None = None,
        payload_limit: int = PAYLOAD_LIMIT,
        clock: Any = time.monotonic,
    ) -> None:
        self.store = Store() if cell_limit is None else Store(cell_limit)
        self.controls = Controls(clock=clock)
        self.payload_limit = payload_limit
        self.data_file = Path(data_file) if data_file else None
        if self.data_file and not self.data_file.absolute().parent.is_dir():
            raise ValueError(f"the folder of the data file {self.data_file} does not exist")
        if self.data_file and self.data_file.exists():
            self.store.load(json.loads(self.data_file.read_text(encoding="utf-8")))
        self.httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Emulator:
        """Serve in a background thread; returns self."""
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the CLI's way)."""
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def load(
        self, path: str | Path, key: str | None = None, taken: Collection[str] = ()
    ) -> list[str]:
        """Add the spreadsheets of a JSON or .xlsx snapshot (see ``snapshot.py``); returns
        their ids.  ``taken``: ids refused (ValueError), such as earlier snapshots' ids."""
        with self.store.lock:
            ids = load_snapshot(self.store, path, key, taken)
            self.save()
            return ids

    def save(self) -> None:
        """Write the state to ``data_file`` (atomically: a temporary file renamed).  Raises
        :class:`ApiError` 500 (answered to the request that changed the state, in Google's
        error shape; the change stays in memory) when the file cannot be written."""
        if self.data_file is None:
            return
        data = json.dumps(self.store.dump(), ensure_ascii=False)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.data_file.parent or ".", prefix=".emulator-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.data_file)
        except OSError as exc:
            raise ApiError(
                500,
                f"Internal error encountered: the emulator could not save its state to "
                f"{self.data_file}: {exc.strerror or exc}.",
            ) from None

    # -- requests -------------------------------------------------------------------------

    def call(self, call: discovery.Call, body: Any, fields: str | None) -> Any:
        """Run one checked API call under the lock; returns the reply (dict, None for an
        empty 204, or (bytes, content type) for an export)."""
        store, p, q = self.store, call.path, call.query
        mid = call.method.id
        if mid == "sheets.spreadsheets.create":
            return select(spreadsheets.create(store, body), parse_mask(fields or ""))
        if mid.startswith("drive."):
            return self._drive(mid, p, q, body)
        book = store.get(p["spreadsheetId"])
        handlers = {
            "sheets.spreadsheets.get": lambda: spreadsheets.get(book, q),
            "sheets.spreadsheets.getByDataFilter": lambda: spreadsheets.get_by_filter(
                book, body, fields
            ),
            "sheets.spreadsheets.batchUpdate": lambda: batch.batch_update(store, book, body),
            "sheets.spreadsheets.developerMetadata.search": lambda: spreadsheets.search_metadata(
                book, body
            ),
            "sheets.spreadsheets.developerMetadata.get": lambda: spreadsheets.get_metadata(
                book, p["metadataId"]
            ),
            "sheets.spreadsheets.sheets.copyTo": lambda: spreadsheets.copy_to(
                store, book, p["sheetId"], body
            ),
            "sheets.spreadsheets.values.get": lambda: values_api.get(book, p["range"], q),
            "sheets.spreadsheets.values.batchGet": lambda: values_api.batch_get(book, q),
            "sheets.spreadsheets.values.update": lambda: values_api.update(
                store, book, p["range"], q, body
            ),
            "sheets.spreadsheets.values.append": lambda: appending.append(
                store, book, p["range"], q, body
            ),
            "sheets.spreadsheets.values.batchUpdate": lambda: values_api.batch_update(book, body),
            "sheets.spreadsheets.values.clear": lambda: values_api.clear(book, p["range"]),
            "sheets.spreadsheets.values.batchClear": lambda: values_api.batch_clear(book, body),
            "sheets.spreadsheets.values.batchGetByDataFilter": lambda: (
                values_api.batch_get_by_filter(book, body)
            ),
            "sheets.spreadsheets.values.batchUpdateByDataFilter": lambda: values_api.batch_update(
                book, body, by_filter=True
            ),
            "sheets.spreadsheets.values.batchClearByDataFilter": lambda: values_api.batch_clear(
                book, body, by_filter=True
            ),
        }
        handler = handlers.get(mid)
        if handler is None:
            raise ApiError(501, f"The xl-crm Sheets emulator does not implement {mid}.")
        reply = handler()
        return select(reply, parse_mask(fields or ""))

    def _drive(self, mid: str, p: dict[str, str], q: dict[str, Any], body: Any) -> Any:
        store = self.store
        handlers = {
            "drive.files.list": lambda: drive.list_files(store, q),
            "drive.files.get": lambda: drive.get_file(store, p["fileId"], q),
            "drive.files.create": lambda: drive.create_file(store, q, body),
            "drive.files.copy": lambda: drive.copy_file(store, p["fileId"], q, body),
            "drive.files.update": lambda: drive.update_file(store, p["fileId"], q, body),
            "drive.files.delete": lambda: drive.delete_file(store, p["fileId"]),
            "drive.files.export": lambda: drive.export_file(store, p["fileId"], q),
            "drive.permissions.list": lambda: drive.list_permissions(store, p["fileId"], q),
            "drive.permissions.create": lambda: drive.create_permission(
                store, p["fileId"], q, body
            ),
            "drive.permissions.get": lambda: drive.get_permission(
                store, p["fileId"], p["permissionId"]
            ),
            "drive.permissions.delete": lambda: drive.delete_permission(
                store, p["fileId"], p["permissionId"]
            ),
            "drive.comments.list": lambda: drive.list_comments(store, p["fileId"], q),
            "drive.comments.create": lambda: drive.create_comment(store, p["fileId"], q, body),
        }
        handler = handlers.get(mid)
        if handler is None:
            raise ApiError(501, f"The xl-crm emulator does not implement {mid}.")
        return handler()

    def apply_edit(self, edit: dict[str, Any]) -> dict[str, Any]:
        """Another user's write ``{"spreadsheetId", "range", "values", "valueInputOption"}``:
        cells change and the Drive version goes up, as when a colleague types in the sheet."""
        book = self.store.get(edit["spreadsheetId"])
        sheet, bounds = resolve(book, edit["range"])
        rows = values_api.rows_of(edit.get("values"), edit.get("majorDimension"))
        write = values_api.plan_write(book, sheet, bounds, edit["range"], rows)
        write_values(
            book, sheet, write.row0, write.col0, rows, edit.get("valueInputOption", "USER_ENTERED")
        )
        return write.reply(book)

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The OAuth token endpoint: a JWT-bearer grant (service accounts) or a refresh-token
        grant (user credentials); ``invalid_grant`` once tokens are revoked."""
        grant = form.get("grant_type", "")
        if self.controls.revoked:
            return 400, {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            }
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                payload = form["assertion"].split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            except (KeyError, IndexError, ValueError):
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Invalid JWT Signature.",
                }
            return 200, self.controls.issue(
                claims.get("sub") or claims.get("iss", "service-account")
            )
        if grant == "refresh_token" and form.get("refresh_token"):
            return 200, self.controls.issue(form.get("client_id") or "oauth-user")
        return 400, {
            "error": "unsupported_grant_type",
            "error_description": f"Invalid grant_type: {grant}",
        }


def _make_handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    from sheets_sync.emulator.control import control

    class Handler(BaseHTTPRequestHandler):
        """One request to the emulator."""

        protocol_version = "HTTP/1.1"
        server_version = "xl-crm-sheets-emulator"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is at GET /_emulator/requests."""

        def do_GET(self) -> None:
            self.handle_any("GET")

        def do_POST(self) -> None:
            self.handle_any("POST")

        def do_PUT(self) -> None:
            self.handle_any("PUT")

        def do_PATCH(self) -> None:
            self.handle_any("PATCH")

        def do_DELETE(self) -> None:
            self.handle_any("DELETE")

        def send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> int:
            if isinstance(body, tuple):
                data, kind = body
            elif body is None:
                data, kind = b"", "text/html"
            else:
                data, kind = (
                    json.dumps(body, ensure_ascii=False).encode("utf-8"),
                    "application/json; charset=UTF-8",
                )
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            return len(data)

        def handle_any(self, http_method: str) -> None:
            raw_path, _, raw_query = self.path.partition("?")
            query = parse_qs(raw_query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            if length > emulator.payload_limit:
                self.rfile.read(length)
                error = ApiError.bad_request(
                    f"Request payload size exceeds the limit: {emulator.payload_limit} bytes."
                )
                self.send(400, error.body())
                return
            raw = self.rfile.read(length) if length else b""
            if raw_path.startswith("/_emulator/"):
                status, reply = control(emulator, http_method, raw_path, query, raw)
                self.send(status, reply)
                return
            entry: dict[str, Any] = {
                "time": time.time(),  # when it arrived (Unix seconds): waits between calls
                "method": http_method,
                "path": raw_path,
                "query": query,
                "bytesIn": length,
            }
            status, reply, headers = self.answer(http_method, raw_path, query, raw, entry)
            entry["status"] = status
            entry["bytesOut"] = self.send(status, reply, headers)

        def answer(
            self,
            http_method: str,
            raw_path: str,
            query: dict[str, list[str]],
            raw: bytes,
            entry: dict[str, Any],
        ) -> tuple[int, Any, dict[str, str]]:
            controls = emulator.controls
            try:
                entry["api"] = discovery.route(http_method, raw_path, {}).method.id
            except ApiError:
                entry["api"] = "oauth.token" if raw_path == "/token" else None
            with emulator.store.lock:
                controls.log.append(entry)
                fault = controls.take_fault(http_method, raw_path)
            if fault is not None and fault.hang_seconds:
                time.sleep(fault.hang_seconds)
            if raw_path == "/token":
                if fault is not None and (fault.invalid_grant or fault.status):
                    return (
                        fault.status or 400,
                        {
                            "error": "invalid_grant",
                            "error_description": "Token has been expired or revoked.",
                        },
                        {},
                    )
                form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()}
                with emulator.store.lock:
                    status, reply = emulator.token(form)
                return status, reply, {}
            if fault is not None and fault.status:
                return self.fault_reply(fault)
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                return (
                    400,
                    ApiError.bad_request("Invalid JSON payload received. Unexpected token.").body(),
                    {},
                )
            entry["body"] = body
            try:
                with emulator.store.lock:
                    call = discovery.route(http_method, raw_path, query)
                    entry["user"] = user = controls.user_of(self.headers.get("Authorization"))
                    controls.charge(user, call.method.id)
                    checked = discovery.check_body(call.method, body)
                    reply = emulator.call(call, checked, call.query.get("fields"))
                    if call.method.id not in READ_METHODS and http_method != "GET":
                        emulator.save()
                    for edit in controls.due_edits():
                        emulator.apply_edit(edit)
                        emulator.save()
            except ApiError as error:
                return error.code, error.body(), error.headers
            return (204 if reply is None else 200), reply, {}

        def fault_reply(self, fault: Any) -> tuple[int, Any, dict[str, str]]:
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            if fault.html:
                page = f"<html><body><h1>Error {fault.status}</h1></body></html>".encode()
                return fault.status, (page, "text/html"), headers
            messages = {
                401: "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per "
                "minute per user'.",
                500: "Internal error encountered.",
                503: "The service is currently unavailable.",
            }
            error = ApiError(
                fault.status, messages.get(fault.status, "Injected fault."), headers=headers
            )
            return fault.status, error.body(), headers

    return Handler


def load_into(emulator: Emulator, data: dict[str, Any]) -> list[str]:
    """Add snapshot ``data`` (either JSON form) to a running emulator; returns the ids."""
    with emulator.store.lock:
        ids = load_data(emulator.store, data)
        emulator.save()
        return ids
