"""The three-way merge of one sheet's rows: the workbook, the Google Sheet and the snapshot
of the last sync, matched by key.

Rows are matched by the template's key (the customer ID), never by position, so rows
sorted, filtered or inserted on either side stay matched.  For each cell, with ``b`` the
value both sides agreed on at the last sync (None before the first one), ``l`` the
workbook's and ``s`` the sheet's (research/gsheets.md §8, the three-way merge; the same
idea as the "two-way sync" recipes that keep a snapshot):

- ``l == s``: nothing to do;
- only one side differs from ``b``: that side's value goes to the other;
- both differ from ``b``, differently: a **conflict**, settled by the policy ``prefer``
  (``sheet``, ``local``, ``newest``: the side whose file changed last, or ``none``: both
  left as they are) and always listed.

Two more rules keep a sync from writing what nobody changed: a cell that differs only in how
it is written (the text ``2026-05-03`` on one side, the date on the other; ``1,299.00`` and
1299; an ID typed ``0123`` and stored as 123) is left on each side as it is, when both read
as the same value of the column's type (``same_meaning``); the snapshot then keeps both
spellings (``("=", local, sheet)``) so neither counts as a change later.  A cell holding an
Excel error value (``#N/A``: a formula that failed) is never copied across.

A row the snapshot has and one side no longer has was deleted there: it is deleted on the
other side too when that side did not change it since; when it did, that is a conflict
(deleted on one side, edited on the other), settled the same way.  A row on one side only
and not in the snapshot is new: it is added to the other side.  ``direction`` limits which
side is written: ``push`` writes only the sheet, ``pull`` only the workbook, ``both``
either; a change that would need the other side stays where it is (and in the snapshot's
terms still a change, so the next sync in that direction makes it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sheets_sync.sync.values import Canon, is_error

__all__ = ["DIRECTIONS", "POLICIES", "Conflict", "MergePlan", "merge"]

#: which side a sync writes: ``push`` the sheet, ``pull`` the workbook, ``both`` either
DIRECTIONS = ("push", "pull", "both")
#: how a conflict is settled (see the module docstring)
POLICIES = ("sheet", "local", "newest", "none")

Row = list[Canon]


@dataclass(frozen=True)
class Conflict:
    """Both sides changed the same thing differently since the last sync.

    ``key``: the row's key as the workbook shows it; ``field``: the field id (None for a
    whole row: ``kind`` ``deleted-on-sheet`` or ``deleted-locally``, the other side edited
    it); ``base``, ``local``, ``sheet``: the cell's canonical values (None: empty or, for a
    row, absent); ``kept``: ``sheet``, ``local`` or ``both`` (nothing written: each side
    keeps its own), and ``why`` when the policy could not be applied (the direction does not
    write that side)."""

    key: str
    field: str | None
    kind: str
    base: Canon
    local: Any  # Canon for a cell; the row (a list) or None for a deleted row
    sheet: Any
    kept: str
    why: str = ""


@dataclass
class MergePlan:
    """What a sync writes, by key (the keys as :func:`merge` was given them).

    ``to_sheet`` / ``to_local``: key -> {field index: new canonical value} for rows both
    sides have; ``new_on_sheet`` / ``new_in_book``: key -> the whole row to add;
    ``delete_on_sheet`` / ``delete_in_book``: keys of rows to remove; ``conflicts``; and
    ``base``: the snapshot to keep once every write is done (each cell both sides then
    agree on; a cell still different keeps its old snapshot value)."""

    fields: list[str]
    to_sheet: dict[str, dict[int, Canon]] = field(default_factory=dict)
    to_local: dict[str, dict[int, Canon]] = field(default_factory=dict)
    new_on_sheet: dict[str, Row] = field(default_factory=dict)
    new_in_book: dict[str, Row] = field(default_factory=dict)
    delete_on_sheet: list[str] = field(default_factory=list)
    delete_in_book: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    base: dict[str, Row] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing is to be written on either side."""
        return not (self.to_sheet or self.to_local or self.new_on_sheet or self.new_in_book
                    or self.delete_on_sheet or self.delete_in_book)  # fmt: skip

    def cells_to_sheet(self) -> int:
        """Cells of existing sheet rows to write (new and deleted rows not counted)."""
        return sum(len(c) for c in self.to_sheet.values())

    def cells_to_local(self) -> int:
        """Cells of existing workbook rows to write."""
        return sum(len(c) for c in self.to_local.values())


