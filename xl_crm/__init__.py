"""xl-crm: a spreadsheet-native CRM toolkit.

Templates, validation and customer analytics for customer workbooks (客户资料表, 客户台账)
kept in Excel or Google Sheets.  The pipeline is read -> Table -> check / compute -> write
(docs/architecture.md); every function here takes a file path or a :class:`Book`.  The
command line (``xl-crm``) is a thin shell over these functions.
"""

from xl_crm.book import Book, open_book
from xl_crm.errors import CustomerKeyError, SpecError, WorkbookError, XlCrmError
from xl_crm.metrics.plan import ComputeResult
from xl_crm.pipeline import AnnotateResult, annotate, compute, validate
from xl_crm.specs import Spec, list_templates, load_spec
from xl_crm.specs.checks import check_spec
from xl_crm.specs.verdict import SpecCheck, check_template
from xl_crm.table import CellMark, ColumnUpdate, Table, Tables
from xl_crm.validation.report import Finding, Report

__version__ = "0.1.0"

#: loaded on first use (PEP 562), so ``validate`` and ``compute`` do not import the
#: template builder and inference
_LAZY = {
    "infer_spec": "xl_crm.infer",
    "BuildResult": "xl_crm.xlsx.builder",
    "build_workbook": "xl_crm.xlsx.builder",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xl_crm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AnnotateResult",
    "Book",
    "BuildResult",
    "CellMark",
    "ColumnUpdate",
    "ComputeResult",
    "CustomerKeyError",
    "Finding",
    "Report",
    "Spec",
    "SpecCheck",
    "SpecError",
    "Table",
    "Tables",
    "WorkbookError",
    "XlCrmError",
    "__version__",
    "annotate",
    "build_workbook",
    "check_spec",
    "check_template",
    "compute",
    "infer_spec",
    "list_templates",
    "load_spec",
    "open_book",
    "validate",
]
