"""Workbooks that cannot be read or written: files, sheets, headers, columns, cells."""

from __future__ import annotations

from pathlib import Path

from xl_crm.errors.base import Text, XlCrmError


class WorkbookError(XlCrmError):
    """A workbook that cannot be read or written (the family; raise a subclass)."""

    reason = "workbook-error"
    fix: Text = (
        "按提示修改工作簿后重试",
        "correct the workbook as the message says and try again",
    )


class FileMissingError(WorkbookError):
    """The file (or the folder to write into) does not exist."""

    reason = "file-not-found"
    fix: Text = (
        "检查路径和文件名",
        "check the path and the file name",
    )


class NotASpreadsheetError(WorkbookError):
    """The file is not a spreadsheet xl-crm reads: a folder, a binary .xlsb, another kind
    of file renamed, a CSV in an unknown encoding, a Strict Open XML workbook."""

    reason = "not-a-spreadsheet"
    fix: Text = (
        "用 Excel、WPS 或 LibreOffice 另存为 .xlsx（或 UTF-8 的 .csv）",
        "save it as .xlsx (or a UTF-8 .csv) from Excel, WPS or LibreOffice",
    )


class DamagedWorkbookError(WorkbookError):
    """The workbook's package is damaged: a part or an XML element it needs is missing or
    cut short.  Open it in Excel or WPS and save it again."""

    reason = "damaged-workbook"
    fix: Text = (
        "用 Excel 或 LibreOffice 打开，再另存为 .xlsx",
        "open it in Excel or LibreOffice and save it again as .xlsx",
    )


class EncryptedWorkbookError(WorkbookError):
    """The workbook is password-protected and no (or a wrong) password was given."""

    reason = "encrypted-workbook"
    fix: Text = (
        "用 --password 提供密码，或先去掉密码保护",
        "give the password with --password, or remove the protection first",
    )


class ReadOnlyBookError(WorkbookError):
    """A write or mark asked of a book xl-crm only reads (.csv, .xls, .ods)."""

    reason = "read-only"
    fix: Text = (
        "先另存为 .xlsx；订单文件用 -o 指定输出文件",
        "save it as .xlsx first; for a file of orders, name an output file with -o",
    )

    @classmethod
    def of(cls, name: str | Path, hint: Text | None = None) -> ReadOnlyBookError:
        """The error for writing into the book ``name`` (its extension says what it is),
        with ``hint`` as the fix (default: the class's)."""
        suffix = Path(name).suffix or "?"
        return cls(
            (
                f"只能写入 .xlsx 和 .xlsm 工作簿，不能写入 {suffix}",
                f"can only write into .xlsx and .xlsm workbooks, not {suffix}",
            ),
            file=name,
            hint=hint,
        )


class WriteFailedError(WorkbookError):
    """The operating system refused the write (permissions, disk full, file open and
    locked by another program)."""

    reason = "write-failed"
    fix: Text = (
        "关闭占用该文件的程序，检查权限和磁盘空间",
        "close programs that hold the file open, check permissions and disk space",
    )


class SheetNotFoundError(WorkbookError):
    """A sheet named by the caller (``--sheet``, a mark, a write) is not in the book."""

    reason = "sheet-not-found"
    fix: Text = (
        "使用工作簿中已有的工作表名（区分全半角）",
        "use the name of a sheet the workbook has",
    )


class NoMatchingSheetError(WorkbookError):
    """No sheet of the book matches the template (or the template sheet a step needs) by
    its headers.  Name it with ``--sheet TEMPLATE_SHEET=BOOK_SHEET``."""

    reason = "no-matching-sheet"
    fix: Text = (
        "用 --sheet 模板工作表=工作簿工作表 指定，或让表头与模板一致",
        "name it with --sheet TEMPLATE_SHEET=BOOK_SHEET, or use the template's headers",
    )


class NoHeaderError(WorkbookError):
    """A sheet is empty, or no row near its top looks like a header row."""

    reason = "no-header"
    fix: Text = (
        "在前几行放一行表头，下面放数据",
        "put one header row near the top of the sheet, with the data below it",
    )


class DuplicateHeaderError(WorkbookError):
    """Two columns of one sheet map to the same template field."""

    reason = "duplicate-header"
    fix: Text = (
        "删除或改名其中一列",
        "remove or rename one of the two columns",
    )


class MissingColumnError(WorkbookError):
    """A column a step needs (the customer ID and date of orders) is not in the sheet."""

    reason = "missing-column"
    fix: Text = (
        "加上这一列，或用模板认识的表头命名它",
        "add the column, or name it with a header the template knows",
    )


class ExcelLimitError(WorkbookError):
    """Over Excel's limits: 1,048,576 rows, 16,384 columns, 32,767 characters a cell."""

    reason = "over-excel-limits"
    fix: Text = (
        "拆分数据，或分批处理",
        "split the data, or process it in parts",
    )


class NoRoomForColumnError(WorkbookError):
    """A new column has no place: the sheet reaches Excel's last column, data without a
    header is where it would go, two columns would land on one, or an Excel table with a
    totals row would have to grow."""

    reason = "no-room-for-column"
    fix: Text = (
        "腾出数据右侧的列（删除无表头的数据或远处的格式），再运行",
        "free the columns right of the data (unlabelled data, stray formats), then run again",
    )


