"""Replacing a user's workbook atomically, with a backup; and what the writers refuse.

:class:`AtomicReplace` writes the new package to ``.NAME.PID.xlcrm-tmp`` beside the
original, fsyncs it and renames it over the original (``os.replace``: atomic on POSIX and
Windows), keeping a timestamped backup in ``.xlcrm-backups/``; on any failure, or a killed
process, the original is untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import stat
import zipfile
from pathlib import Path

from xl_crm.errors import NotASpreadsheetError, ReadOnlyBookError, WriteFailedError


def check_writable(path: Path) -> None:
    """Refuse a workbook the in-place writers cannot write into (WorkbookError saying
    why): not .xlsx/.xlsm, encrypted, damaged, not a zip, or Strict Open XML."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise ReadOnlyBookError(
            (
                f"只能写入 .xlsx 和 .xlsm 工作簿，不能写入 {suffix or '这种文件'}",
                f"can only write into .xlsx and .xlsm workbooks, not {suffix or 'this file'}",
            ),
            file=path,
            hint=("先另存为 .xlsx", "save it as .xlsx first"),
        )
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None  # a missing file: the reader below says so
    if mode is not None and not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteFailedError(
            (
                "工作簿是只读文件，未做任何改动",
                "the workbook is a read-only file; nothing was changed",
            ),
            file=path,
            hint=(
                "去掉文件的只读属性（Windows：属性 > 只读；Linux/macOS：chmod u+w）后再试",
                "clear the file's read-only attribute (Windows: Properties > Read-only; "
                "Linux/macOS: chmod u+w) and run it again",
            ),
        )
    from xl_crm.xlsx.reader import check_readable

    check_readable(path)  # encrypted, damaged and non-zip files are refused here
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")[:4000].decode("utf-8", errors="replace")
    if "purl.oclc.org/ooxml/spreadsheetml" in book:
        raise NotASpreadsheetError(
            ("不支持 Strict Open XML 工作簿", "Strict Open XML workbooks are not supported"),
            file=path,
            hint=(
                "在 Excel 中另存为“Excel 工作簿 (*.xlsx)”",
                "save it from Excel as 'Excel Workbook (*.xlsx)'",
            ),
        )


def sha256(path: Path) -> str:
    """The SHA-256 of a file, hex (for the audit log)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class AtomicReplace:
    """Write a new package beside ``path``; on success fsync it, keep a backup of the
    original (the last ``backups`` are kept; 0: none) and rename the new one over it; on
    any failure remove it, original untouched.

    ``with AtomicReplace(path, backups) as (out, result): ...`` gives the output zip and an
    object whose ``backup`` is set after the replace."""

    def __init__(self, path: Path, backups: int) -> None:
        self.path = path
        self.backups = backups
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.xlcrm-tmp")
        self.backup: Path | None = None

    def __enter__(self) -> tuple[zipfile.ZipFile, AtomicReplace]:
        # private while written (0600); given the original's mode before the rename
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._zip = zipfile.ZipFile(self._fh, "w", compression=zipfile.ZIP_DEFLATED)
        return self._zip, self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            self._zip.close()
            self._fh.flush()
            os.fsync(self._fh.fileno())
        finally:
            self._fh.close()
            if kind is not None:
                self.tmp.unlink(missing_ok=True)
        if kind is not None:
            return
        try:
            self.backup = _backup(self.path, self.backups) if self.backups else None
            keep_owner_and_mode(self.path, self.tmp)
            os.replace(self.tmp, self.path)
        except OSError as exc:  # locked (open in Excel on Windows), immutable, no right
            self.tmp.unlink(missing_ok=True)
            raise replace_failed(self.path, exc) from None
        _fsync_dir(self.path.parent)


def replace_file(path: Path, new: Path, backups: int) -> Path | None:
    """Put the finished file ``new`` (beside ``path``, on the same file system) in place of
    ``path``: fsync it, keep a backup of ``path`` as :class:`AtomicReplace` does (the last
    ``backups``; 0: none) and rename ``new`` over it.  Returns the backup (or None).  On a
    failure ``new`` is removed and ``path`` is untouched."""
    try:
        with new.open("rb+") as fh:
            os.fsync(fh.fileno())
        backup = _backup(path, backups) if backups else None
        keep_owner_and_mode(path, new)
        os.replace(new, path)
    except OSError as exc:
        new.unlink(missing_ok=True)
        raise replace_failed(path, exc) from None
    except BaseException:
        new.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return backup


def replace_failed(path: Path, exc: OSError) -> WriteFailedError:
    """The error for a finished file that could not take the place of ``path`` (the
    original is untouched)."""
    why = exc.strerror or type(exc).__name__
    return WriteFailedError(
        (
            f"无法替换工作簿（{why}），原文件未改动",
            f"the workbook could not be replaced ({why}); it was left as it was",
        ),
        file=path,
        hint=(
            "关闭在 Excel/WPS 中打开的这个文件，确认可以写入后再试",
            "close the file in Excel or WPS, make sure it can be written, and run it again",
        ),
    )


def keep_owner_and_mode(original: Path, new: Path) -> None:
    """Give ``new`` the permission bits (and, where allowed, the owner and group) of
    ``original`` before it replaces it: a private workbook (0600) stays private, a shared
    one stays shared.  Nothing when ``original`` does not exist."""
    try:
        st = original.stat()
    except OSError:
        return
    os.chmod(new, stat.S_IMODE(st.st_mode))
    with contextlib.suppress(OSError, AttributeError):  # not the owner, or Windows
        os.chown(new, st.st_uid, st.st_gid)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _backup(path: Path, keep: int) -> Path:
    folder = path.parent / ".xlcrm-backups"
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, target)
    old = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for stale in old[:-keep]:
        stale.unlink(missing_ok=True)
    return target
