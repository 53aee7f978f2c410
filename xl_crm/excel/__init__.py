"""xl-crm inside Excel through xlwings: worksheet functions (``CRM_*``) and macros.

Importing this package loads nothing: not xlwings, not pandas.  ``xl_crm.excel.functions``
holds the worksheet functions both runtimes share, ``xl_crm.excel.lite`` and
``xl_crm.excel.classic`` are what xlwings Lite and classic xlwings import
(docs/excel.md, docs/excel-functions.md).
"""
