"""The exceptions xl-crm raises.

Every error a user can see derives from :class:`XlCrmError`, so callers (the CLI, the
scheduled service, a notebook) can catch "anything of ours" in one place.  Each error
carries a stable ``slug``, says where the problem is (file, line, sheet, cell) and how to
fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class XlCrmError(Exception):
    """Root of every error xl-crm raises on purpose."""

    slug = "xl-crm-error"
    #: process exit code the CLI uses for this error
    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  fix: {self.hint}"


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a template spec, with where it is."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {self.message}"


class SpecError(XlCrmError):
    """A template spec that cannot be loaded: bad YAML, unknown keys, broken references."""

    slug = "spec-invalid"

    def __init__(self, problems: list[SpecProblem]) -> None:
        if not problems:
            raise ValueError("SpecError needs at least one problem")
        self.problems = problems
        count = len(problems)
        head = "template spec is invalid" if count == 1 else f"template spec has {count} problems"
        message = head + ":\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(message)

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
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.cell = cell
        self.reason = message
        where = [p for p in (self.file, _sheet_cell(sheet, cell)) if p]
        prefix = ": ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)

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
            hint=self.hint,
        )


class MissingExtraError(XlCrmError):
    """An optional integration whose extra is not installed."""

    slug = "missing-extra"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the '{module}' package, which is not installed",
            hint=f"pip install 'xl-crm[{extra}]'",
        )


def _sheet_cell(sheet: str | None, cell: str | None) -> str | None:
    if sheet and cell:
        return f"{sheet}!{cell}"
    return sheet or cell
