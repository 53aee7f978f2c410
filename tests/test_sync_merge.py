"""The three-way merge of sheets_sync.sync.merge, on rows as plain lists: each rule of
research/gsheets.md §8 (one side changed, both the same, a conflict under each policy and
direction, rows new and deleted on either side), and properties over random histories:
after the plan is applied both sides agree on every cell without a conflict, and a second
merge from the new snapshot has nothing left to do."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_sync.sync.merge import DIRECTIONS, POLICIES, MergePlan, merge

F = ["customer_id", "name", "email"]


def row(*cells):
    return list(cells)


def apply(plan: MergePlan, local: dict, sheet: dict) -> tuple[dict, dict]:
    """What the writers do with a plan, on dicts."""
    local = {k: list(v) for k, v in local.items()}
    sheet = {k: list(v) for k, v in sheet.items()}
    for key, cells in plan.to_local.items():
        for i, v in cells.items():
            local[key][i] = v
    for key, cells in plan.to_sheet.items():
        for i, v in cells.items():
            sheet[key][i] = v
    local.update({k: list(v) for k, v in plan.new_in_book.items()})
    sheet.update({k: list(v) for k, v in plan.new_on_sheet.items()})
    for key in plan.delete_in_book:
        del local[key]
    for key in plan.delete_on_sheet:
        del sheet[key]
    return local, sheet


BASE = {"1": row("1", "王芳", "a@x.cn"), "2": row("2", "李娜", "b@x.cn")}


def test_a_cell_changed_on_one_side_goes_to_the_other():
    local = {**BASE, "1": row("1", "王芳", "new@x.cn")}
    sheet = {**BASE, "2": row("2", "李娜娜", "b@x.cn")}
    plan = merge(F, BASE, local, sheet)
    assert plan.to_sheet == {"1": {2: "new@x.cn"}}
    assert plan.to_local == {"2": {1: "李娜娜"}}
    assert not plan.conflicts
    assert plan.base["1"] == row("1", "王芳", "new@x.cn")
    assert plan.base["2"] == row("2", "李娜娜", "b@x.cn")


def test_both_sides_changed_to_the_same_value_is_no_conflict():
    same = {**BASE, "1": row("1", "王芳", "same@x.cn")}
    plan = merge(F, BASE, same, dict(same))
    assert plan.empty and not plan.conflicts
    assert plan.base["1"][2] == "same@x.cn"


@pytest.mark.parametrize(
    ("prefer", "direction", "to_sheet", "to_local", "kept"),
    [
        ("none", "both", None, None, "both"),
        ("sheet", "both", None, "sheet@x.cn", "sheet"),
        ("local", "both", "local@x.cn", None, "local"),
        ("newest", "both", None, "sheet@x.cn", "sheet"),  # newer="sheet" below
        ("sheet", "push", None, None, "both"),  # push never writes the workbook
        ("local", "pull", None, None, "both"),  # pull never writes the sheet
        ("local", "push", "local@x.cn", None, "local"),
        ("sheet", "pull", None, "sheet@x.cn", "sheet"),
    ],
)
def test_a_conflict_under_each_policy_and_direction(prefer, direction, to_sheet, to_local, kept):
    local = {**BASE, "1": row("1", "王芳", "local@x.cn")}
    sheet = {**BASE, "1": row("1", "王芳", "sheet@x.cn")}
    plan = merge(F, BASE, local, sheet, prefer=prefer, direction=direction, newer="sheet")
    [conflict] = plan.conflicts
    assert (conflict.key, conflict.field, conflict.kind) == ("1", "email", "cell")
    assert (conflict.base, conflict.local, conflict.sheet) == (
        "a@x.cn", "local@x.cn", "sheet@x.cn")  # fmt: skip
    assert conflict.kept == kept
    assert plan.to_sheet == ({"1": {2: to_sheet}} if to_sheet else {})
    assert plan.to_local == ({"1": {2: to_local}} if to_local else {})
    if kept == "both":
        assert conflict.why
        assert plan.base["1"][2] == "a@x.cn"  # still a conflict next time


def test_newest_takes_the_side_whose_file_changed_last():
    local = {**BASE, "1": row("1", "王芳", "local@x.cn")}
    sheet = {**BASE, "1": row("1", "王芳", "sheet@x.cn")}
    plan = merge(F, BASE, local, sheet, prefer="newest", newer="local")
    assert plan.to_sheet == {"1": {2: "local@x.cn"}} and plan.conflicts[0].kept == "local"


def test_new_rows_go_to_the_other_side_and_deleted_rows_are_deleted_there():
    local = {"1": BASE["1"], "3": row("3", "新客", None)}  # 2 deleted locally, 3 new
    sheet = {**BASE, "4": row("4", "表格新客", "d@x.cn")}
    plan = merge(F, BASE, local, sheet)
    assert plan.new_on_sheet == {"3": row("3", "新客", None)}
    assert plan.new_in_book == {"4": row("4", "表格新客", "d@x.cn")}
    assert plan.delete_on_sheet == ["2"] and plan.delete_in_book == []
    assert set(plan.base) == {"1", "3", "4"}


@pytest.mark.parametrize(
    ("prefer", "deleted", "added_back"), [("none", False, False), ("sheet", True, False),
                                          ("local", False, True)])  # fmt: skip
def test_a_row_deleted_on_the_sheet_and_edited_locally_is_a_conflict(prefer, deleted, added_back):
    local = {**BASE, "2": row("2", "李娜", "edited@x.cn")}
    sheet = {"1": BASE["1"]}
    plan = merge(F, BASE, local, sheet, prefer=prefer)
    [conflict] = plan.conflicts
    assert conflict.kind == "deleted-on-sheet" and conflict.field is None
    assert (plan.delete_in_book == ["2"]) is deleted
    assert ("2" in plan.new_on_sheet) is added_back
    assert ("2" in plan.base) is (not deleted)


def test_a_direction_that_cannot_write_a_side_leaves_the_change_for_later():
    local = {"1": BASE["1"]}  # 2 deleted locally
    sheet = {**BASE, "5": row("5", "表格新客", None)}
    plan = merge(F, BASE, local, sheet, direction="pull")
    assert plan.delete_on_sheet == [] and plan.new_in_book == {"5": row("5", "表格新客", None)}
    assert plan.base["2"] == BASE["2"]  # still to delete, by a push


def test_before_the_first_sync_an_empty_cell_is_filled_and_differences_are_conflicts():
    local = {"1": row("1", "王芳", None)}
    sheet = {"1": row("1", "王芳芳", "a@x.cn")}
    plan = merge(F, None, local, sheet)
    assert plan.to_local == {"1": {2: "a@x.cn"}}
    assert [(c.field, c.kept) for c in plan.conflicts] == [("name", "both")]


def test_unknown_direction_or_policy_is_refused():
    with pytest.raises(ValueError, match="direction"):
        merge(F, None, {}, {}, direction="sideways")
    with pytest.raises(ValueError, match="prefer"):
        merge(F, None, {}, {}, prefer="mine")


# -- properties -------------------------------------------------------------------------

VALUES = st.sampled_from([None, "a", "b", 1, ("b", True), ("d", "2026-05-01")])
ROWS = st.dictionaries(st.sampled_from("123456"), st.lists(VALUES, min_size=3, max_size=3),
                       max_size=6)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(base=ROWS, local=ROWS, sheet=ROWS, prefer=st.sampled_from(POLICIES),
       direction=st.sampled_from(DIRECTIONS))  # fmt: skip
def test_after_a_sync_the_sides_agree_and_a_second_sync_has_nothing_to_do(
    base, local, sheet, prefer, direction
):
    plan = merge(F, base, local, sheet, prefer=prefer, direction=direction, newer="local")
    new_local, new_sheet = apply(plan, local, sheet)
    if direction == "both":
        open_rows = {c.key for c in plan.conflicts if c.kept == "both"}
        for key in {*new_local, *new_sheet} - open_rows:
            assert new_local.get(key) == new_sheet.get(key), key
    # every cell both sides hold the same is in the snapshot
    for key in set(new_local) & set(new_sheet):
        for i, (a, b) in enumerate(zip(new_local[key], new_sheet[key], strict=True)):
            if a == b:
                assert plan.base[key][i] == a
    again = merge(F, plan.base, new_local, new_sheet, prefer=prefer, direction=direction,
                  newer="local")  # fmt: skip
    if direction == "both":
        assert again.empty
    # what the first sync left open is listed again, never dropped silently
    first = {(c.key, c.field) for c in plan.conflicts if c.kept == "both"}
    assert first <= {(c.key, c.field) for c in again.conflicts}
