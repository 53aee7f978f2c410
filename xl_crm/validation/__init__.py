"""Validation: check a customer book against its template and report every bad cell.

>>> report = validate("customers.xlsx")            # doctest: +SKIP
>>> report.valid, report.errors, report.findings[0].where   # doctest: +SKIP
(False, 3, '客户!E17')

:func:`xl_crm.validate` is open a book + :func:`xl_crm.validation.check.check`; pandera
loads when a check runs, not when this package is imported.
"""

from __future__ import annotations

from xl_crm.validation.report import Finding, Report

__all__ = ["Finding", "Report", "annotate", "validate"]


def __getattr__(name: str):
    if name in ("validate", "annotate"):
        from xl_crm import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'xl_crm.validation' has no attribute {name!r}")
