"""The exceptions xl-crm raises: one tree under :class:`XlCrmError`.

Every error a user can see derives from :class:`XlCrmError`, so callers (the CLI, the
scheduled service, a notebook) can catch "anything of ours" in one place.  Each class has a
stable ``reason`` slug (``file-not-found``, ``sheet-not-found`` ...; listed with what they
mean and how to fix them in docs/errors.md, generated from this module), and each error says
where the problem is (``file``, ``sheet``, ``cell``, ``field``), what was ``expected`` and
how to fix it (``hint``), in Chinese and English: ``error.text("zh")``, ``error.to_dict()``.

The tree (families in capitals are never raised themselves, only their subclasses)::

    XlCrmError
      WORKBOOK: WorkbookError              a file, sheet or cell that cannot be read or written
        FileMissingError, NotASpreadsheetError, DamagedWorkbookError, EncryptedWorkbookError,
        ReadOnlyBookError, WriteFailedError, SheetNotFoundError, NoMatchingSheetError,
        NoHeaderError, DuplicateHeaderError, MissingColumnError, ExcelLimitError,
        NoRoomForColumnError, SheetNotWritableError, CellNotWritableError,
        ValueNotWritableError, TemplateUndetectedError, CustomerKeyError
      TemplateNotFoundError, NotInTemplateError, SpecError
      InvalidOptionError
        AsOfDateError
      MissingExtraError
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A user-facing text: ``(zh, en)``, or one string used for both languages (a path, a
#: value, or text not yet translated).
Text = str | tuple[str, str]
LANGS = ("zh", "en")
#: the fix for a damaged package
RESAVE: Text = (
    "用 Excel 或 LibreOffice 打开，再另存为 .xlsx",
    "open it in Excel or LibreOffice and save it again as .xlsx",
)
_FIX = {"zh": "修改", "en": "fix"}
_EXPECTED = {"zh": "应为", "en": "expected"}


def in_lang(text: Text | None, lang: str) -> str | None:
    """``text`` in ``lang`` ('zh' or 'en'; anything else reads as 'en')."""
    if text is None or isinstance(text, str):
        return text
    return text[0] if lang == "zh" else text[1]


def _both(text: Text | None) -> dict[str, str] | None:
    if text is None:
        return None
    return {lang: in_lang(text, lang) or "" for lang in LANGS}


class XlCrmError(Exception):
    """Root of every error xl-crm raises on purpose.

    ``message``, ``hint`` (the fix) and ``expected`` are :data:`Text`: give ``(zh, en)`` so
    the CLI can show the error in the user's language (``--lang``); ``str(error)`` is the
    English text, and :meth:`text` gives either language.  ``file``, ``sheet``, ``cell``
    (``B7``) and ``field`` (the template's field id) say where the problem is; each is None
    when it does not apply.  ``reason`` is the class's stable slug (docs/errors.md).
    """

    reason = "xl-crm-error"
    #: process exit code the CLI uses for this error
    exit_code = 2

    def __init__(
        self,
        message: Text,
        *,
        hint: Text | None = None,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        field: str | None = None,
        expected: Text | None = None,
    ) -> None:
        self.texts = message
        self.hints = hint
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.cell = cell
        self.field = field
        self.expected = expected
        super().__init__(self.__str__())

    @property
    def message(self) -> str:
        """The message in English, without the location (:meth:`text` for the rest)."""
        return in_lang(self.texts, "en") or ""

    @property
    def hint(self) -> str | None:
        """The fix in English."""
        return in_lang(self.hints, "en")

    def message_in(self, lang: str) -> str:
        """The message alone, in ``lang``, without the location."""
        return in_lang(self.texts, lang) or ""

    @property
    def where(self) -> str:
        """``file: sheet!cell`` (the parts that are known), or ''."""
        cell = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or self.cell
        return ": ".join(p for p in (self.file, cell) if p)

    def text(self, lang: str = "en") -> str:
        """Location, message, expected and fix lines in ``lang`` ('zh' or 'en')."""
        lang = "zh" if lang == "zh" else "en"
        lines = [": ".join(p for p in (self.where, self.message_in(lang)) if p)]
        for label, text in ((_EXPECTED, self.expected), (_FIX, self.hints)):
            if text:
                lines.append(f"  {label[lang]}: {in_lang(text, lang)}")
        return "\n".join(lines)

    def located(self, file: str | Path, sheet: str | None) -> XlCrmError:
        """The same error, naming ``file`` and ``sheet`` when it did not yet (errors raised
        deep in a stream know the cell; the writer knows the file and sheet)."""
        if self.file is not None:
            return self  # located by whoever raised it
        moved = copy.copy(self)
        moved.file = str(file)
        moved.sheet = self.sheet or sheet
        moved.args = (moved.__str__(),)
        return moved

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: ``reason``, ``message``/``expected``/``fix`` as
        ``{"zh": ..., "en": ...}`` (None when absent), ``file``, ``sheet``, ``cell``,
        ``field`` (None when unknown) and ``exit_code``."""
        return {
            "reason": self.reason,
            "message": _both(self.texts),
            "expected": _both(self.expected),
            "fix": _both(self.hints),
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "field": self.field,
            "exit_code": self.exit_code,
        }

    def __str__(self) -> str:
        return self.text("en")


# -- workbooks: files, sheets, cells ------------------------------------------------------


class WorkbookError(XlCrmError):
    """A workbook that cannot be read or written (the family; raise a subclass)."""

    reason = "workbook-error"


class FileMissingError(WorkbookError):
    """The file (or the folder to write into) does not exist."""

    reason = "file-not-found"


class NotASpreadsheetError(WorkbookError):
    """The file is not a spreadsheet xl-crm reads: a folder, a binary .xlsb, another kind
    of file renamed, a CSV in an unknown encoding, a Strict Open XML workbook."""

    reason = "not-a-spreadsheet"


class DamagedWorkbookError(WorkbookError):
    """The workbook's package is damaged: a part or an XML element it needs is missing or
    cut short.  Open it in Excel or WPS and save it again."""

    reason = "damaged-workbook"


class EncryptedWorkbookError(WorkbookError):
    """The workbook is password-protected and no (or a wrong) password was given."""

    reason = "encrypted-workbook"


class ReadOnlyBookError(WorkbookError):
    """A write or mark asked of a book xl-crm only reads (.csv, .xls, .ods)."""

    reason = "read-only"


class WriteFailedError(WorkbookError):
    """The operating system refused the write (permissions, disk full, file open and
    locked by another program)."""

    reason = "write-failed"


class SheetNotFoundError(WorkbookError):
    """A sheet named by the caller (``--sheet``, a mark, a write) is not in the book."""

    reason = "sheet-not-found"


class NoMatchingSheetError(WorkbookError):
    """No sheet of the book matches the template (or the template sheet a step needs) by
    its headers.  Name it with ``--sheet TEMPLATE_SHEET=BOOK_SHEET``."""

    reason = "no-matching-sheet"


class NoHeaderError(WorkbookError):
    """A sheet is empty, or no row near its top looks like a header row."""

    reason = "no-header"


class DuplicateHeaderError(WorkbookError):
    """Two columns of one sheet map to the same template field."""

    reason = "duplicate-header"


class MissingColumnError(WorkbookError):
    """A column a step needs (the customer ID and date of orders) is not in the sheet."""

    reason = "missing-column"


class ExcelLimitError(WorkbookError):
    """Over Excel's limits: 1,048,576 rows, 16,384 columns, 32,767 characters a cell."""

    reason = "over-excel-limits"


class NoRoomForColumnError(WorkbookError):
    """A new column has no place: the sheet reaches Excel's last column, data without a
    header is where it would go, two columns would land on one, or an Excel table with a
    totals row would have to grow."""

    reason = "no-room-for-column"


class SheetNotWritableError(WorkbookError):
    """A new sheet cannot be written under that name: not a valid sheet name, a chart
    sheet, a sheet that holds other data or an Excel table."""

    reason = "sheet-not-writable"


class CellNotWritableError(WorkbookError):
    """A cell cannot be written or marked: not a cell reference, or part of a shared or
    array formula that writing it alone would break."""

    reason = "cell-not-writable"


class ValueNotWritableError(WorkbookError):
    """A value cannot be written as its column's type: a date before Excel's first date, a
    yes/no column given something else, values given for rows that are not rows."""

    reason = "value-not-writable"


class TemplateUndetectedError(WorkbookError):
    """No template was given and the workbook does not say which one built it."""

    reason = "template-undetected"


class CustomerKeyError(WorkbookError):
    """Customer keys that ``compute`` cannot join orders on: the same key in two rows (after
    normalising: ``007`` and ``7`` in a number column, full-width digits, spaces, case), or
    a key cell that is empty or holds no key.  Names every cell; says it in zh and en."""

    reason = "customer-key"

    def __init__(
        self,
        problems: list[tuple[str, str]],
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        header: str = "",
    ) -> None:
        """``problems``: (zh, en) descriptions naming cells, e.g. ("客户!A3、客户!A7 都是 7",
        "客户!A3 and 客户!A7 both hold 7"); the first ten are shown."""
        self.problems = problems
        shown = problems[:10]
        more = len(problems) - len(shown)
        zh = "；".join(p[0] for p in shown) + (f"；另有 {more} 处" if more else "")
        en = "; ".join(p[1] for p in shown) + (f"; and {more} more" if more else "")
        super().__init__(
            (
                f"“{header}”必须每行唯一且不为空，才能计算：{zh}；未写入任何内容",
                f"'{header}' must be filled in and unique on every row to compute: {en}; "
                "nothing was written",
            ),
            file=file,
            sheet=sheet,
            hint=(
                "每位客户一个唯一的编号：改正或合并重复的行、填好空的编号，再运行 compute",
                "give each customer one unique ID: correct or merge the repeated rows and "
                "fill in the empty IDs, then run compute again",
            ),
        )


# -- templates ----------------------------------------------------------------------------


class TemplateNotFoundError(XlCrmError):
    """A template name that is neither built in nor a spec file."""

    reason = "template-not-found"


class NotInTemplateError(XlCrmError):
    """A sheet or field id the template does not have (``spec.sheet("x")``,
    ``sheet.field("x")``, ``--sheet x=...``), or a sheet a step needs (orders that refer to
    the customers) the template lacks."""

    reason = "not-in-template"


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a template spec, with where it is; ``text`` is (zh, en)."""

    file: str
    line: int | None
    key: str
    text: Text

    @property
    def message(self) -> str:
        """The problem in English."""
        return in_lang(self.text, "en") or ""

    def describe(self, lang: str = "en") -> str:
        """``file:line [key]: text`` in ``lang``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {in_lang(self.text, lang)}"

    def to_dict(self) -> dict[str, Any]:
        """``{"file", "line", "key", "message": {"zh", "en"}}``."""
        return {"file": self.file, "line": self.line, "key": self.key, "message": _both(self.text)}

    def __str__(self) -> str:
        return self.describe("en")


class SpecError(XlCrmError):
    """A template spec that cannot be loaded: bad YAML, unknown keys, broken references.
    ``problems`` lists each with its file, line and key."""

    reason = "spec-invalid"

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        count = len(problems)
        head = (
            ("模板规格有误", "template spec is invalid")
            if count <= 1
            else (f"模板规格有 {count} 处问题", f"template spec has {count} problems")
        )
        super().__init__(
            tuple(h + ":\n" + "\n".join(f"  {p.describe(lang)}" for p in problems)
                  for h, lang in zip(head, LANGS, strict=True)),  # type: ignore[arg-type]
            file=problems[0].file if problems else None,
        )  # fmt: skip

    @property
    def where(self) -> str:
        """'': each problem names its own file and line."""
        return ""

    @property
    def first(self) -> SpecProblem:
        """The first problem."""
        return self.problems[0]


# -- how the call was made ----------------------------------------------------------------


class InvalidOptionError(XlCrmError):
    """An argument or option that cannot be used: an unknown language, a ``--sheet`` not
    written ``TEMPLATE_SHEET=BOOK_SHEET``, an output of the wrong kind, options that do not
    go together."""

    reason = "invalid-option"


class AsOfDateError(InvalidOptionError):
    """``--as-of`` (``as_of``) is not a date: give ``YYYY-MM-DD``."""

    reason = "invalid-as-of-date"


class MissingExtraError(XlCrmError):
    """An optional integration whose extra is not installed."""

    reason = "missing-extra"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            (
                f"此功能需要 '{module}' 包，但尚未安装",
                f"this feature needs the '{module}' package, which is not installed",
            ),
            hint=f"pip install 'xl-crm[{extra}]'",
        )


def error_classes() -> list[type[XlCrmError]]:
    """Every class of the tree, root first, in the order of definition (depth first)."""
    out: list[type[XlCrmError]] = []

    def walk(cls: type[XlCrmError]) -> None:
        out.append(cls)
        for sub in cls.__subclasses__():
            walk(sub)

    walk(XlCrmError)
    return out


#: families: classes that group others and are never raised themselves
FAMILIES = (XlCrmError, WorkbookError)
