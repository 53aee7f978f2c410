"""Two-way sync (``xl-crm sync``): a pair already syncing, a sheet that kept changing under
the sync, a workbook and a spreadsheet with no template sheet in common to sync.
Where the rules come from: docs/sync.md."""

from __future__ import annotations

from xl_crm.errors.base import Text, XlCrmError


class SyncBusyError(XlCrmError):
    """Another sync of the same workbook and spreadsheet is running (its lock is held);
    nothing was read or written."""

    reason = "sync-busy"
    #: it passes: 3 tells a scheduler "try again later"
    exit_code = 3
    fix: Text = (
        "等另一次同步结束后再运行",
        "run it again when the other sync has finished",
    )


class SyncRaceError(XlCrmError):
    """The sheet changed between each read and write of a sync, several times over
    (someone is editing the rows being synced right now): nothing of the last pass was
    written, so no edit was overwritten."""

    reason = "sync-kept-changing"
    exit_code = 3
    fix: Text = (
        "稍后再同步（有人正在编辑要同步的行）",
        "sync again in a while (someone is editing the rows being synced)",
    )


class NothingToSyncError(XlCrmError):
    """The workbook and the spreadsheet have no template sheet with a key column in
    common (rows are matched by key, so a sheet without one cannot be synced)."""

    reason = "nothing-to-sync"
    fix: Text = (
        "确认两边都有模板中带编号列（如 客户ID）的工作表，且表头能被识别；或用 --template 指定模板",
        "make sure both sides have a template sheet with its key column (e.g. Customer "
        "ID) under a header xl-crm recognises, or name the template with --template",
    )


class WorkbookOpenError(XlCrmError):
    """The workbook is open in a spreadsheet program (its lock file is beside it: ``~$NAME``
    from Excel or WPS, ``.~lock.NAME#`` from LibreOffice) and the sync would write it: the
    program's next save would put the old values back and the sync after that would send
    them to the sheet, undoing a teammate's edit.  Nothing was written on either side."""

    reason = "workbook-open"
    #: it passes once the workbook is closed: 3 tells a scheduler "try again later"
    exit_code = 3
    fix: Text = (
        "保存并关闭这个工作簿（Excel、WPS 或 LibreOffice），再同步",
        "save and close the workbook (Excel, WPS or LibreOffice), then sync again",
    )
