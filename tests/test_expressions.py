"""The rule expression language: parses what it should, refuses the rest, evaluates vectorised."""

from __future__ import annotations

import pandas as pd
import pytest

from xl_crm.specs.expressions import ExpressionError, parse_expression


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("check_out > check_in", {"check_out", "check_in"}),
        ("total_spend >= 50000 and orders >= 3", {"total_spend", "orders"}),
        ("not (recency_days > 365) or group == '高端客户'", {"recency_days", "group"}),
        ("channel in ['tmall', 'jd']", {"channel"}),
        ("0 < amount / orders <= 100", {"amount", "orders"}),
    ],
)
def test_parses_and_names_what_it_reads(source, names):
    assert parse_expression(source).names == names


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os').system('rm -rf /')", "Call is not allowed"),
        ("amount.real > 1", "Attribute is not allowed"),
        ("orders[0] > 1", "Subscript is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("a > ", "cannot parse"),
        ("x in y", "'in' needs a bracketed list of constants"),
        ("", "empty"),
    ],
)
def test_refuses_everything_else(source, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(source)


def test_evaluates_over_columns_and_scalars():
    frame = pd.DataFrame({"a": [1, 5, 9], "b": [2, 2, 2], "c": ["x", "y", "x"]})
    expr = parse_expression("a > b and not c == 'y' or a == 1")
    assert expr.evaluate(frame).tolist() == [True, False, True]
    assert parse_expression("c in ['x']").evaluate(frame).tolist() == [True, False, True]
    assert parse_expression("c not in ['x']").evaluate(frame).tolist() == [False, True, False]
    assert parse_expression("1 < a < 9").evaluate(frame).tolist() == [False, True, False]
    assert parse_expression("a * 2 - b >= 8").evaluate({"a": 5, "b": 2}) is True
    assert parse_expression("not a > 3").evaluate({"a": 5}) is False
    with pytest.raises(ExpressionError, match="unknown name 'z'"):
        parse_expression("z > 1").evaluate({"a": 1})
