"""A password-protected .xlsx/.xlsm (Excel's "Encrypt with Password") read and written.

Excel stores such a workbook as an OLE file holding the package encrypted (ECMA-376
Agile or Standard Encryption, MS-OFFCRYPTO).  :class:`EncryptedBook` decrypts it with
msoffcrypto-tool into a private temporary copy (mode 0600, deleted by :meth:`close`) and
reads and writes that copy with :class:`xl_crm.xlsx.book.XlsxBook`.  After each write
(``write``, ``add_sheet``, ``mark``) that changed the copy, it is encrypted again with the
same password (msoffcrypto-tool's ECMA-376 Agile Encryption: AES-256, SHA-512, 100,000
spins, the scheme Excel 2010 and later use), the result is decrypted once more and compared
byte for byte with the copy, and only then renamed over the original (a backup of the
encrypted original kept in ``.xlcrm-backups/``).  So the workbook stays encrypted, no
decrypted copy is kept beside it, and on any failure the original is untouched.  (A process
killed mid-run can leave the temporary copy in the system's temporary folder, as any
program that opens an encrypted file must.)

A workbook encrypted with the older Standard Encryption comes back with Agile Encryption;
the password is the same.
"""

from __future__ import annotations

import copy
import io
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from xl_crm.errors import WriteFailedError, XlCrmError
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark, ColumnUpdate, NewColumn, Table, Tables
from xl_crm.xlsx.atomic import replace_file, sha256
from xl_crm.xlsx.book import WRITABLE, XlsxBook
from xl_crm.xlsx.reader import OLE_MAGIC, check_readable

__all__ = ["EncryptedBook", "is_encrypted"]


def is_encrypted(path: Path) -> bool:
    """True when ``path`` is an .xlsx/.xlsm stored encrypted (an OLE file, not a zip)."""
    if path.suffix.lower() not in WRITABLE or not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(len(OLE_MAGIC)) == OLE_MAGIC


def encrypt(plain: Path, password: str, target: Path, name: Path) -> None:
    """Write ``plain`` (an .xlsx/.xlsm package) encrypted with ``password`` to ``target``,
    then decrypt ``target`` and compare it with ``plain``.  Raises
    :class:`xl_crm.errors.WriteFailedError` naming the workbook ``name`` when they differ
    (``target`` is then removed)."""
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    data = plain.read_bytes()
    try:
        with target.open("wb") as out:
            OOXMLFile(io.BytesIO(data)).encrypt(password, out)
        with target.open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            office.load_key(password=password)
            back = io.BytesIO()
            office.decrypt(back)
        if back.getvalue() != data:
            raise WriteFailedError(
                (
                    "重新加密后的工作簿解密结果与写入内容不一致，未保存",
                    "the workbook encrypted again does not decrypt to what was written; "
                    "nothing was saved",
                ),
                file=name,
                hint=(
                    "在 Excel 中去掉密码后运行，再重新加密",
                    "remove the password in Excel, run again, then encrypt it again",
                ),
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _named(exc: XlCrmError, temporary: Path, name: Path) -> XlCrmError:
    """``exc`` naming the user's workbook instead of the decrypted temporary copy."""
    if exc.file != str(temporary):
        return exc
    renamed = copy.copy(exc)
    renamed.file = str(name)
    renamed.args = (str(renamed),)
    return renamed


class EncryptedBook:
    """An encrypted .xlsx/.xlsm as a writable :class:`xl_crm.book.Book` (see the module
    docstring).

    ``path``: the workbook; ``password``: its password.  ``backups``: copies of the
    (encrypted) original kept before the first write; ``audit_log``: the audit log each
    write is recorded in (the file's digests are those of the encrypted file).  Raises
    :class:`xl_crm.errors.EncryptedWorkbookError` for a wrong password and the
    :class:`xl_crm.WorkbookError` family as :class:`XlsxBook` does.
    """

    def __init__(
        self,
        path: Path,
        password: str,
        *,
        backups: int = 5,
        audit_log: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        self.writable = True
        self.password = password
        self.backups = backups
        self.audit_log = audit_log
        self.plain = check_readable(self.path, password)  # the decrypted temporary copy
        try:
            # no plain copies anywhere else; Tables and messages name the user's file
            self.inner = XlsxBook(self.plain, backups=0, shown_as=self.path)
        except XlCrmError as exc:
            self.plain.unlink(missing_ok=True)
            raise _named(exc, self.plain, self.path) from None
        self._backed_up = False

    def __enter__(self) -> EncryptedBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the decrypted temporary copy."""
        self.plain.unlink(missing_ok=True)

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except XlCrmError as exc:
            raise _named(exc, self.plain, self.path) from None

    def template(self) -> str | None:
        return self.inner.template()

    def sheet_names(self) -> list[str]:
        return self._call(self.inner.sheet_names)

    def rows(self, sheet: str, limit: int | None = None) -> list[list[Any]]:
        return self._call(self.inner.rows, sheet, limit)

    def visible(self, sheet: str) -> bool:
        return self._call(self.inner.visible, sheet)

    def structure(self, sheet: str) -> Any:
        return self._call(self.inner.structure, sheet)

    def read(
        self,
        spec: Spec,
        sheets: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> Tables:
        return self._call(self.inner.read, spec, sheets, fields)

    def write(
        self,
        table: Table,
        updates: list[ColumnUpdate],
        *,
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
    ) -> list[tuple[str, str, str]]:
        return self._sealed(
            "write-columns",
            lambda: self.inner.write(table, updates, progress=progress, force=force),
            sheet=table.sheet,
            columns=[u.header for u in updates],
        )

    def add_sheet(
        self,
        name: str,
        columns: list[NewColumn],
        *,
        replace_if: Callable[[list[Any]], bool] | None = None,
    ) -> str:
        return self._sealed(
            "write-sheet",
            lambda: self.inner.add_sheet(name, columns, replace_if=replace_if),
            sheet=name,
            columns=[c.header for c in columns],
        )

    def mark(self, marks: list[CellMark], *, sheets: Iterable[str] = ()) -> list[CellMark]:
        return self._sealed("mark-cells", lambda: self.inner.mark(marks, sheets=sheets))

    def _sealed(self, action: str, step: Callable[[], Any], **details: Any) -> Any:
        """``step()`` on the decrypted copy; then, when it changed the copy, the copy
        encrypted again in place of the original (:meth:`_seal`).  Returns what ``step``
        returned."""
        plain_before = sha256(self.plain)
        before = sha256(self.path) if self.audit_log is not None else None
        done = self._call(step)
        if sha256(self.plain) != plain_before:
            self._seal(action, before, **details)
        return done

    def _seal(self, action: str, before: str | None, **details: Any) -> None:
        """Encrypt the written copy again and put it in place of the original."""
        sealed = self.path.with_name(f".{self.path.name}.{os.getpid()}.xlcrm-tmp")
        first = not self._backed_up
        try:
            encrypt(self.plain, self.password, sealed, self.path)
            replace_file(self.path, sealed, self.backups if first else 0)
        except OSError as exc:
            raise WriteFailedError(
                (f"无法保存加密的工作簿（{exc}）", f"cannot save the encrypted workbook ({exc})"),
                file=self.path,
            ) from None
        self._backed_up = True
        if self.audit_log is not None and action != "mark-cells":  # as XlsxBook records
            from xl_crm.audit import append_record

            append_record(
                self.audit_log,
                action=action,
                file=self.name,
                encrypted=True,
                before=before,
                after=sha256(self.path),
                **details,
            )
