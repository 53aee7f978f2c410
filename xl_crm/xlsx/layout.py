"""Where each sheet's parts sit in a built workbook: band row, header row, data rows."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from xl_crm.fields.grid import EXCEL_MAX_ROWS
from xl_crm.specs.model import FieldSpec, Lang, SheetSpec

#: data validation and conditional formats reach at least this many rows
DEFAULT_INPUT_ROWS = 1000
#: rows in an Excel worksheet
EXCEL_ROWS = EXCEL_MAX_ROWS
LISTS_SHEET = "_lists"
INSTRUCTIONS_TITLE = {"zh": "填写说明", "en": "Instructions"}
TEXT_WIDTH_MAX = 48


@dataclass(frozen=True)
class SheetLayout:
    sheet: SheetSpec
    lang: Lang
    rows: int  # data rows written

    @property
    def title(self) -> str:
        return self.sheet.label.get(self.lang)

    @property
    def band_row(self) -> int | None:
        """Row 1 holds the group band, unless the data needs every row of the sheet."""
        return 1 if self.sheet.has_groups() and self.rows <= EXCEL_ROWS - 2 else None

    @property
    def header_row(self) -> int:
        return 2 if self.band_row else 1

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def last_data_row(self) -> int:
        """Last row of the Excel Table (a Table keeps one empty row when there is no data)."""
        return self.header_row + max(self.rows, 1)

    @property
    def last_input_row(self) -> int:
        """Last row that dropdowns and highlighting cover."""
        return self.header_row + max(self.rows, DEFAULT_INPUT_ROWS)

    def letter(self, field_id: str) -> str:
        return get_column_letter(self.sheet.field_ids().index(field_id) + 1)

    def group_runs(self) -> list[tuple[str, int, int]]:
        """``(group id, first column, last column)`` (1-based) of each run of neighbouring
        fields in one group: the cells of the band row, in order."""
        runs: list[tuple[str, int, int]] = []
        for i, f in enumerate(self.sheet.fields, start=1):
            if f.group and runs and runs[-1][0] == f.group and runs[-1][2] == i - 1:
                runs[-1] = (f.group, runs[-1][1], i)
            elif f.group:
                runs.append((f.group, i, i))
        return runs

    def columns(self) -> list[tuple[str, FieldSpec]]:
        return [(get_column_letter(i + 1), f) for i, f in enumerate(self.sheet.fields)]

    @property
    def last_column(self) -> str:
        return get_column_letter(len(self.sheet.fields))

    def data_range(self, field_id: str) -> str:
        col = self.letter(field_id)
        return f"{col}{self.first_data_row}:{col}{self.last_input_row}"

    @property
    def table_ref(self) -> str:
        return f"A{self.header_row}:{self.last_column}{self.last_data_row}"


def display_width(text: str) -> float:
    """Approximate column width of ``text`` (CJK characters count double)."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


def column_width(f: FieldSpec, lang: Lang) -> float:
    if f.width:
        return f.width
    header = display_width(f.header(lang)) + 4  # room for the filter button
    return round(min(max(f.ftype.width, header), TEXT_WIDTH_MAX), 1)
