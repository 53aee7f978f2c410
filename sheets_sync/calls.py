"""What a gspread request is: its API method, its spreadsheet, whether it is safe to
repeat, and which per-user quota it counts against.

Method ids are Google's discovery ids (``sheets.spreadsheets.values.get``,
``drive.files.list``), the same the emulator logs.  The URL shapes are gspread 6.2's
(``gspread/urls.py``; research/gsheets.md §1.1, §2).

**Safe to repeat** (retried after a 429, a 5xx, a dropped connection or a timeout): a call
whose second run leaves the same result as one run.  Reads; ``values.update`` /
``values.batchUpdate`` / ``values.clear`` / ``values.batchClear`` and their byDataFilter
forms (they name the cells they set); Drive get/list/export/update/delete; and a
``spreadsheets.batchUpdate`` whose every request is in :data:`REPEATABLE_REQUESTS` (they
set properties, formats, validations or filters of ranges they name).  **Not repeated**:
``values.append`` (a second run adds the rows again), ``spreadsheets.create``, Drive
create/copy and permission create, ``sheets.copyTo``, and a batchUpdate with any request
that adds, inserts, deletes or moves (``addSheet``, ``insertDimension``,
``deleteDimension``, ``addConditionalFormatRule``, ``createDeveloperMetadata``,
``deleteSheet`` ...): a repeat after a lost answer would add twice, delete another row, or
fail on what the first run already removed.  Other methods follow HTTP (RFC 9110 §9.2.2):
GET, PUT and DELETE are idempotent, POST and PATCH are not.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

#: Sheets read methods (Google's "read requests" quota: every method that retrieves data,
#: https://developers.google.com/sheets/api/limits); other Sheets methods are writes
READS = frozenset(
    {
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.getByDataFilter",
        "sheets.spreadsheets.values.get",
        "sheets.spreadsheets.values.batchGet",
        "sheets.spreadsheets.values.batchGetByDataFilter",
        "sheets.spreadsheets.developerMetadata.get",
        "sheets.spreadsheets.developerMetadata.search",
    }
)
#: methods that may run twice with the result of once (module docstring)
REPEATABLE = READS | {
    "sheets.spreadsheets.values.update",
    "sheets.spreadsheets.values.batchUpdate",
    "sheets.spreadsheets.values.batchUpdateByDataFilter",
    "sheets.spreadsheets.values.clear",
    "sheets.spreadsheets.values.batchClear",
    "sheets.spreadsheets.values.batchClearByDataFilter",
    "drive.files.list",
    "drive.files.get",
    "drive.files.export",
    "drive.files.update",
    "drive.files.delete",
    "drive.permissions.list",
    "drive.permissions.get",
    "drive.permissions.delete",
}
#: methods never repeated, whatever their HTTP verb
NOT_REPEATABLE = frozenset(
    {
        "sheets.spreadsheets.create",
        "sheets.spreadsheets.values.append",
        "sheets.spreadsheets.sheets.copyTo",
        "drive.files.create",
        "drive.files.copy",
        "drive.permissions.create",
        "drive.comments.create",
    }
)
#: batchUpdate requests that set something on ranges or sheets they name, so a second run
#: changes nothing more (Request kinds of the Sheets v4 reference, camelCase)
REPEATABLE_REQUESTS = frozenset(
    {
        "updateSpreadsheetProperties",
        "updateSheetProperties",
        "updateDimensionProperties",
        "autoResizeDimensions",
        "repeatCell",
        "updateCells",
        "updateBorders",
        "setDataValidation",
        "setBasicFilter",
        "clearBasicFilter",
        "mergeCells",
        "unmergeCells",
        "updateConditionalFormatRule",
        "updateProtectedRange",
        "updateNamedRange",
        "updateDeveloperMetadata",
        "sortRange",
        "trimWhitespace",
    }
)

#: a spreadsheet's and a Drive file's path, the key captured; Google's method id prefixes
_SHEET = r"/v4/spreadsheets/([^/:?]+)"
_FILE = r"/drive/v3/files/([^/:?]+)"
_S, _V = "sheets.spreadsheets.", "sheets.spreadsheets.values."
#: (HTTP method or None for any, path pattern, method id, completed by a second group
#: when the pattern has one); the first match wins
_ROUTES: tuple[tuple[str | None, re.Pattern[str], str], ...] = tuple(
    (verb, re.compile(pattern + r"$"), mid)
    for verb, pattern, mid in (
        ("POST", r"/v4/spreadsheets", _S + "create"),
        ("GET", _SHEET, _S + "get"),
        (None, _SHEET + r":(batchUpdate|getByDataFilter)", _S),
        (None, _SHEET + r"/values:(\w+)", _V),
        (None, _SHEET + r"/values/[^/]+:(append|clear)", _V),
        ("GET", _SHEET + r"/values/[^/]+", _V + "get"),
        ("PUT", _SHEET + r"/values/[^/]+", _V + "update"),
        (None, _SHEET + r"/developerMetadata:search", _S + "developerMetadata.search"),
        (None, _SHEET + r"/developerMetadata/[^/]+", _S + "developerMetadata.get"),
        (None, _SHEET + r"/sheets/[^/]+:copyTo", _S + "sheets.copyTo"),
        ("GET", r"/drive/v3/files", "drive.files.list"),
        ("POST", r"/drive/v3/files", "drive.files.create"),
        ("GET", _FILE, "drive.files.get"),
        ("PATCH", _FILE, "drive.files.update"),
        ("DELETE", _FILE, "drive.files.delete"),
        (None, _FILE + r"/(copy|export)", "drive.files."),
        ("GET", _FILE + r"/permissions", "drive.permissions.list"),
        ("POST", _FILE + r"/permissions", "drive.permissions.create"),
        ("GET", _FILE + r"/permissions/[^/]+", "drive.permissions.get"),
        ("DELETE", _FILE + r"/permissions/[^/]+", "drive.permissions.delete"),
        ("GET", _FILE + r"/comments", "drive.comments.list"),
        ("POST", _FILE + r"/comments", "drive.comments.create"),
        ("PUT", r"/upload/drive/v2/files/([^/:?]+)", "drive.files.import"),
    )
)


def method_of(http_method: str, url: str) -> tuple[str, str | None]:
    """``(method id, spreadsheet or file key)`` of a request; the id is ``http.GET`` (the
    verb) for a URL no route knows, the key None when the URL names none."""
    path = urlsplit(url).path
    verb = http_method.upper()
    for want, pattern, mid in _ROUTES:
        if want is not None and want != verb:
            continue
        found = pattern.match(path)
        if found:
            groups = found.groups()
            key = groups[0] if groups else None
            suffix = groups[1] if len(groups) > 1 else ""
            return mid + suffix, key
    return f"http.{verb}", None


def quota_kind(method_id: str) -> str | None:
    """``"read"`` or ``"write"`` for a Sheets method (its per-user quota), None for Drive
    and the rest (Drive has its own, larger quota)."""
    if not method_id.startswith("sheets."):
        return None
    return "read" if method_id in READS else "write"


def repeatable(http_method: str, method_id: str, body: Any = None) -> bool:
    """True when the request may be sent again after a failure without changing the
    result (module docstring); ``body`` is the JSON body (a batchUpdate's requests)."""
    if method_id == "sheets.spreadsheets.batchUpdate":
        requests = (body or {}).get("requests") or []
        return all(_request_kind(r) in REPEATABLE_REQUESTS for r in requests)
    if method_id in REPEATABLE:
        return True
    if method_id in NOT_REPEATABLE:
        return False
    return http_method.upper() in ("GET", "HEAD", "PUT", "DELETE")


def _request_kind(request: Any) -> str:
    """The one key of a batchUpdate request, camelCase (``add_sheet`` -> ``addSheet``)."""
    if not isinstance(request, dict) or len(request) != 1:
        return ""
    (key,) = request
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
