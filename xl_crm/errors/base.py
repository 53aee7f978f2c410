"""The root of the error tree, :class:`XlCrmError`, and the (zh, en) text helpers."""

from __future__ import annotations

import copy
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


def both_langs(text: Text | None) -> dict[str, str] | None:
    """``{"zh": ..., "en": ...}`` of ``text``, or None."""
    if text is None:
        return None
    return {lang: in_lang(text, lang) or "" for lang in LANGS}


class XlCrmError(Exception):
    """Root of every error xl-crm raises on purpose.

    ``message``, ``hint`` (the fix) and ``expected`` are :data:`Text`: give ``(zh, en)`` so
    the CLI can show the error in the user's language (``--lang``); ``str(error)`` is the
    English text, and :meth:`text` gives either language.  ``file``, ``sheet``, ``cell``
    (``B7``) and ``field`` (the template's field id) say where the problem is; each is None
    when it does not apply.  ``reason`` is the class's stable slug and ``fix`` its usual
    fix, shown when no ``hint`` is given (docs/errors.md lists both).
    """

    reason = "xl-crm-error"
    fix: Text = (
        "按提示修改后重试",
        "correct what the message names and try again",
    )
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
        self.hints = hint if hint is not None else type(self).fix
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
            "message": both_langs(self.texts),
            "expected": both_langs(self.expected),
            "fix": both_langs(self.hints),
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "field": self.field,
            "exit_code": self.exit_code,
        }

    def __str__(self) -> str:
        return self.text("en")
