"""The exceptions xl-crm raises.

Every error a user can see derives from :class:`XlCrmError`, so callers (the CLI, the
scheduled service, a notebook) can catch "anything of ours" in one place.  Each error
carries a stable ``slug``, says where the problem is (file, line, sheet, cell) and how to
fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: A user-facing text: ``(zh, en)``, or one string used for both languages (a path, a
#: value, or text not yet translated).
Text = str | tuple[str, str]
LANGS = ("zh", "en")
_FIX = {"zh": "修改", "en": "fix"}
_ERROR = {"zh": "错误", "en": "error"}


def in_lang(text: Text | None, lang: str) -> str | None:
    """``text`` in ``lang`` ('zh' or 'en'; anything else reads as 'en')."""
    if text is None or isinstance(text, str):
        return text
    return text[0] if lang == "zh" else text[1]


class XlCrmError(Exception):
    """Root of every error xl-crm raises on purpose.

    ``message`` and ``hint`` are :data:`Text`: give ``(zh, en)`` so the CLI can show the
    error in the user's language (``--lang``); ``str(error)`` is the English text, and
    :meth:`text` gives either language.
    """

    slug = "xl-crm-error"
    #: process exit code the CLI uses for this error
    exit_code = 2

    def __init__(self, message: Text, *, hint: Text | None = None) -> None:
        self.texts = message
        self.hints = hint
        super().__init__(self.__str__())

    @property
    def message(self) -> str:
        """The message in English (:meth:`text` for the other language)."""
        return in_lang(self.texts, "en") or ""

    @property
    def hint(self) -> str | None:
        return in_lang(self.hints, "en")

    def message_in(self, lang: str) -> str:
        """The message alone, in ``lang``."""
        return in_lang(self.texts, lang) or ""

    def text(self, lang: str = "en") -> str:
        """Message and fix line in ``lang`` ('zh' or 'en')."""
        message = self.message_in(lang)
        hint = in_lang(self.hints, lang)
        lang = "zh" if lang == "zh" else "en"
        return message if not hint else f"{message}\n  {_FIX[lang]}: {hint}"

    def __str__(self) -> str:
        return self.text("en")


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
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {in_lang(self.text, lang)}"

    def __str__(self) -> str:
        return self.describe("en")


class SpecError(XlCrmError):
    """A template spec that cannot be loaded: bad YAML, unknown keys, broken references."""

    slug = "spec-invalid"

    def __init__(self, problems: list[SpecProblem]) -> None:
        if not problems:
            raise ValueError("SpecError needs at least one problem")
        self.problems = problems
        count = len(problems)
        head = (
            ("模板规格有误", "template spec is invalid")
            if count == 1
            else (f"模板规格有 {count} 处问题", f"template spec has {count} problems")
        )
        super().__init__(
            tuple(h + ":\n" + "\n".join(f"  {p.describe(lang)}" for p in problems)
                  for h, lang in zip(head, LANGS, strict=True))  # type: ignore[arg-type]
        )  # fmt: skip

    @property
    def first(self) -> SpecProblem:
        return self.problems[0]


class TemplateNotFoundError(XlCrmError):
    """A template name that is neither built in nor a spec file."""

    slug = "template-not-found"


class WorkbookError(XlCrmError):
    """A workbook that cannot be read or written: names the file, sheet and cell."""

    slug = "workbook-error"

    def __init__(
        self,
        message: Text,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        hint: Text | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.cell = cell
        self.reason = message
        where = [p for p in (self.file, _sheet_cell(sheet, cell)) if p]
        prefix = ": ".join(where)
        if prefix:
            message = (f"{prefix}: {in_lang(message, 'zh')}", f"{prefix}: {in_lang(message, 'en')}")
        super().__init__(message, hint=hint)

    def located(self, file: str | Path, sheet: str | None) -> WorkbookError:
        """The same error, naming ``file`` and ``sheet`` when it did not yet (errors raised
        deep in a stream know the cell; the writer knows the file and sheet)."""
        if self.file is not None:
            return self  # located by whoever raised it
        return WorkbookError(
            self.reason,
            file=self.file or file,
            sheet=self.sheet or sheet,
            cell=self.cell,
            hint=self.hints,
        )


class MissingExtraError(XlCrmError):
    """An optional integration whose extra is not installed."""

    slug = "missing-extra"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            (
                f"此功能需要 '{module}' 包，但尚未安装",
                f"this feature needs the '{module}' package, which is not installed",
            ),
            hint=f"pip install 'xl-crm[{extra}]'",
        )


def _sheet_cell(sheet: str | None, cell: str | None) -> str | None:
    if sheet and cell:
        return f"{sheet}!{cell}"
    return sheet or cell


class CustomerKeyError(WorkbookError):
    """Customer keys that ``compute`` cannot join orders on: the same key in two rows (after
    normalising: ``007`` and ``7`` in a number column, full-width digits, spaces, case), or
    a key cell that is empty or holds no key.  Names every cell; says it in zh and en."""

    slug = "customer-key"

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
