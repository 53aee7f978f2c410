"""The sync's state store: the snapshot of each pair's last sync, in the service database.

A pair is one template sheet of a workbook and of a Google Sheet (:func:`pair_id`).  Its
snapshot holds, for each key, the cells both sides agreed on after the last sync, the
Drive ``version`` of the spreadsheet and the SHA-256 of the workbook as they were read
(the "anything changed?" gate: research/gsheets.md §8).  The store is the service's
database (:func:`sheets_sync.service.store.open_store`: SQLite by default, a file beside
the workbook, or PostgreSQL by URL), its schema kept by the same Alembic migrations.

A snapshot is written in one transaction, after both sides were written: a sync killed at
any moment leaves the old snapshot, and the next sync's three-way merge finishes the job
(a value already written on both sides is "the same on both"; one not yet written is still
a change).  One sync of a workbook and a spreadsheet runs at a time: :func:`pair_lock`
(a file lock, released by the operating system when the process dies).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from sheets_sync.service.models import snapshots
from sheets_sync.service.store import Store, open_store
from sheets_sync.sync.values import Canon, from_json

__all__ = [
    "Snapshot",
    "default_state",
    "load",
    "load_beside",
    "newer_side",
    "open_state",
    "pair_id",
    "pair_lock",
    "save",
]


@dataclass
class Snapshot:
    """One pair's last sync: ``fields`` (field ids, the order of every row), ``rows`` (key
    -> canonical cells), ``sheet_version`` (Drive version read before the sheet; None: do
    not skip the next sync), ``book_sha256``, ``synced_at`` (UTC), and the two sides'
    modification times once the sync had written (``sheet_modified``, ``book_mtime``)."""

    fields: list[str]
    rows: dict[str, list[Canon]]
    sheet_version: str | None
    book_sha256: str | None
    synced_at: dt.datetime
    sheet_modified: dt.datetime | None = None
    book_mtime: dt.datetime | None = None

    def aligned(self, fields: list[str]) -> dict[str, list[Canon]]:
        """The rows with their cells in the order of ``fields`` (a field the snapshot does
        not have is empty)."""
        if fields == self.fields:
            return self.rows
        at = {f: i for i, f in enumerate(self.fields)}
        return {
            k: [row[at[f]] if f in at else None for f in fields] for k, row in self.rows.items()
        }


def newer_side(
    snap: Snapshot | None, sheet_modified: dt.datetime | None, book_mtime: dt.datetime
) -> str | None:
    """The side a person changed last, for ``--prefer newest``: ``sheet``, ``local``, or
    None when neither changed since the last sync.  ``sheet_modified``: the spreadsheet's
    Drive ``modifiedTime`` now; ``book_mtime``: the workbook's modification time now.  A
    side counts as changed when its time is past the one recorded once the last sync had
    written (so that sync's own writes do not count); when both changed, the later wins.
    Before a first sync (or a snapshot without the times), the later of the two."""
    if snap is None or snap.sheet_modified is None or snap.book_mtime is None:
        if sheet_modified is None:
            return "local"
        return "sheet" if sheet_modified > book_mtime else "local"
    sheet_changed = sheet_modified is not None and sheet_modified > snap.sheet_modified
    local_changed = book_mtime > snap.book_mtime
    if sheet_changed and local_changed:
        return "sheet" if sheet_modified > book_mtime else "local"  # type: ignore[operator]
    if sheet_changed or local_changed:
        return "sheet" if sheet_changed else "local"
    return None


def pair_id(book: Path, spreadsheet: str, sheet: str) -> str:
    """The id of the pair (workbook ``book``, resolved; spreadsheet key; template sheet id):
    a SHA-256, hex."""
    text = f"{book.resolve()}\n{spreadsheet}\n{sheet}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_state(book: Path) -> str:
    """The default store of ``book``'s syncs: ``sqlite:///`` a ``.xlcrm-sync.db`` beside it."""
    return f"sqlite:///{book.resolve().parent / '.xlcrm-sync.db'}"


def open_state(url: str) -> Store:
    """The store at ``url``, upgraded (raises :class:`xl_crm.errors.ServiceDatabaseError`)."""
    return open_store(url)


def load(store: Store, pair: str) -> Snapshot | None:
    """The snapshot of ``pair``, or None before its first sync."""
    with store.engine.connect() as c:
        row = c.execute(select(snapshots).where(snapshots.c.pair == pair)).mappings().first()
    if row is None:
        return None
    return Snapshot(
        fields=list(row["fields"]),
        rows={
            k: [from_json(c) for c in cells]
            for k, cells in json.loads(zlib.decompress(row["data"]).decode("utf-8")).items()
        },
        sheet_version=row["sheet_version"],
        book_sha256=row["book_sha256"],
        synced_at=row["synced_at"],
        sheet_modified=row["sheet_modified"],
        book_mtime=row["book_mtime"],
    )


def load_beside(store: Store, book: Path, pairs: dict[str, str]) -> dict[str, Snapshot | None]:
    """The snapshots of ``pairs`` (template sheet id -> pair id) kept in the default store
    beside ``book`` (``xl-crm sync`` run by hand before), when ``store`` is another one (the
    service's) that has none yet: a pair synced by hand and then given to the service keeps
    its history instead of starting as a first sync.  Empty when there is no such file."""
    url = default_state(book)
    beside = book.resolve().parent / ".xlcrm-sync.db"
    if str(store.engine.url) == url or not beside.is_file():
        return {}
    other = open_state(url)
    try:
        return {sid: load(other, pid) for sid, pid in pairs.items()}
    finally:
        other.close()


def save(store: Store, items: list[tuple[str, dict[str, Any], Snapshot]]) -> None:
    """Replace the snapshots of every ``(pair, names, snapshot)`` in one transaction
    (``names``: ``book``, ``spreadsheet``, ``sheet`` as recorded)."""
    with store.engine.begin() as c:
        for pair, names, snap in items:
            c.execute(delete(snapshots).where(snapshots.c.pair == pair))
            data = zlib.compress(json.dumps(snap.rows, ensure_ascii=False).encode("utf-8"), 6)
            c.execute(insert(snapshots).values(
                pair=pair, fields=snap.fields, data=data, sheet_version=snap.sheet_version,
                book_sha256=snap.book_sha256, synced_at=snap.synced_at,
                sheet_modified=snap.sheet_modified, book_mtime=snap.book_mtime,
                **names))  # fmt: skip


def pair_lock(book: Path, spreadsheet: str) -> Any:
    """A lock held while ``book`` and ``spreadsheet`` sync (a ``filelock.FileLock`` on a
    hidden file beside the workbook; the operating system releases it if the process dies)."""
    from filelock import FileLock

    digest = hashlib.sha256(f"{book.resolve()}\n{spreadsheet}".encode()).hexdigest()[:16]
    return FileLock(str(book.resolve().parent / f".xlcrm-sync-{digest}.lock"))
