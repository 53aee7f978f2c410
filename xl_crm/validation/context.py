"""What one run's checks share: the spec and the other sheets (:class:`SheetContext`), the
bound on the findings built per rule, and the checks that raised (:class:`CheckFailures`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xl_crm.specs.model import Spec
from xl_crm.table import Table

if TYPE_CHECKING:
    from xl_crm.validation.bounded import FindingBatch

__all__ = ["FINDINGS_PER_RULE", "CheckFailure", "CheckFailures", "SheetContext"]

#: Finding objects built per rule and column of a sheet; the findings past it are kept as
#: row arrays (:class:`xl_crm.validation.bounded.FindingBatch`), counted exactly and written
#: in full to the JSON and CSV reports.
FINDINGS_PER_RULE = 1000


@dataclass
class SheetContext:
    """What one sheet's checks need from the run.

    ``spec``: the template; ``tables``: every sheet read (references look up other sheets'
    keys); ``mask``: personal values masked in findings; ``limit``: Finding objects built
    per rule and column (:data:`FINDINGS_PER_RULE`; the rest go to ``overflow`` as
    :class:`xl_crm.validation.bounded.FindingBatch` objects).  ``duplicate_groups`` caches, per
    sheet and field, the rows sharing each normalised value (the "other cell" of a
    ``duplicate`` finding).  ``distinct``: per sheet, the fields found present in every
    row and distinct on their normalised keys by the uniqueness check (no row of such a
    sheet can copy another).
    """

    spec: Spec
    tables: dict[str, Table]
    mask: bool = False
    limit: int = FINDINGS_PER_RULE
    overflow: list[FindingBatch] = field(default_factory=list)
    duplicate_groups: dict[tuple[str, str], Any] = field(default_factory=dict)
    distinct: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckFailure:
    """A check that raised: on one row (``row``) or on its whole column (``row`` None)."""

    check: str
    column: str | None  # field id, or None for a check of the whole sheet
    row: int | None
    cause: str  # "ValueError: ..." as raised


class CheckFailures:
    """Where checks raised instead of answering; each becomes a ``check-failed`` finding,
    so a check that breaks on one value never hides the findings of the other cells."""

    def __init__(self) -> None:
        self.items: list[CheckFailure] = []

    def add(self, check: str, column: str | None, row, exc: BaseException) -> None:
        cause = f"{type(exc).__name__}: {exc}"
        self.items.append(CheckFailure(check, column, None if row is None else int(row), cause))
