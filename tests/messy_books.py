"""Messy customer files as people keep them (invented data), for the inference tests.

Each writer makes a real file the way another program would leave it: title rows over
the header, dates typed as text in several forms, amounts as text with ¥ and thousands
separators, phones stored as numbers, a districts column, free-text notes, GBK and UTF-16
CSV exports, repeated headers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from xl_crm.fields.identifiers import resident_id_check_char

DISTRICTS = ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "昌平区", "通州区"]
LEVELS = ["普通会员", "银卡会员", "金卡会员"]
NAMES = ["林小雨", "周大山", "吴晓晴", "王建国", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊"]
NOTES = [
    "",
    "老客户，逢年过节送礼",
    "要求发票抬头写公司全称，并在每月初统一开具",
    "",
    "喜欢周末下午来店",
    "VIP",
]


def resident_id(i: int) -> str:
    first = f"110105{1980 + i % 20}{(i % 12) + 1:02d}{(i % 27) + 1:02d}{i % 1000:03d}"
    return first + resident_id_check_char(first)


def customers(n: int = 24) -> list[list[object]]:
    """Rows under 客户ID, 客户名称, 手机号码, 邮箱, 身份证号, 所在区, 会员等级, 注册日期, 备注."""
    rows = []
    for i in range(n):
        rows.append(
            [
                100001 + i,
                NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i)),
                float(13912340000 + i),  # a phone stored as a number
                f"user{i}@example.com",
                resident_id(i),
                DISTRICTS[i % len(DISTRICTS)],
                LEVELS[i % 3],
                f"2025-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",  # ISO date as text
                NOTES[i % len(NOTES)],
            ]
        )
    return rows


CUSTOMER_HEADERS = ["客户ID", "客户名称", "手机号码", "邮箱", "身份证号", "所在区", "会员等级"]
CUSTOMER_HEADERS += ["注册日期", "备注"]
ORDER_HEADERS = ["订单编号", "客户ID", "下单时间", "金额", "渠道"]
_WHEN = [
    dt.datetime(2026, 5, 1, 10, 0),
    "2026年5月1日",
    "2026/3/2 9:30",
    "2026.01.15",
    "2025年12月1日 8时00分",
]
_AMOUNTS = [199.0, "¥89.50", "2,999.00", 320, "1,280.5"]


def orders(n_customers: int = 24, n: int = 40, typed: bool = False) -> list[list[object]]:
    """Order rows; ``typed``: dates and amounts as typed cells, else partly as text."""
    return [
        [
            f"ORD{i + 1:04d}",
            100001 + (i * 7) % n_customers if i % 5 else str(100001 + (i * 7) % n_customers),
            dt.datetime(2026, 1 + i % 6, 1 + i % 28, 9) if typed else _WHEN[i % len(_WHEN)],
            float(100 + 10 * i) if typed else _AMOUNTS[i % len(_AMOUNTS)],
            ["天猫", "京东", "抖音"][i % 3],
        ]
        for i in range(n)
    ]


def two_sheet_book(path: Path, typed: bool = False) -> Path:
    """客户资料 and 订单记录, each under a merged title row and a blank row, as typed by hand."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户资料"
    ws.append(["某某商贸有限公司 客户资料表（2026年5月）"])
    ws.merge_cells("A1:I1")
    ws.append([])
    ws.append(CUSTOMER_HEADERS)
    for row in customers():
        ws.append(row)
    ws2 = wb.create_sheet("订单记录")
    ws2.append(["订单明细"])
    ws2.append(["制表人：张三", None, None, "单位：元"])
    ws2.append(ORDER_HEADERS)
    for row in orders(typed=typed):
        ws2.append(row)
    wb.save(path)
    return path


def gbk_csv(path: Path, encoding: str = "gbk") -> Path:
    """A GBK export with a title row and two columns both headed 电话."""
    lines = ["会员名单（导出）,,,,,", "会员号,姓名,电话,电话,消费金额,入会日期"]
    for i in range(20):
        home = f"010-6666{i:04d}"
        lines.append(
            f"M{i + 1:03d},{NAMES[i % len(NAMES)]},1381234{i:04d},{home},"
            f'"{1000 + i * 37.5:,.2f}",2025/{(i % 12) + 1}/{(i % 27) + 1}'
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def utf16_tab_text(path: Path) -> Path:
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated."""
    lines = ["客户ID\t姓名\t手机\t城市"]
    lines += [
        f"{100 + i}\t{NAMES[i % 10]}\t1391234{i:04d}\t{['北京', '上海'][i % 2]}" for i in range(9)
    ]
    path.write_bytes(("\r\n".join(lines)).encode("utf-16"))
    return path


def all_text_rows_book(path: Path) -> Path:
    """A sheet whose data rows are all short texts like a header (and a repeated header)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "联系人"
    ws.append(["联系人名单"])
    ws.append(["姓名", "城市", "职位", "职位"])
    for i in range(12):
        ws.append([NAMES[i % 10] + str(i), ["北京", "上海", "杭州"][i % 3], "经理", "主管"])
    wb.save(path)
    return path
