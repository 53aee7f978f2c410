"""The look of built workbooks: header, band, computed-column and highlight styles."""

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
REQUIRED_FILL = PatternFill("solid", fgColor="1F3864")
COMPUTED_HEADER_FILL = PatternFill("solid", fgColor="7F7F7F")
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
BAND_FILLS = [PatternFill("solid", fgColor=c) for c in ("D9E1F2", "E2EFDA", "FCE4D6", "FFF2CC")]
BAND_FONT = Font(bold=True, color="1F3864")
THIN = Side(style="thin", color="8EA9DB")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP_TOP = Alignment(vertical="top", wrap_text=True)
DUPLICATE_FILL = PatternFill("solid", bgColor="FFC7CE")
DUPLICATE_FONT = Font(color="9C0006")
OVERDUE_FILL = PatternFill("solid", bgColor="F8CBAD")
OVERDUE_FONT = Font(color="C00000", bold=True)
TITLE_FONT = Font(bold=True, size=14, color="1F3864")
SECTION_FONT = Font(bold=True, size=12, color="305496")
TABLE_STYLE = "TableStyleMedium2"
