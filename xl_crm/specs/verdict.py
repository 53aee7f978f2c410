"""``check_template``: a spec file checked, as a result (``xl-crm template check``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_crm.errors import SpecError, SpecProblem
from xl_crm.results import csv_text

__all__ = ["SpecCheck", "check_template"]


@dataclass
class SpecCheck:
    """A spec checked: its ``source`` (file or built-in name), the ``template`` name, its
    ``sheets`` and ``fields`` counts (None when it could not be loaded), and every problem
    found (each with its file, line and key; empty when the spec is sound)."""

    source: str
    template: str | None = None
    sheets: int | None = None
    fields: int | None = None
    problems: list[SpecProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @property
    def exit_code(self) -> int:
        """0 when valid, 1 when the spec has problems."""
        return 0 if self.valid else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm template check --json``)."""
        return {
            "source": self.source,
            "valid": self.valid,
            "template": self.template,
            "sheets": self.sheets,
            "fields": self.fields,
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_csv(self) -> str:
        """The problems as CSV: ``file,line,key,message_zh,message_en``."""
        rows = (
            {**d, "message_zh": d["message"]["zh"], "message_en": d["message"]["en"]}
            for d in (p.to_dict() for p in self.problems)
        )
        return csv_text(["file", "line", "key", "message_zh", "message_en"], rows)


def check_template(source: str | Path) -> SpecCheck:
    """Load and check the spec at ``source`` (a YAML file, or a built-in template name):
    every problem is collected, not only the first.  Returns a :class:`SpecCheck`; raises
    :class:`xl_crm.errors.TemplateNotFoundError` when ``source`` is neither a file nor a
    built-in name (a spec that is found but wrong is a result with problems, not an
    error)."""
    from xl_crm.specs.loader import load_spec

    try:
        spec = load_spec(source)
    except SpecError as exc:
        return SpecCheck(str(source), problems=list(exc.problems))
    fields = sum(len(s.fields) for s in spec.sheets)
    return SpecCheck(str(source), spec.name, len(spec.sheets), fields)
