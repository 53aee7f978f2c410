"""xl-crm: a spreadsheet-native CRM toolkit.

Templates, validation and customer analytics for customer workbooks (客户资料表, 客户台账)
kept in Excel or Google Sheets.  The command line (``xl-crm``) is a thin shell over
the functions re-exported here.
"""

from xl_crm.errors import SpecError, WorkbookError, XlCrmError
from xl_crm.infer import infer_spec
from xl_crm.specs import Spec, list_templates, load_spec
from xl_crm.workbook.builder import BuildResult, build_workbook

__version__ = "0.1.0"

__all__ = [
    "BuildResult",
    "Spec",
    "SpecError",
    "WorkbookError",
    "XlCrmError",
    "__version__",
    "build_workbook",
    "infer_spec",
    "list_templates",
    "load_spec",
]
