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
    """``--as-of`` (``as_of``) is not a date: give ``YYYY-MM-DD``."""

    reason = "invalid-as-of-date"
    fix: Text = (
        "--as-of 请写成 YYYY-MM-DD",
        "give --as-of as YYYY-MM-DD",
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