def merge(
    fields: list[str],
    base: dict[str, Row] | None,
    local: dict[str, Row],
    sheet: dict[str, Row],
    *,
    direction: str = "both",
    prefer: str = "none",
    newer: str | None = "sheet",
    same_meaning: Callable[[str, int], bool] | None = None,
) -> MergePlan:
    """The :class:`MergePlan` of one sheet (see the module docstring).

    ``fields``: the field ids compared, in the order of every row list; ``base``: key ->
    row at the last sync (None or {} before the first); ``local``, ``sheet``: key -> row as
    read now; ``direction`` one of :data:`DIRECTIONS`; ``prefer`` one of :data:`POLICIES`;
    ``newer``: the side whose file changed last (``sheet`` or ``local``; None: neither
    changed since the last sync, so ``newest`` cannot choose and leaves both);
    ``same_meaning(key, field index)``: whether the two sides' cells read as the same value
    (asked only for cells that differ).  Raises ValueError for an unknown direction or
    policy."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    if prefer not in POLICIES:
        raise ValueError(f"prefer must be one of {POLICIES}, not {prefer!r}")
    base = base or {}
    width = len(fields)
    plan = MergePlan(fields=list(fields))
    winner = (newer or "unknown") if prefer == "newest" else prefer
    push, pull = direction in ("push", "both"), direction in ("pull", "both")
    for key in dict.fromkeys([*base, *local, *sheet]):
        b, lo, sh = base.get(key), local.get(key), sheet.get(key)
        if lo is not None and sh is not None:
            _cells(plan, key, b or [None] * width, lo, sh, winner, push, pull, same_meaning)
        elif lo is not None and sh is None:
            _one_side(plan, key, b, lo, "local", winner, push, pull)
        elif sh is not None and lo is None:
            _one_side(plan, key, b, sh, "sheet", winner, push, pull)
        # in the snapshot only: deleted on both sides, gone from the snapshot too
    return plan


def _cells(
    plan: MergePlan,
    key: str,
    b: Row,
    lo: Row,
    sh: Row,
    winner: str,
    push: bool,
    pull: bool,
    same_meaning: Callable[[str, int], bool] | None = None,
) -> None:
    """Merge the cells of a row both sides have."""
    after = list(b)
    for i, (bv, lv, sv) in enumerate(zip(b, lo, sh, strict=True)):
        if lv == sv:
            after[i] = lv
            continue
        if is_error(lv) or is_error(sv):
            continue  # a failed formula's result is nobody's edit: never copied
        if same_meaning is not None and same_meaning(key, i):
            after[i] = ("=", lv, sv)  # one value, two spellings: each side keeps its own
            continue
        bl, bs = (bv[1], bv[2]) if isinstance(bv, tuple) and bv[0] == "=" else (bv, bv)
        if lv == bl:  # the sheet changed it
            take = "sheet"
        elif sv == bs:  # the workbook changed it
            take = "local"
        else:
            take, why = _settle(winner, push, pull)
            plan.conflicts.append(
                Conflict(key, plan.fields[i], "cell", bl, lv, sv, take or "both", why)
            )
            if take is None:
                continue
        if take == "sheet" and pull:
            plan.to_local.setdefault(key, {})[i] = sv
            after[i] = sv
        elif take == "local" and push:
            plan.to_sheet.setdefault(key, {})[i] = lv
            after[i] = lv
    plan.base[key] = after


def _one_side(
    plan: MergePlan,
    key: str,
    b: Row | None,
    row: Row,
    side: str,
    winner: str,
    push: bool,
    pull: bool,
) -> None:
    """A row only ``side`` has: new there, or deleted on the other side."""
    other_writable = pull if side == "sheet" else push
    own_writable = push if side == "sheet" else pull
    if b is None:  # new on ``side``: add it to the other
        if other_writable:
            (plan.new_in_book if side == "sheet" else plan.new_on_sheet)[key] = row
            plan.base[key] = list(row)
        return
    deleted_on = "local" if side == "sheet" else "sheet"
    at = 1 if side == "local" else 2  # the side's spelling in a two-spellings snapshot cell
    was = [c[at] if isinstance(c, tuple) and c[0] == "=" else c for c in b]
    if row == was:  # unchanged where it is, deleted on the other side: delete it here too
        if own_writable:
            (plan.delete_on_sheet if side == "sheet" else plan.delete_in_book).append(key)
        else:
            plan.base[key] = b  # still to delete, by a sync that writes this side
        return
    take, why = _settle(winner, push, pull)
    kept_row = {"sheet": "local", "local": "sheet"}
    # the side that deleted the row wins: delete it here; the side that edited it wins:
    # add it back over there
    if take == deleted_on and own_writable:
        (plan.delete_on_sheet if side == "sheet" else plan.delete_in_book).append(key)
    elif take == side and other_writable:
        (plan.new_in_book if side == "sheet" else plan.new_on_sheet)[key] = row
        plan.base[key] = list(row)
    else:
        if take is not None and not why:
            why = f"the direction does not write the {kept_row[take]} side"
        take = None
        plan.base[key] = b
    plan.conflicts.append(
        Conflict(
            key,
            None,
            f"deleted-{'locally' if deleted_on == 'local' else 'on-sheet'}",
            None,
            row if side == "local" else None,
            row if side == "sheet" else None,
            take or "both",
            why,
        )
    )


def _settle(winner: str, push: bool, pull: bool) -> tuple[str | None, str]:
    """The side a conflict's value is taken from (None: left as it is) and why not."""
    if winner == "none":
        return None, "--prefer none: both sides left as they are"
    if winner == "unknown":
        return None, ("--prefer newest: neither side changed since the last sync, so "
                      "neither is newer; settle it with --prefer sheet or local")  # fmt: skip
    if winner == "sheet" and not pull:
        return None, "push does not write the workbook"
    if winner == "local" and not push:
        return None, "pull does not write the sheet"
    return winner, ""
