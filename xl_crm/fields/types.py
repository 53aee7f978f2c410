"""The field types a template spec may use, and what each means in a workbook.

A type decides how a column is stored (text, number, date, boolean), its Excel number
format, whether it is an identifier (kept as text so leading zeros and 18-digit IDs
survive), its default width and the kind of Excel data validation a built workbook gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Storage = Literal["text", "integer", "number", "date", "datetime", "boolean"]


@dataclass(frozen=True)
class FieldType:
    name: str
    storage: Storage
    number_format: str
    width: float
    description: str
    #: identifiers are stored and compared as text (phones, ID numbers, codes)
    identifier: bool = False
    #: the exact length when the type has one (ID numbers, credit codes)
    fixed_length: int | None = None
    #: a sensible max length when the spec gives none
    default_max_length: int | None = None


TEXT_FORMAT = "@"

FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        FieldType("text", "text", TEXT_FORMAT, 18, "free text"),
        FieldType("integer", "integer", "0", 12, "whole number"),
        FieldType("decimal", "number", "#,##0.00", 12, "number with decimals"),
        FieldType("money", "number", "¥#,##0.00", 14, "amount of money (CNY by default)"),
        FieldType("date", "date", "yyyy-mm-dd", 12, "calendar date"),
        FieldType("datetime", "datetime", "yyyy-mm-dd hh:mm", 17, "date and time"),
        FieldType("boolean", "boolean", "General", 8, "yes/no (TRUE/FALSE)"),
        FieldType("email", "text", TEXT_FORMAT, 26, "e-mail address", default_max_length=254),
        FieldType(
            "phone",
            "text",
            TEXT_FORMAT,
            15,
            "phone number, kept as text (+86, spaces and dashes allowed)",
            identifier=True,
            default_max_length=20,
        ),
        FieldType(
            "cn_resident_id",
            "text",
            TEXT_FORMAT,
            21,
            "公民身份号码: 18-character PRC resident ID (GB 11643), kept as text",
            identifier=True,
            fixed_length=18,
        ),
        FieldType(
            "uscc",
            "text",
            TEXT_FORMAT,
            21,
            "统一社会信用代码: 18-character unified social credit code (GB 32100)",
            identifier=True,
            fixed_length=18,
        ),
        FieldType("url", "text", TEXT_FORMAT, 28, "web address", default_max_length=2048),
        FieldType("choice", "text", TEXT_FORMAT, 14, "one value from a list (dropdown)"),
        FieldType(
            "multi_choice",
            "text",
            TEXT_FORMAT,
            22,
            "several values from a list, separated by the field's separator",
        ),
    )
}

TYPE_NAMES: tuple[str, ...] = tuple(FIELD_TYPES)


def field_type(name: str) -> FieldType:
    """Return the type called ``name`` (KeyError if there is none)."""
    return FIELD_TYPES[name]
