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
        OverwriteRefusedError, ValueNotWritableError, TemplateUndetectedError, CustomerKeyError,
        ExcelFeatureError
      TemplateNotFoundError, NotInTemplateError, SpecError
      InvalidOptionError
        AsOfDateError, InvalidWindowError, OutputPathError
      MissingExtraError
      SHEETS: SheetsError                  a Google credential or Sheets API call that failed
        CredentialsFileError, CredentialsKindError, NoDefaultCredentialsError,
        TokenRefusedError, UnauthorizedError, NotSharedError, SpreadsheetNotFoundError,
        QuotaExhaustedError, SheetsUnavailableError (SheetsTimeoutError)
      ServiceDatabaseError (and SpecError's JobsFileError): the service
      SyncBusyError, SyncRaceError, NothingToSyncError, WorkbookOpenError: two-way sync
"""

from __future__ import annotations

from xl_crm.errors.base import LANGS, RESAVE, Text, XlCrmError, both_langs, in_lang
from xl_crm.errors.service import (
    JobsFileError,
    ServiceDatabaseError,
)
from xl_crm.errors.sheets import (
    CredentialsFileError,
    CredentialsKindError,
    NoDefaultCredentialsError,
    NotSharedError,
    QuotaExhaustedError,
    SheetsError,
    SheetsTimeoutError,
    SheetsUnavailableError,
    SpreadsheetNotFoundError,
    TokenRefusedError,
    UnauthorizedError,
)
from xl_crm.errors.sync import (
    NothingToSyncError,
    SyncBusyError,
    SyncRaceError,
    WorkbookOpenError,
)
from xl_crm.errors.templates import (
    NotInTemplateError,
    SpecError,
    SpecProblem,
    TemplateNotFoundError,
)
from xl_crm.errors.usage import (
    AsOfDateError,
    InvalidOptionError,
    InvalidWindowError,
    MissingExtraError,
    OutputPathError,
)
from xl_crm.errors.workbook import (
    CellNotWritableError,
    CustomerKeyError,
    DamagedWorkbookError,
    DuplicateHeaderError,
    EncryptedWorkbookError,
    ExcelFeatureError,
    ExcelLimitError,
    FileMissingError,
    MissingColumnError,
    NoHeaderError,
    NoMatchingSheetError,
    NoRoomForColumnError,
    NotASpreadsheetError,
    OverwriteRefusedError,
    ReadOnlyBookError,
    SheetNotFoundError,
    SheetNotWritableError,
    TemplateUndetectedError,
    ValueNotWritableError,
    WorkbookError,
    WriteFailedError,
)

__all__ = [
    "FAMILIES",
    "LANGS",
    "RESAVE",
    "AsOfDateError",
    "CellNotWritableError",
    "CredentialsFileError",
    "CredentialsKindError",
    "CustomerKeyError",
    "DamagedWorkbookError",
    "DuplicateHeaderError",
    "EncryptedWorkbookError",
    "ExcelFeatureError",
    "ExcelLimitError",
    "FileMissingError",
    "InvalidOptionError",
    "InvalidWindowError",
    "JobsFileError",
    "MissingColumnError",
    "MissingExtraError",
    "NoDefaultCredentialsError",
    "NoHeaderError",
    "NoMatchingSheetError",
    "NoRoomForColumnError",
    "NotASpreadsheetError",
    "NotInTemplateError",
    "NotSharedError",
    "NothingToSyncError",
    "OutputPathError",
    "OverwriteRefusedError",
    "QuotaExhaustedError",
    "ReadOnlyBookError",
    "ServiceDatabaseError",
    "SheetNotFoundError",
    "SheetNotWritableError",
    "SheetsError",
    "SheetsTimeoutError",
    "SheetsUnavailableError",
    "SpecError",
    "SpecProblem",
    "SpreadsheetNotFoundError",
    "SyncBusyError",
    "SyncRaceError",
    "TemplateNotFoundError",
    "TemplateUndetectedError",
    "Text",
    "TokenRefusedError",
    "UnauthorizedError",
    "ValueNotWritableError",
    "WorkbookError",
    "WorkbookOpenError",
    "WriteFailedError",
    "XlCrmError",
    "both_langs",
    "error_classes",
    "in_lang",
]


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
FAMILIES = (XlCrmError, WorkbookError, SheetsError)
