"""The test controls under ``/_emulator/`` (documented in ``faults.py`` and
docs/sheets-emulator.md): faults, tokens, quotas, the clock, edits by another user, the
request log, the state, reset and health."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sheets_sync.emulator.errors import ApiError

if TYPE_CHECKING:
    from sheets_sync.emulator.server import Emulator


def control(
    emulator: Emulator, method: str, path: str, query: dict[str, list[str]], raw: bytes
) -> tuple[int, Any]:
    """Answer one ``/_emulator/...`` request: (status, JSON reply)."""
    from sheets_sync.emulator.server import load_into

    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return 400, ApiError.bad_request("The body is not JSON.").body()
    controls, name = emulator.controls, path.removeprefix("/_emulator/").strip("/")
    try:
        with emulator.store.lock:
            if name == "health":
                return 200, {"ok": True, "spreadsheets": len(emulator.store.books)}
            if name == "requests" and method == "GET":
                return 200, {"requests": list(controls.log)}
            if name == "requests" and method == "DELETE":
                controls.log.clear()
                return 200, {}
            if name == "faults" and method == "POST":
                controls.add_faults(body.get("faults", []))
                return 200, {"faults": len(controls.faults)}
            if name == "faults" and method == "DELETE":
                controls.faults.clear()
                return 200, {}
            if name == "tokens" and method in ("GET", "POST"):
                if "revoke" in body:
                    controls.revoked = bool(body["revoke"])
                if "expiresIn" in body:
                    controls.expires_in = int(body["expiresIn"])
                return 200, {"revoked": controls.revoked, "expiresIn": controls.expires_in}
            if name == "quota" and method == "POST":
                controls.reads_per_minute = body.get("readsPerMinute", controls.reads_per_minute)
                controls.writes_per_minute = body.get("writesPerMinute", controls.writes_per_minute)
                return 200, {
                    "readsPerMinute": controls.reads_per_minute,
                    "writesPerMinute": controls.writes_per_minute,
                }
            if name == "clock" and method == "POST":
                controls.clock_offset += float(body.get("advance", 0))
                return 200, {"now": controls.now()}
            if name == "edits" and method == "POST":
                if int(body.get("afterRequests", 0)) > 0:
                    controls.edits.append(body)
                    return 200, {"scheduled": True}
                reply = emulator.apply_edit(body)
                emulator.save()
                return 200, reply
            if name == "state" and method == "GET":
                return 200, emulator.store.dump()
            if name == "state" and method == "POST":
                return 200, {"spreadsheetIds": load_into(emulator, body)}
            if name == "reset" and method == "POST":
                controls.reset()
                if not body.get("keepData"):
                    emulator.store.books.clear()
                    emulator.save()
                return 200, {}
    except ApiError as error:
        return error.code, error.body()
    except (KeyError, TypeError, ValueError) as error:
        return 400, ApiError.bad_request(f"Bad control request: {error!r}").body()
    return 404, ApiError.not_found(f"No emulator control {method} {path}").body()
