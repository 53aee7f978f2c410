"""Template specs: the YAML format, its loader and the built-in catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from xl_crm.specs.loader import builtin_names, load_spec, spec_from_data, templates_dir
from xl_crm.specs.model import FieldSpec, Label, SheetSpec, Spec


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    title_zh: str
    title_en: str
    sheets: tuple[str, ...]
    extends: str | None


def list_templates() -> list[TemplateInfo]:
    """The built-in templates, by name."""
    out = []
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
