"""Running a sheet's pandera schema check by check, failures kept as row masks.

``DataFrameSchema.validate(lazy=True)`` turns every failing cell into a row of its
failure-case table and into the text of an error message: for a column wrong on a million
rows that costs seconds before the first finding is made.  :func:`run_schema` calls the
same pandera checks (``Check.__call__``, which drops missing values as
``ignore_na`` says and aligns the answer) and the same ``nullable`` rule, and keeps only
which rows failed (:class:`xl_crm.validation.cases.Failure`).  A check whose answer is
not one bool per row (it raised, or said True/False for the whole column) is handed to
pandera as a schema of its own, so its failure is reported exactly as pandera reports it.

The two engines give the same findings (tests/test_engines.py compares them on the
fixtures, the real inputs and generated columns); ``check(..., engine="pandera")`` runs
``validate`` itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from xl_crm.validation.cases import ROW_CHECKS, Failure, failures_from_cases, in_order

__all__ = ["ENGINES", "failures_by_pandera", "run_schema"]

#: ``fast``: :func:`run_schema`; ``pandera``: ``DataFrameSchema.validate`` and its
#: failure cases (:func:`failures_by_pandera`)
ENGINES = ("fast", "pandera")


def failures_by_pandera(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[Failure]:
    """The failures of ``schema`` on ``frame`` as pandera's ``validate(lazy=True)``
    reports them."""
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        return failures_from_cases(exc.failure_cases, frame)
    return []


def run_schema(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[Failure]:
    """The failures of ``schema`` on ``frame``, found by calling its checks one by one:
    the same as :func:`failures_by_pandera` without pandera's failure-case tables."""
    out: list[Failure] = []
    for name, column in schema.columns.items():
        if name not in frame.columns or column.dtype is not None or column.unique:
            return failures_by_pandera(schema, frame)  # what build_schema never makes
        values = frame[name]
        if not column.nullable and values.hasnans:
            out.append(Failure("not_nullable", name, _index(values.index[values.isna()])))
        for check in column.checks:
            rows = _failed(check, values)
            if rows is None:
                alone = pa.Column(nullable=True, checks=[check])
                alone = pa.DataFrameSchema({name: alone}, name=schema.name)
                out += failures_by_pandera(alone, frame[[name]])
            elif len(rows):
                out.append(Failure(str(check.name), name, rows))
    for check in schema.checks:
        rows = _failed(check, frame) if str(check.name).startswith(ROW_CHECKS) else None
        if rows is None:
            out += failures_by_pandera(pa.DataFrameSchema(checks=[check], name=schema.name), frame)
        elif len(rows):
            out.append(Failure(str(check.name), None, rows))
    return in_order(out, frame)


def _failed(check: pa.Check, data: pd.Series | pd.DataFrame) -> np.ndarray | None:
    """The Excel rows where ``check`` fails on ``data`` (rows whose values are all missing
    pass, as pandera's ``ignore_na`` says), or None when its answer is not one bool per
    row of ``data`` (then pandera must say what it makes of it)."""
    if check.element_wise or check.groupby is not None or not check.ignore_na:
        return None
    try:
        result = check(data)
    except Exception:  # pandera reports it as the check's error
        return None
    output, checked = result.check_output, result.checked_object
    if not isinstance(output, pd.Series) or output.dtype != bool:
        return None
    if not output.index.equals(checked.index):
        return None
    return _index(checked.index[~output.to_numpy()])


def _index(rows: pd.Index) -> np.ndarray:
    out = rows.to_numpy(dtype=np.int64)
    if len(out) > 1 and not (out[1:] > out[:-1]).all():
        out = np.unique(out)
    return out
