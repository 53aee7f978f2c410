"""A small, safe expression language for row rules and segment rules.

Examples::

    check_out > check_in
    total_spend >= 50000 and orders >= 3
    not (recency_days > 365) or group == "高端客户"

Allowed: field or metric names, numbers, quoted strings, ``True``/``False``, comparisons
(``== != < <= > >=``, chained too), ``in`` / ``not in`` a bracketed list of constants,
``and`` / ``or`` / ``not``, ``+ - * /`` and parentheses.  Nothing else parses: no calls,
no attributes, no subscripts, no lambdas.  Expressions are parsed with :mod:`ast` and
evaluated by walking the tree; they are never passed to ``eval``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ExpressionError(ValueError):
    """An expression that is not valid in the rule language."""


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True)
class Expression:
    """A parsed rule expression; ``names`` are the fields and metrics it reads."""

    source: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate over ``env`` (scalars, numpy arrays or pandas Series; vectorised)."""
        return _eval(self.tree.body, env)


def parse_expression(source: str) -> Expression:
    """Parse ``source``; raise :class:`ExpressionError` naming what is not allowed."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from None
    names: set[str] = set()
    _check(tree.body, names)
    return Expression(source.strip(), tree, frozenset(names))


def _check(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
        _check(node.operand, names)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.Compare):
        _check(node.left, names)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right, ast.List | ast.Tuple) or not all(
                    isinstance(e, ast.Constant) for e in right.elts
                ):
                    raise ExpressionError("'in' needs a bracketed list of constants: x in [1, 2]")
            elif type(op) not in _COMPARE:
                raise ExpressionError(f"operator {type(op).__name__} is not allowed")
            else:
                _check(right, names)
    elif isinstance(node, ast.Name):
        names.add(node.id)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool):
            raise ExpressionError(f"constant {node.value!r} is not allowed")
    else:
        what = type(node).__name__
        raise ExpressionError(
            f"{what} is not allowed; use names, numbers, strings, comparisons, and/or/not"
        )


def _negate(value: Any) -> Any:
    if isinstance(value, bool) or not hasattr(value, "__invert__"):
        return not value
    return ~value


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise ExpressionError(f"unknown name {node.id!r}")
        return env[node.id]
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, env) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = (result & value) if isinstance(node.op, ast.And) else (result | value)
        return result
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return _negate(value)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return _ARITH[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        result: Any = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                options = [e.value for e in right_node.elts]  # type: ignore[attr-defined]
                part = left.isin(options) if hasattr(left, "isin") else left in options
                if isinstance(op, ast.NotIn):
                    part = _negate(part)
                right = None
            else:
                right = _eval(right_node, env)
                part = _COMPARE[type(op)](left, right)
            result = part if result is None else (result & part)
            left = right
        return result
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # pragma: no cover
