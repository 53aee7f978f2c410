"""Findings about how the workbook matched its template: template sheets it lacks.

A template sheet no workbook sheet matches (a shop with no orders yet, a CSV holding one
sheet) is reported once, as a ``missing-sheet`` warning, and the sheets present are
checked; references to it are not checked.
"""

from __future__ import annotations

from xl_crm.specs.model import Spec
from xl_crm.validation.report import Finding
from xl_crm.validation.rules import RULES
from xl_crm.view.matching import BookMapping, expected_headers


def missing_sheet_findings(spec: Spec, mapping: BookMapping) -> list[Finding]:
    """One ``missing-sheet`` finding per template sheet in ``mapping.missing_sheets``.

    The finding has no sheet or cell (``where`` is empty); ``header`` is the template
    sheet's label (zh / en) and the hint names the headers that would identify it.
    Severity: the rule's, or the spec's ``severity: {missing-sheet: ...}``.
    """
    rule = RULES["missing-sheet"]
    severity = spec.severity.get(rule.slug, rule.severity)
    out = []
    for sheet_id, zh, en in mapping.missing_sheets:
        sheet = spec.sheet(sheet_id)
        header = f"{zh} / {en}"
        parts = {
            lang: {"header": header, "limit": expected_headers(sheet, lang), "other": sheet_id}
            for lang in ("zh", "en")
        }
        out.append(
            Finding(
                rule=rule.slug,
                severity=severity,
                sheet="",
                cell="",
                row=None,
                column=None,
                field=None,
                header=header,
                key=None,
                value=None,
                message_zh=rule.message[0].format(**parts["zh"]),
                message_en=rule.message[1].format(**parts["en"]),
                hint_zh=rule.hint[0].format(**parts["zh"]),
                hint_en=rule.hint[1].format(**parts["en"]),
            )
        )
    return out
