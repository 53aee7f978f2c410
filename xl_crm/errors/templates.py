"""Templates that cannot be found or loaded, and names a template does not have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xl_crm.errors.base import LANGS, Text, XlCrmError, both_langs, in_lang


class TemplateNotFoundError(XlCrmError):
    """A template name that is neither built in nor a spec file."""

    reason = "template-not-found"
    fix: Text = (
        "使用 xl-crm template list 中的名称，或给出 .yaml 模板文件的路径",
        "use a name from xl-crm template list, or the path of a .yaml spec",
    )


class NotInTemplateError(XlCrmError):
    """A sheet or field id the template does not have (``spec.sheet("x")``,
    ``sheet.field("x")``, ``--sheet x=...``), or a sheet a step needs (orders that refer to
    the customers) the template lacks."""

    reason = "not-in-template"
    fix: Text = (
        "使用模板中已有的工作表或字段 id（xl-crm template show）",
        "use a sheet or field id the template has (xl-crm template show)",
    )


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
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "message": both_langs(self.text),
        }

    def __str__(self) -> str:
        return self.describe("en")


class SpecError(XlCrmError):
    """A template spec that cannot be loaded: bad YAML, unknown keys, broken references.
    ``problems`` lists each with its file, line and key."""

    reason = "spec-invalid"
    fix: Text = (
        "按每条问题所指的行修改模板文件；xl-crm template check 列出全部",
        "correct the spec at each line named; xl-crm template check lists them all",
    )
    #: the message's first line for one problem, and for ``{count}`` problems (zh, en)
    heads = (
        ("模板规格有误", "template spec is invalid"),
        ("模板规格有 {count} 处问题", "template spec has {count} problems"),
    )

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        count = len(problems)
        head = [h.format(count=count) for h in self.heads[0 if count <= 1 else 1]]
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
