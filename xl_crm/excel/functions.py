"""Placeholder for the worksheet functions (``CRM_*``), written in another branch; the
merge takes that module.  Here it exports nothing, so ``from xl_crm.excel.functions
import *`` in :mod:`xl_crm.excel.lite` and :mod:`xl_crm.excel.classic` imports."""

__all__: list[str] = []
