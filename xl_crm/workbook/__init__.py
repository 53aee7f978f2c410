"""Excel workbooks: building them from template specs."""
