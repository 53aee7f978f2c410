"""The Drive v3 calls gspread makes: files list / get / create / copy / update / delete /
export, permissions list / get / create / delete, and comments list / create (what
gspread's ``Client.copy(copy_comments=True)``, its default, sends)
(https://developers.google.com/drive/api/reference/rest/v3/files,
https://developers.google.com/drive/api/reference/rest/v3/comments).

Only Google Sheets files live here.  A file has ``kind, id, name, mimeType, createdTime,
modifiedTime, version`` (a monotonic counter, sent as a string like every int64 in Google's
JSON); the default reply carries ``kind, id, name, mimeType`` (gspread's recorded
``ClientTest.test_create``).  ``q`` understands the clauses gspread sends:
``mimeType="..."``, ``name = "..."``, ``name contains '...'``, ``'<id>' in parents`` and
``trashed = false``, joined by ``and``.
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any

from sheets_sync.emulator.batch import working_copy
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.fields import parse_mask, select
from sheets_sync.emulator.state import (
    SPREADSHEET_MIME,
    Spreadsheet,
    Store,
    new_id,
    new_spreadsheet,
    now_rfc3339,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CLAUSE = re.compile(
    r"""^\s*(?:(?P<field>mimeType|name)\s*(?P<op>=|!=|contains)\s*(?P<q1>["'])(?P<value>.*?)(?P=q1)"""
    r"""|(?P<q2>["'])(?P<parent>.*?)(?P=q2)\s+in\s+parents|trashed\s*=\s*(?P<trashed>true|false))\s*$"""
)


def not_found(file_id: str) -> ApiError:
    """Drive's 404, with its ``errors`` list."""
    message = f"File not found: {file_id}."
    return ApiError(
        404,
        message,
        errors=[
            {
                "domain": "global",
                "reason": "notFound",
                "message": message,
                "locationType": "parameter",
                "location": "fileId",
            }
        ],
    )


def file_json(book: Spreadsheet) -> dict[str, Any]:
    """The File resource of a spreadsheet (every field the emulator knows)."""
    return {
        "kind": "drive#file",
        "id": book.id,
        "name": book.title,
        "mimeType": SPREADSHEET_MIME,
        "createdTime": book.created,
        "modifiedTime": book.modified,
        "version": str(book.version),
        "parents": list(book.parents),
        "trashed": False,
        "webViewLink": f"https://docs.google.com/spreadsheets/d/{book.id}/edit",
    }


def _reply(book: Spreadsheet, fields: str | None) -> dict[str, Any]:
    data = file_json(book)
    if not fields:
        return {k: data[k] for k in ("kind", "id", "name", "mimeType")}
    return select(data, parse_mask(fields))


def _book(store: Store, file_id: str) -> Spreadsheet:
    try:
        return store.get(file_id)
    except ApiError:
        raise not_found(file_id) from None


def _matches(book: Spreadsheet, query: str) -> bool:
    for clause in re.split(r"\s+and\s+", query.strip()) if query.strip() else []:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ApiError(
                400,
                "Invalid Value",
                errors=[
                    {
                        "domain": "global",
                        "reason": "invalid",
                        "message": "Invalid Value",
                        "locationType": "parameter",
                        "location": "q",
                    }
                ],
            )
        if match["trashed"]:
            ok = match["trashed"] == "false"
        elif match["parent"] is not None:
            ok = match["parent"] in book.parents
        else:
            actual = SPREADSHEET_MIME if match["field"] == "mimeType" else book.title
            value = match["value"].replace("\\'", "'")
            ok = (
                value in actual
                if match["op"] == "contains"
                else (actual == value) == (match["op"] == "=")
            )
        if not ok:
            return False
    return True


def list_files(store: Store, query: dict[str, Any]) -> dict[str, Any]:
    """files.list with ``q``, ``pageSize`` (default 100, at most 1000), ``pageToken``."""
    found = [b for b in store.books.values() if _matches(b, query.get("q") or "")]
    found.sort(key=lambda b: b.modified, reverse=True)
    size = min(max(query.get("pageSize") or 100, 1), 1000)
    start = int(query.get("pageToken") or 0)
    page = found[start : start + size]
    out: dict[str, Any] = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": [file_json(b) for b in page],
    }
    if start + size < len(found):
        out["nextPageToken"] = str(start + size)
    fields = query.get("fields")
    if not fields:
        out["files"] = [{k: f[k] for k in ("kind", "id", "name", "mimeType")} for f in out["files"]]
        return out
    return select(out, parse_mask(fields))


def get_file(store: Store, file_id: str, query: dict[str, Any]) -> dict[str, Any]:
    """files.get (``fields=version,modifiedTime`` is the cheap "anything changed?" check)."""
    return _reply(_book(store, file_id), query.get("fields"))


def create_file(store: Store, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """files.create of a Google Sheets file (gspread's ``create``)."""
    if body.get("mimeType") != SPREADSHEET_MIME:
        raise ApiError(501, f"The xl-crm emulator only creates {SPREADSHEET_MIME} files.")
    book = store.add(new_spreadsheet(body.get("name") or "Untitled spreadsheet"))
    book.parents = list(body.get("parents") or [])
    return _reply(book, query.get("fields"))


def copy_file(
    store: Store, file_id: str, query: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """files.copy: a new spreadsheet with the same sheets and cells."""
    source = _book(store, file_id)
    clone = working_copy(source)
    book = Spreadsheet(
        new_id(), clone.properties, clone.sheets, clone.named_ranges, clone.developer_metadata
    )
    book.properties["title"] = body.get("name") or f"Copy of {source.title}"
    book.parents = list(body.get("parents") or source.parents)
    book.permissions = copy.deepcopy(source.permissions[:1])
    store.add(book)
    return _reply(book, query.get("fields"))


def update_file(
    store: Store, file_id: str, query: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """files.update: ``name`` renames the spreadsheet."""
    book = _book(store, file_id)
    if body.get("name"):
        book.properties["title"] = body["name"]
        book.touch()
    return _reply(book, query.get("fields"))


def delete_file(store: Store, file_id: str) -> None:
    """files.delete: answered 204 with no body (gspread's recorded ``test_del_spreadsheet``)."""
    _book(store, file_id)
    del store.books[file_id]


def export_file(store: Store, file_id: str, query: dict[str, Any]) -> tuple[bytes, str]:
    """files.export as .xlsx (openpyxl) or CSV of the first sheet: (bytes, content type)."""
    from sheets_sync.emulator.snapshot import to_csv, to_xlsx

    book = _book(store, file_id)
    mime = query.get("mimeType")
    if mime == XLSX_MIME:
        return to_xlsx(book), mime
    if mime == "text/csv":
        return to_csv(book.sheets[0]).encode("utf-8"), "text/csv"
    raise ApiError(
        400, f"Export of {SPREADSHEET_MIME} to {mime} is not supported by the xl-crm emulator."
    )


def list_permissions(store: Store, file_id: str, query: dict[str, Any]) -> dict[str, Any]:
    """permissions.list."""
    perms = [{"kind": "drive#permission", **p} for p in _book(store, file_id).permissions]
    out = {"kind": "drive#permissionList", "permissions": perms}
    return select(out, parse_mask(query.get("fields") or ""))


def create_permission(
    store: Store, file_id: str, query: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """permissions.create (``user``, ``group``, ``domain``, ``anyone``; roles as Drive's)."""
    book = _book(store, file_id)
    kind, role = body.get("type"), body.get("role")
    if kind not in ("user", "group", "domain", "anyone") or role not in (
        "owner",
        "organizer",
        "fileOrganizer",
        "writer",
        "commenter",
        "reader",
    ):
        raise ApiError(
            400,
            "Invalid permission type or role.",
            errors=[
                {
                    "domain": "global",
                    "reason": "invalid",
                    "message": "Invalid permission type or role.",
                }
            ],
        )
    if kind in ("user", "group") and not body.get("emailAddress"):
        raise ApiError(
            400,
            "An email address must be supplied.",
            errors=[
                {
                    "domain": "global",
                    "reason": "required",
                    "message": "An email address must be supplied.",
                }
            ],
        )
    perm = {
        "id": f"{len(book.permissions)}{new_id(8)}",
        **{k: v for k, v in body.items() if v is not None},
    }
    book.permissions.append(perm)
    book.touch()
    return {"kind": "drive#permission", **perm}


def get_permission(store: Store, file_id: str, permission_id: str) -> dict[str, Any]:
    """permissions.get."""
    for perm in _book(store, file_id).permissions:
        if perm["id"] == permission_id:
            return {"kind": "drive#permission", **perm}
    raise ApiError(404, f"Permission not found: {permission_id}.")


def delete_permission(store: Store, file_id: str, permission_id: str) -> None:
    """permissions.delete."""
    book = _book(store, file_id)
    get_permission(store, file_id, permission_id)
    book.permissions = [p for p in book.permissions if p["id"] != permission_id]
    book.touch()


def _fields_required(query: dict[str, Any]) -> str:
    """Drive v3's comments methods answer 400 without ``fields`` ("The 'fields' parameter
    is required for this method", Manage comments and replies,
    https://developers.google.com/workspace/drive/api/guides/manage-comments)."""
    fields = query.get("fields")
    if not fields:
        message = "The 'fields' parameter is required for this method."
        raise ApiError(
            400,
            message,
            errors=[
                {
                    "domain": "global",
                    "reason": "required",
                    "message": message,
                    "locationType": "parameter",
                    "location": "fields",
                }
            ],
        )
    return fields


def list_comments(store: Store, file_id: str, query: dict[str, Any]) -> dict[str, Any]:
    """comments.list: the file's comments, oldest first, ``pageSize`` (default 20, at most
    100) a page, ``pageToken``; deleted ones only with ``includeDeleted``.  A copy starts
    with none (files.copy does not copy comments: gspread re-creates them)."""
    fields = _fields_required(query)
    found = [
        c for c in _book(store, file_id).comments if query.get("includeDeleted") or not c["deleted"]
    ]
    size = min(max(query.get("pageSize") or 20, 1), 100)
    start = int(query.get("pageToken") or 0)
    out: dict[str, Any] = {"kind": "drive#commentList", "comments": found[start : start + size]}
    if start + size < len(found):
        out["nextPageToken"] = str(start + size)
    return select(out, parse_mask(fields))


def create_comment(
    store: Store, file_id: str, query: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """comments.create: ``content`` is required, ``anchor`` kept as given; the author is
    the caller ("me")."""
    fields = _fields_required(query)
    book = _book(store, file_id)
    if not body.get("content"):
        raise ApiError(
            400,
            "Required parameter: content",
            errors=[{"domain": "global", "reason": "required", "message": "Required: content"}],
        )
    when = now_rfc3339()
    comment = {
        "kind": "drive#comment",
        "id": new_id(16),
        "createdTime": when,
        "modifiedTime": when,
        "author": {"kind": "drive#user", "displayName": "xl-crm emulator", "me": True},
        "htmlContent": html.escape(body["content"]),
        "content": body["content"],
        "deleted": False,
        "resolved": False,
        "replies": [],
        **({"anchor": body["anchor"]} if body.get("anchor") else {}),
    }
    book.comments.append(comment)
    book.touch()
    return select(comment, parse_mask(fields))