class SheetNotWritableError(WorkbookError):
    """A new sheet cannot be written under that name: not a valid sheet name, a chart
    sheet, a sheet that holds other data or an Excel table."""

    reason = "sheet-not-writable"
    fix: Text = (
        "换一个工作表名",
        "choose another sheet name",
    )


class CellNotWritableError(WorkbookError):
    """A cell cannot be written or marked: not a cell reference, or part of a shared or
    array formula that writing it alone would break."""

    reason = "cell-not-writable"
    fix: Text = (
        "给出 A1 形式的单元格；公式区域请先取消共享或数组公式",
        "give an A1 cell reference; for formula ranges, undo the shared or array formula first",
    )


class OverwriteRefusedError(WorkbookError):
    """A write would silently replace what the user made: formulas in a column being
    written, or cells hidden inside merged cells (a value there would never show).  Names
    every cell (the first ten in the message); nothing is written.  ``force`` (``--force``)
    writes anyway and reports the cells."""

    reason = "would-overwrite"
    fix: Text = (
        "保留公式：把该列改名或移走；合并单元格：先取消合并；确需覆盖时用 --force",
        "to keep the formulas, rename or move that column; unmerge merged cells; to "
        "replace them anyway, use --force",
    )

    def __init__(
        self,
        problems: list[tuple[str, str, str]],
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
    ) -> None:
        """``problems``: (cell, zh, en), e.g. ("H2", "公式 =A2*2", "the formula =A2*2")."""
        self.problems = problems
        shown = problems[:10]
        more = len(problems) - len(shown)
        zh = "；".join(f"{c} {z}" for c, z, _ in shown) + (f"；另有 {more} 处" if more else "")
        en = "; ".join(f"{c} {e}" for c, _, e in shown) + (f"; and {more} more" if more else "")
        super().__init__(
            (
                f"写入会覆盖 {len(problems)} 个单元格里用户的内容：{zh}；未写入任何内容",
                f"the write would replace what the user made in {len(problems)} cells: {en}; "
                "nothing was written",
            ),
            file=file,
            sheet=sheet,
            cell=problems[0][0] if problems else None,
        )

    def located(self, file: str | Path, sheet: str | None) -> OverwriteRefusedError:
        """The same error naming ``file`` and ``sheet``."""
        if self.file is not None:
            return self
        return OverwriteRefusedError(self.problems, file=file, sheet=self.sheet or sheet)


class ValueNotWritableError(WorkbookError):
    """A value cannot be written as its column's type: a date before Excel's first date, a
    yes/no column given something else, values given for rows that are not rows."""

    reason = "value-not-writable"
    fix: Text = (
        "改用该列类型能存放的值",
        "give a value the column's type can hold",
    )


class TemplateUndetectedError(WorkbookError):
    """No template was given and the workbook does not say which one built it."""

    reason = "template-undetected"
    fix: Text = (
        "用 --template 指定模板",
        "name the template with --template",
    )


class CustomerKeyError(WorkbookError):
    """Customer keys that ``compute`` cannot join orders on: the same key in two rows (after
    normalising: ``007`` and ``7`` in a number column, full-width digits, spaces, case), or
    a key cell that is empty or holds no key.  Names every cell; says it in zh and en."""

    reason = "customer-key"
    fix: Text = (
        "每位客户一个唯一的编号，再运行 compute",
        "give each customer one unique ID, then run compute again",
    )

    def __init__(
        self,
        problems: list[tuple[str, str]],
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        header: str = "",
        to: str = "compute",
    ) -> None:
        """``problems``: (zh, en) descriptions naming cells, e.g. ("客户!A3、客户!A7 都是 7",
        "客户!A3 and 客户!A7 both hold 7"); the first ten are shown.  ``to``: what needs
        the keys, ``compute`` (joining orders on them) or ``sync`` (matching rows by them)."""
        self.problems = problems
        shown = problems[:10]
        more = len(problems) - len(shown)
        zh = "；".join(p[0] for p in shown) + (f"；另有 {more} 处" if more else "")
        en = "; ".join(p[1] for p in shown) + (f"; and {more} more" if more else "")
        verb_zh, verb_en = ("同步", "sync (rows are matched by it)") if to == "sync" else (
            "计算", "compute")  # fmt: skip
        super().__init__(
            (
                f"“{header}”必须每行唯一且不为空，才能{verb_zh}：{zh}；未写入任何内容",
                f"'{header}' must be filled in and unique on every row to {verb_en}: {en}; "
                "nothing was written",
            ),
            file=file,
            sheet=sheet,
            hint=(
                f"每{'行' if to == 'sync' else '位客户'}一个唯一的编号：改正或合并重复的行、"
                f"填好空的编号，再运行 {to}",
                f"give each {'row' if to == 'sync' else 'customer'} one unique ID: correct or "
                f"merge the repeated rows and fill in the empty IDs, then run {to} again",
            ),
        )


class ExcelFeatureError(WorkbookError):
    """An Excel macro needs what this runtime or xlwings version cannot do: formulas read
    without ``await`` in xlwings Lite, notes before ExcelApi 1.18, dropdowns or sorting
    before xlwings 0.37.8 (docs/excel.md)."""

    reason = "excel-feature-missing"
    fix: Text = (
        "把 xlwings 升级到 0.37.8 或更高，并使用最新的 Excel",
        "upgrade xlwings to 0.37.8 or later and use a current Excel",
    )
