"""What a template spec is: pydantic models for sheets, fields, rules and segments.

The YAML format is documented in ``docs/template-format.md``.  These models check the
shape of each part; :mod:`xl_crm.specs.checks` checks how the parts fit together
(keys, references, groups, rule expressions).
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from xl_crm.errors import NotInTemplateError
from xl_crm.fields.grid import EXCEL_MAX_CELL_CHARS
from xl_crm.fields.types import FIELD_TYPES, TYPE_NAMES, FieldType
from xl_crm.sample.kinds import SAMPLE_KINDS

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
Severity = Literal["error", "warning"]
IDENT = r"^[a-z][a-z0-9_]*$"
MAX_CELL_CHARS = EXCEL_MAX_CELL_CHARS


def spec_value_error(zh: str, en: str) -> PydanticCustomError:
    """A validation error whose message the loader can show in zh or en."""
    return PydanticCustomError("xlcrm", "{en}", {"zh": zh, "en": en})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Label(_Model):
    """Text in Simplified Chinese and English.  A plain string means both are the same."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"zh": value, "en": value}
        if isinstance(value, dict) and ("zh" in value) != ("en" in value):
            only = value.get("zh", value.get("en"))
            return {**value, "zh": only, "en": only}
        return value

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class Choice(_Model):
    """One allowed value.  ``value`` is the stable id; the cell shows the label."""

    value: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value)
            return {"value": text, "zh": text, "en": text}
        if isinstance(value, dict):
            data = dict(value)
            data.setdefault("value", data.get("en", data.get("zh")))
            data.setdefault("zh", data.get("en", data.get("value")))
            data.setdefault("en", data.get("zh", data.get("value")))
            return data
        return value

    def label(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class FieldSpec(_Model):
    """One column of a sheet."""

    id: str = Field(pattern=IDENT)
    label: Label
    type: str
    aliases: list[str] = []
    required: bool = False
    unique: bool = False
    max_length: int | None = Field(default=None, ge=1, le=MAX_CELL_CHARS)
    min_value: float | None = None
    max_value: float | None = None
    default: Any = None
    choices: list[Choice] = []
    separator: str = "、"
    help: Label | None = None
    group: str | None = None
    computed: str | None = Field(default=None, pattern=IDENT)
    sample: str | None = None
    width: float | None = Field(default=None, gt=0, le=255)
    highlight_overdue: bool = False
    severity: Severity = "error"
    #: personal data: masked in reports with --mask (phones, e-mails and IDs always are)
    personal: bool = False

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            close = difflib.get_close_matches(value, TYPE_NAMES, n=1)
            hint = (
                (f"；是否想写 {close[0]!r}？", f"; did you mean {close[0]!r}?")
                if close
                else ("", "")
            )
            raise spec_value_error(
                f"未知字段类型 {value!r}{hint[0]}（已知类型：{'、'.join(TYPE_NAMES)}）",
                f"unknown field type {value!r}{hint[1]} (known types: {', '.join(TYPE_NAMES)})",
            )
        return value

    @field_validator("sample")
    @classmethod
    def _known_sample(cls, value: str | None) -> str | None:
        if value is not None and value not in SAMPLE_KINDS:
            close = difflib.get_close_matches(value, SAMPLE_KINDS, n=1)
            hint = (
                (f"；是否想写 {close[0]!r}？", f"; did you mean {close[0]!r}?")
                if close
                else ("", "")
            )
            known = sorted(SAMPLE_KINDS)
            raise spec_value_error(
                f"未知示例数据类型 {value!r}{hint[0]}（已知：{'、'.join(known)}）",
                f"unknown sample kind {value!r}{hint[1]} (known: {', '.join(known)})",
            )
        return value

    @property
    def ftype(self) -> FieldType:
        return FIELD_TYPES[self.type]

    @property
    def effective_max_length(self) -> int | None:
        return self.max_length or self.ftype.fixed_length or self.ftype.default_max_length

    def header(self, lang: Lang) -> str:
        return self.label.get(lang)

    def choice_labels(self, lang: Lang) -> list[str]:
        return [c.label(lang) for c in self.choices]


class Group(_Model):
    """A band over neighbouring columns (联系人 / 地址 / 订单详情 ...)."""

    id: str = Field(pattern=IDENT)
    label: Label


class SortKey(_Model):
    field: str
    order: Literal["asc", "desc"] = "asc"


class Reference(_Model):
    """``field`` holds keys of another sheet: ``to: customers.customer_id``."""

    field: str
    to: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
    severity: Severity = "error"

    @property
    def sheet(self) -> str:
        return self.to.split(".", 1)[0]

    @property
    def target_field(self) -> str:
        return self.to.split(".", 1)[1]


class RowRule(_Model):
    """A condition every row must meet, in the expression language (``a > b``)."""

    id: str = Field(pattern=IDENT)
    check: str
    severity: Severity = "error"
    message: Label | None = None
    #: rows where any of these fields is empty are not checked (default: names in the check)
    when_present: list[str] | None = None


class SegmentRule(_Model):
    value: str
    when: str


class Segment(_Model):
    """Labels written to a choice field by the first rule whose condition holds."""

    id: str = Field(pattern=IDENT)
    sheet: str
    field: str
    label: Label | None = None
    rules: list[SegmentRule] = Field(min_length=1)
    otherwise: str | None = None


class SheetSpec(_Model):
    """One table of the workbook."""

    id: str = Field(pattern=IDENT)
    label: Label
    description: Label | None = None
    key: str | None = None
    unique_together: list[list[str]] = []
    sort: list[SortKey] = []
    references: list[Reference] = []
    rules: list[RowRule] = []
    groups: list[Group] = []
    fields: list[FieldSpec] = Field(min_length=1)
    remove_fields: list[str] = []
    #: rows of sample data per row of the first sheet (default 1, or 2 for sheets that
    #: reference another sheet)
    sample_ratio: float | None = Field(default=None, gt=0, le=50)

    def field(self, field_id: str) -> FieldSpec:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise NotInTemplateError(
            (
                f"工作表 {self.id!r} 没有字段 {field_id!r}",
                f"the sheet {self.id!r} has no field {field_id!r}",
            ),
            sheet=self.id,
            field=field_id,
            expected=(
                "字段：" + "、".join(self.field_ids()),
                "fields: " + ", ".join(self.field_ids()),
            ),
        )

    def field_ids(self) -> list[str]:
        return [f.id for f in self.fields]

    def has_groups(self) -> bool:
        return any(f.group for f in self.fields)


class Spec(_Model):
    """A whole template: the single source of truth for an industry's tables."""

    spec_version: Literal[1] = 1
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: Label
    description: Label | None = None
    extends: str | None = None
    phone_region: str = Field(default="CN", pattern=r"^[A-Z]{2}$")
    #: how ``12/04/2026`` text dates are read: ``dmy`` (12 April) or ``mdy`` (4 December);
    #: unset, each column decides from its own values, else :attr:`default_date_order`
    date_order: Literal["dmy", "mdy"] | None = None
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    sheets: list[SheetSpec] = Field(min_length=1)
    segments: list[Segment] = []
    #: severity of validation rules by slug, e.g. {unknown-column: error, email: warning}
    severity: dict[str, Severity] = {}

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready data, the keys a spec file would hold (defaults left out,
        ``extends`` resolved): what ``xl-crm template show/infer --json`` prints."""
        from xl_crm.specs.dump import spec_to_data

        return spec_to_data(self)

    def sheet(self, sheet_id: str) -> SheetSpec:
        for s in self.sheets:
            if s.id == sheet_id:
                return s
        raise NotInTemplateError(
            (
                f"模板 {self.name!r} 没有工作表 {sheet_id!r}",
                f"the template {self.name!r} has no sheet {sheet_id!r}",
            ),
            sheet=sheet_id,
            expected=(
                "工作表：" + "、".join(self.sheet_ids()),
                "sheets: " + ", ".join(self.sheet_ids()),
            ),
        )

    @property
    def default_date_order(self) -> str:
        """The order for ambiguous ``a/b/yyyy`` dates: the spec's ``date_order``, else
        month-first where the phone region writes dates that way (US, PH, CA, FM, MH,
        PW), day-first elsewhere (CLDR short date patterns)."""
        if self.date_order:
            return self.date_order
        return "mdy" if self.phone_region in {"US", "PH", "CA", "FM", "MH", "PW"} else "dmy"

    def sheet_ids(self) -> list[str]:
        return [s.id for s in self.sheets]
