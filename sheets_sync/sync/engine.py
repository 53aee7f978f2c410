"""``sync``: keep a workbook and a Google Sheet in step without losing anyone's edit.

One pass (docs/sync.md, "How a sync works"):

1. **Gate** (one Drive request): the spreadsheet's Drive ``version`` and the workbook's
   SHA-256 against those recorded at the last sync; both unchanged and no conflict left
   open: nothing to do.
2. **Read** both sides through their Books (:mod:`sheets_sync.sync.sides`) and load the
   snapshot of the last sync (:mod:`sheets_sync.sync.state`).
3. **Merge** each template sheet that has a key, three ways (:mod:`sheets_sync.sync.merge`).
4. **Write the sheet** (:mod:`sheets_sync.sync.sheetwrite`): check the rows again, one
   atomic ``batchUpdate``, read the written cells back.  A row that changed since the read
   starts the pass again (at most ``max_passes`` times, then
   :class:`xl_crm.errors.SyncRaceError`).
5. **Write the workbook** (:mod:`sheets_sync.sync.localwrite`) through the in-place
   writer, when the file is still the one read (else the pass starts again).
6. **Record** the new snapshot, in one transaction.

A sync killed at any step leaves each side whole (one atomic request, one atomic file
replace) and the old snapshot; the next sync's merge finishes the job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sheets_sync.sync import localwrite, sheetwrite
from sheets_sync.sync import state as snapshots
from sheets_sync.sync.merge import DIRECTIONS, POLICIES, MergePlan, merge
from sheets_sync.sync.report import planned_cells
from sheets_sync.sync.result import SheetSync, SyncResult
from sheets_sync.sync.sides import SideRows, side_rows, synced_fields
from xl_crm.errors import (
    DamagedWorkbookError,
    InvalidOptionError,
    NoMatchingSheetError,
    NothingToSyncError,
    ReadOnlyBookError,
    SyncBusyError,
    SyncRaceError,
    WorkbookOpenError,
)

__all__ = ["SheetSync", "SyncResult", "sync"]

#: gspread's Drive v3 files URL (gspread.urls.DRIVE_FILES_API_V3_URL)
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"


def sync(
    book: str | Path,
    spreadsheet: Any,
    *,
    template: str | Path | None = None,
    direction: str = "both",
    prefer: str = "none",
    client: Any = None,
    state: Any = None,
    report: str | Path | None = None,
    dry_run: bool = False,
    backups: int = 5,
    audit_log: Path | None = None,
    actor: str | None = None,
    max_passes: int = 3,
    progress: Callable[[str], None] | None = None,
) -> SyncResult:
    """Sync the workbook ``book`` (.xlsx/.xlsm) and the Google Sheet ``spreadsheet``
    (``gsheet://KEY``, its address, or its key), matching rows by the template's key.

    ``template``: a built-in name or YAML path (default: the one the workbook or the sheet
    records); ``direction``: ``push`` (write the sheet only), ``pull`` (the workbook only)
    or ``both``; ``prefer``: how a conflict is settled, ``sheet``, ``local``, ``newest`` (the
    side whose file changed last: Drive's ``modifiedTime`` against the workbook's mtime;
    the Sheets API keeps no time per cell) or ``none`` (both left, listed);
    ``client``: a gspread ``Client``, or a function making one (called only once the
    workbook's checks passed; default ``sheets_sync.connect()``); ``state``: the
    state store, a SQLAlchemy URL or an open :class:`sheets_sync.service.store.Store` (the
    service passes its own; default :func:`sheets_sync.sync.state.default_state`); ``report``:
    where the conflicts report (CSV) goes (default ``BOOK-sync-conflicts.csv`` beside the
    workbook; written only when there are conflicts); ``dry_run``: merge and report, write
    nothing; ``backups``, ``audit_log``, ``actor``: as the in-place writer takes them;
    ``progress(step)``: called with each step's name.

    Raises :class:`xl_crm.errors.InvalidOptionError` (direction, policy),
    :class:`xl_crm.WorkbookError` (the workbook: missing, read-only for a pull, a key
    column with empty or repeated keys), :class:`xl_crm.errors.SheetsError` (the API),
    :class:`xl_crm.errors.SyncBusyError` (another sync of the pair is running),
    :class:`xl_crm.errors.SyncRaceError` (the sheet kept changing under the sync),
    :class:`xl_crm.errors.NothingToSyncError`.  On any of them nothing more is written
    and the snapshot is as it was."""
    _check_choice("direction", direction, DIRECTIONS)
    _check_choice("prefer", prefer, POLICIES)
    path = Path(book)
    from xl_crm.book import open_book as open_local

    local_book = open_local(path)  # FileMissingError, NotASpreadsheetError
    local_book.close()
    if direction != "push" and not dry_run and not local_book.writable:
        raise ReadOnlyBookError(
            ("这个文件只能读，不能写入同步结果", "this file can be read but not written"),
            file=str(path),
            hint=("另存为 .xlsx，或用 push 只写表格", "save it as .xlsx, or use push"),
        )
    if direction != "push" and not dry_run:
        from xl_crm.xlsx.atomic import check_writable

        check_writable(path)  # before anything is written on either side
    if client is None:
        from sheets_sync.connect import connect

        client = connect()
    elif callable(client) and not hasattr(client, "open_by_key"):
        client = client()  # a factory: called once the workbook's checks passed
    key = _key_of(spreadsheet)
    result = SyncResult(path, key, direction, prefer, dry_run=dry_run)
    stats = getattr(getattr(client, "http_client", None), "stats", None)
    before = stats.as_dict() if stats is not None else None
    lock = snapshots.pair_lock(path, key)
    from filelock import Timeout

    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SyncBusyError(
            (
                "这个工作簿和表格的另一次同步正在进行",
                "another sync of this workbook and sheet is running",
            ),
            file=str(path),
        ) from None
    given = state if hasattr(state, "engine") else None
    store = given or snapshots.open_state(state or snapshots.default_state(path))
    try:
        for attempt in range(1, max_passes + 1):
            result.passes = attempt
            stamp = _mtime(path)
            try:
                with _no_gc_pauses():
                    _one_pass(result, path, key, client, store, template, report, backups,
                              audit_log, actor, progress or (lambda step: None))  # fmt: skip
                break
            except (zipfile.BadZipFile, DamagedWorkbookError):
                if _mtime(path) == stamp or attempt == max_passes:
                    raise  # damaged as it is, not half saved while we read it
            except _Again as again:
                if attempt == max_passes:
                    raise SyncRaceError(
                        (
                            f"同步时表格或工作簿一直在变（{again}），本轮没有写入任何内容",
                            f"the sheet or the workbook kept changing during the sync "
                            f"({again}); nothing of the last pass was written",
                        ),
                        file=key,
                    ) from None
    finally:
        if given is None:
            store.close()
        lock.release()
        if stats is not None and before is not None:
            now = stats.as_dict()
            result.requests = now["requests"] - before["requests"]
            result.bytes_sent = now["bytes_sent"] - before["bytes_sent"]
            result.bytes_received = now["bytes_received"] - before["bytes_received"]
    return result


@contextlib.contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Python's cycle collector off for one pass: a pass reads hundreds of thousands of
    rows, each a new list, and the collector's full passes over them would take a third of
    the time (a pass makes no reference cycles worth collecting; it runs once after)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Again(Exception):
    """A side changed between the pass's read and its write: start the pass again."""


def _one_pass(
    result: SyncResult,
    path: Path,
    key: str,
    client: Any,
    store: Any,
    template: Any,
    report: Any,
    backups: int,
    audit_log: Path | None,
    actor: str | None,
    progress: Callable[[str], None],
) -> None:
    from sheets_sync.book import open_book as open_sheet
    from xl_crm.pipeline import spec_for
    from xl_crm.xlsx.atomic import sha256
    from xl_crm.xlsx.book import XlsxBook

    progress("gate")
    version, modified = drive_version(client, key)
    book_sha = sha256(path)
    result.sheets = []
    remote = open_sheet(f"gsheet://{key}", client)
    local = XlsxBook(path, backups=backups, audit_log=audit_log)
    try:
        remote_names = template is None and local.template() is None and remote.template()
        spec = spec_for(remote, None) if remote_names else spec_for(local, template)
        pairs = {s.id: snapshots.pair_id(path, key, s.id) for s in spec.sheets if s.key}
        snaps = {sid: snapshots.load(store, pid) for sid, pid in pairs.items()}
        if all(v is None for v in snaps.values()):  # synced by hand before the service?
            snaps = snapshots.load_beside(store, path, pairs) or snaps
        if snaps and all(
            s is not None and s.sheet_version == version and s.book_sha256 == book_sha
            for s in snaps.values()
        ):
            result.unchanged = True
            return
        progress("read")
        try:
            ours = local.read(spec)
        except NoMatchingSheetError:
            raise NothingToSyncError(
                (
                    f"工作簿中没有与模板 {spec.name} 的表头相符的工作表",
                    f"no sheet of the workbook has the headers of the template {spec.name}",
                ),
                file=str(path),
                hint=(
                    f"新工作簿请先用 xl-crm template build {spec.name} -o {path.name} 建立，"
                    "再 xl-crm sync pull",
                    f"for a new workbook run xl-crm template build {spec.name} -o {path.name} "
                    "first, then xl-crm sync pull",
                ),
            ) from None
        try:
            theirs = remote.read(spec)
        except NoMatchingSheetError:
            raise NothingToSyncError(
                (
                    f"表格 {remote.name} 中没有与模板 {spec.name} 的表头相符的工作表",
                    f"no sheet of the spreadsheet {remote.name} has the headers of the "
                    f"template {spec.name}",
                ),
                file=key,
                hint=(
                    f"空表格请先运行 xl-crm sheets build {key} -t {spec.name}（写入表头），再同步",
                    f"for a blank spreadsheet run xl-crm sheets build {key} -t {spec.name} "
                    "first (it writes the headers), then sync",
                ),
            ) from None
        first = next((s for s in snaps.values() if s is not None), None)
        newer = snapshots.newer_side(first, modified, _mtime(path))
        work: list[tuple[str, SideRows, SideRows, MergePlan, SheetSync]] = []
        for sid in pairs:
            if sid not in ours or sid not in theirs:
                continue
            lt, st = ours[sid], theirs[sid]
            fields = synced_fields(lt, st)
            if lt.spec.key not in fields:
                continue
            lside = side_rows(lt, local.rows(lt.sheet), fields, str(path))
            sside = side_rows(st, remote.rows(st.sheet), fields, remote.name)
            snap = snaps[sid]
            base = snap.aligned(fields) if snap is not None else None
            plan = merge(fields, base, lside.rows, sside.rows, direction=result.direction,
                         prefer=result.prefer, newer=newer,
                         same_meaning=_same_meaning(lside, sside))  # fmt: skip
            _keep_uncached_formulas(plan, lside, path, base)
            done = SheetSync(sid, lt.sheet, st.sheet)
            done.letters = (dict(lt.letters), dict(st.letters))
            done.keys = {**sside.key_text, **lside.key_text}
            done.rows_of = {k: (lside.row_of.get(k), sside.row_of.get(k))
                            for k in {*lside.row_of, *sside.row_of}}  # fmt: skip
            work.append((sid, lside, sside, plan, done))
        if not work:
            raise NothingToSyncError(
                (
                    f"工作簿和表格没有可同步的模板工作表（模板 {spec.name}）",
                    f"the workbook and the sheet have no template sheet to sync in common "
                    f"(template {spec.name})",
                ),
                file=str(path),
                hint=None if template is None else (
                    f"确认两边都有模板 {spec.name} 中带编号列的工作表（表头可被识别）",
                    f"make sure both sides have a sheet of the template {spec.name} with its "
                    "key column, under headers xl-crm recognises",
                ),
            )  # fmt: skip
        progress("merge")
        for _, lside, sside, plan, done in work:
            _count(done, plan)
            if result.dry_run:
                done.planned = planned_cells(plan, lside, sside)
        if result.dry_run:
            result.sheets = [w[4] for w in work]
            _report(result, path, report)
            return
        local_writes = [localwrite.plan_local_write(lside, plan) for _, lside, _, plan, _ in work]
        lock = localwrite.editor_lock(path) if any(w.columns for w in local_writes) else None
        if lock is not None:  # its next save would undo what we write: write nothing
            raise WorkbookOpenError(
                (f"工作簿正在被编辑（{lock.name}），未写入任何内容",
                 f"the workbook is open in a spreadsheet program ({lock.name}); nothing "
                 "was written on either side"),
                file=str(path),
            )  # fmt: skip
        progress("write sheet")
        writes = []
        for _, _, sside, plan, done in work:
            info = remote.fetch.info(sside.table.sheet)
            formulas = remote.fetch.formulas_of(sside.table.sheet)
            write = sheetwrite.plan_sheet_write(sside, plan, info.sheet_id, info.rows, formulas)
            writes.append((write, done))
        batch = [r for w, _ in writes for r in w.requests]
        checked = drive_version(client, key)[0] if batch else None  # just before the check
        try:
            for w, _ in writes:
                sheetwrite.check_rows(remote, w)
        except sheetwrite.SheetMoved as moved:
            raise _Again(", ".join(moved.cells)) from None
        if batch:
            remote.spreadsheet.batch_update({"requests": batch})
            for w, done in writes:
                done.changed_after_write = sheetwrite.read_back(remote, w)
            after, modified = drive_version(client, key)  # our own write's time, not a person's
            # more than our one change, and none seen after our write: someone wrote between
            # the check and the write (an edit just after it shows in the read-back instead)
            late = any(done.changed_after_write for _, done in writes)
            if _moved_on(checked, after) and not late:
                for w, done in writes:
                    done.written_while_edited = sheetwrite.written_cells(w)
        progress("write workbook")
        if any(w.columns for w in local_writes):
            if sha256(path) != book_sha:  # saved in Excel since we read it
                raise _Again(str(path))
            local.close()
            localwrite.write_local(path, local_writes, backups=backups, audit_log=audit_log,
                                   actor=actor)  # fmt: skip
        if audit_log is not None and batch:
            from xl_crm.audit import append_record

            append_record(audit_log, action="sync-sheet", actor=actor, spreadsheet=key,
                          requests=len(batch),
                          cells=sum(w.cells for w, _ in writes),
                          rows_added=sum(w.appended for w, _ in writes),
                          rows_deleted=sum(w.deleted for w, _ in writes))  # fmt: skip
        progress("record")
        now = dt.datetime.now(dt.UTC)
        open_left = any(w[4].conflicts for w in work)
        mtime = _mtime(path)
        snapshots.save(store, [
            (pairs[sid], {"book": str(path.resolve()), "spreadsheet": key, "sheet": sid},
             snapshots.Snapshot(plan.fields, plan.base, None if open_left else version,
                                book_sha, now, modified, mtime))
            for sid, _, _, plan, _ in work
        ])  # fmt: skip
        result.sheets = [w[4] for w in work]
        _report(result, path, report)
    finally:
        local.close()
        remote.close()


def drive_version(client: Any, key: str) -> tuple[str | None, dt.datetime | None]:
    """The spreadsheet's Drive ``version`` and ``modifiedTime`` (one Drive ``files.get``:
    ``fields=version,modifiedTime``)."""
    http = getattr(client, "http_client", client)
    params = {"fields": "version,modifiedTime", "supportsAllDrives": True}
    got = http.request("get", f"{DRIVE_FILES}/{key}", params=params).json()
    when = got.get("modifiedTime")
    moment = dt.datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None
    return (str(got["version"]) if got.get("version") is not None else None), moment


def _keep_uncached_formulas(
    plan: MergePlan, local: SideRows, path: Path, base: dict[str, list[Any]] | None
) -> None:
    """A workbook cell holding a formula with no saved result (a file written by a program
    that does not calculate) reads as empty: it is not an emptied cell, so the sheet's
    value is not blanked by it (the cell is left out of the plan, the snapshot as it was)."""
    empties = [(k, i) for k, cells in plan.to_sheet.items() for i, v in cells.items() if v is None]
    if not empties:
        return
    from xl_crm.xlsx.peek import uncached_formulas

    formulas = uncached_formulas(path, local.table.sheet)
    for key, i in empties:
        row = local.row_of[key]
        if f"{local.table.letters[plan.fields[i]]}{row}" in formulas:
            del plan.to_sheet[key][i]
            plan.base[key][i] = (base or {}).get(key, [None] * len(plan.fields))[i]
            if not plan.to_sheet[key]:
                del plan.to_sheet[key]


def _moved_on(before: str | None, after: str | None) -> bool:
    """Whether the Drive version went up by more than the one change of our batchUpdate
    between ``before`` (read just before the check) and ``after`` (just after the write)."""
    try:
        return int(after) > int(before) + 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _same_meaning(local: SideRows, sheet: SideRows) -> Callable[[str, int], bool]:
    """Whether a cell of both sides reads as the same value of its column's type."""

    def same(key: str, index: int) -> bool:
        mine = local.meaning(key, index)
        return mine is not None and mine == sheet.meaning(key, index)

    return same


def _count(done: SheetSync, plan: MergePlan) -> None:
    done.cells_to_sheet = plan.cells_to_sheet()
    done.cells_to_book = plan.cells_to_local()
    done.rows_added_to_sheet = len(plan.new_on_sheet)
    done.rows_added_to_book = len(plan.new_in_book)
    done.rows_deleted_on_sheet = len(plan.delete_on_sheet)
    done.rows_emptied_in_book = len(plan.delete_in_book)
    done.conflicts = list(plan.conflicts)
    keys = [plan.to_sheet, plan.to_local, plan.new_on_sheet, plan.new_in_book]
    keys += [plan.delete_on_sheet, plan.delete_in_book]
    done.rows_changed = len({k for group in keys for k in group})


def _report(result: SyncResult, path: Path, report: Any) -> None:
    default = path.with_name(f"{path.stem}-sync-conflicts.csv")
    if not result.conflicts:
        if report is None and not result.dry_run and default.is_file():
            default.unlink()  # ours, from a sync whose conflicts are gone: not current
            result.stale_report = default
        return
    from sheets_sync.sync.report import write_conflicts

    result.report = write_conflicts(Path(report) if report else default, result)


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.UTC)


def _key_of(spreadsheet: Any) -> str:
    """The spreadsheet key of ``spreadsheet`` (``gsheet://KEY``, an address, a bare key or
    a gspread ``Spreadsheet``)."""
    from sheets_sync.book import spreadsheet_key

    if hasattr(spreadsheet, "id") and not isinstance(spreadsheet, str):
        return str(spreadsheet.id)
    text = str(spreadsheet).strip()
    key = spreadsheet_key(text)
    if key:
        return key
    import re

    if re.fullmatch(r"[\w-]+", text):
        return text
    raise InvalidOptionError(
        (f"不是 Google 表格的地址或 ID：{text!r}", f"not a Google Sheet address or ID: {text!r}"),
        expected=(
            "gsheet://KEY、https://docs.google.com/spreadsheets/d/KEY/… 或 KEY",
            "gsheet://KEY, https://docs.google.com/spreadsheets/d/KEY/... or KEY",
        ),
    )


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InvalidOptionError(
            (f"{name} 不能是 {value!r}", f"{name} cannot be {value!r}"),
            expected=(" / ".join(choices), " / ".join(choices)),
        )
