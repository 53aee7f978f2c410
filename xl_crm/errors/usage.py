"""How a call was made: options and arguments that cannot be used, missing extras."""

from __future__ import annotations

from xl_crm.errors.base import Text, XlCrmError


class InvalidOptionError(XlCrmError):
    """An argument or option that cannot be used: an unknown language, a ``--sheet`` not
    written ``TEMPLATE_SHEET=BOOK_SHEET``, an output of the wrong kind, options that do not
    go together."""

    reason = "invalid-option"
    fix: Text = (
        "按 --help 的说明给出选项",
        "give the option as --help describes it",
    )


class AsOfDateError(InvalidOptionError):
    """``--as-of`` (``as_of``) is not one day: not a date, a date that reads two ways
    (``06/07/2026``), a bare number, a time of day.  Give ``YYYY-MM-DD``."""

    reason = "invalid-as-of-date"
    fix: Text = (
        "--as-of 请写成 YYYY-MM-DD",
        "give --as-of as YYYY-MM-DD",
    )


class InvalidWindowError(InvalidOptionError):
    """``--window`` (``window_days``) is not a whole number of days of at least 1."""

    reason = "invalid-window"
    fix: Text = (
        "--window 请写成正整数天数，如 365",
        "give --window as a whole number of days, at least 1, e.g. 365",
    )


class OutputPathError(InvalidOptionError):
    """An output file (``--json``, ``--csv``, ``--html``, ``-o``, ``--audit-log``) that
    cannot be written: its folder does not exist, it is a folder, it or its folder is not
    writable, it is the workbook being read, or two outputs go to the same place.  Checked
    before any work is done, so nothing is written."""

    reason = "bad-output-path"
    fix: Text = (
        "换一个可写入的文件路径（所在文件夹须已存在）",
        "give a path you can write to, in a folder that exists",
    )


class MissingExtraError(XlCrmError):
    """An optional integration whose extra is not installed."""

    reason = "missing-extra"
    fix: Text = (
        "安装提示中的扩展包",
        "install the extra the message names",
    )

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            (
                f"此功能需要 '{module}' 包，但尚未安装",
                f"this feature needs the '{module}' package, which is not installed",
            ),
            hint=f"pip install 'xl-crm[{extra}]'",
        )
