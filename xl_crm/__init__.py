"""xl-crm: a spreadsheet-native CRM toolkit.

Templates, validation and customer analytics for customer workbooks (客户资料表, 客户台账)
kept in Excel or Google Sheets.  The command line (``xl-crm``) is a thin shell over
the functions re-exported here.
"""

from xl_crm.errors import CustomerKeyError, SpecError, WorkbookError, XlCrmError
from xl_crm.infer import infer_spec
from xl_crm.specs import Spec, list_templates, load_spec
from xl_crm.xlsx.builder import BuildResult, build_workbook

__version__ = "0.1.0"

_LAZY = {"validate", "Report", "Finding"}  # pandera loads only when validation is used


def __getattr__(name: str):
    if name in _LAZY:
        from xl_crm import validation

        return getattr(validation, name)
    if name == "compute":
        from xl_crm.compute import compute

        return compute
    raise AttributeError(f"module 'xl_crm' has no attribute {name!r}")


__all__ = [
    "BuildResult",
    "CustomerKeyError",
    "Finding",
    "Report",
    "Spec",
    "SpecError",
    "WorkbookError",
    "XlCrmError",
    "__version__",
    "build_workbook",
    "compute",
    "infer_spec",
    "list_templates",
    "load_spec",
    "validate",
]
