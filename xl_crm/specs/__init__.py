"""Template specs: the YAML format, its loader and the built-in catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xl_crm.specs.loader import builtin_names, load_spec, spec_from_data, templates_dir
from xl_crm.specs.model import FieldSpec, Label, SheetSpec, Spec


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    title_zh: str
    title_en: str
    sheets: tuple[str, ...]
    extends: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm template list --json``)."""
        return {
            "name": self.name,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "sheets": list(self.sheets),
            "extends": self.extends,
        }


class TemplateList(list[TemplateInfo]):
    """The built-in templates (a list of :class:`TemplateInfo`) with ``to_dict`` and
    ``to_csv`` (``xl-crm template list --json/--csv``)."""

    def to_dict(self) -> list[dict[str, Any]]:
        """Each template's ``to_dict()``."""
        return [info.to_dict() for info in self]

    def to_csv(self) -> str:
        """``name,title_zh,title_en,sheets,extends`` (sheet ids joined by spaces)."""
        from xl_crm.results import csv_text

        rows = ({**vars(i), "sheets": " ".join(i.sheets)} for i in self)
        return csv_text(["name", "title_zh", "title_en", "sheets", "extends"], rows)


def list_templates() -> TemplateList:
    """The built-in templates, by name: a :class:`TemplateList` of :class:`TemplateInfo`
    (name, titles, sheet ids, the template it extends)."""
    out = TemplateList()
    for name in builtin_names():
        spec = load_spec(name)
        out.append(
            TemplateInfo(
                name=name,
                title_zh=spec.title.zh,
                title_en=spec.title.en,
                sheets=tuple(spec.sheet_ids()),
                extends=spec.extends,
            )
        )
    return out


__all__ = [
    "FieldSpec",
    "Label",
    "SheetSpec",
    "Spec",
    "TemplateInfo",
    "builtin_names",
    "list_templates",
    "load_spec",
    "spec_from_data",
    "templates_dir",
]
