"""What a column's header says it holds, in Chinese or English.

Header words name a column's role: a phone, an e-mail, a 身份证 number, a code that
identifies a row, an amount of money, a place, a free-text note.  Chinese words match
anywhere in the header; English words match whole words, so ``CustomerID``,
``customer_id`` and ``Customer ID`` all hold the word "id".
"""

from __future__ import annotations

import itertools
import re
import unicodedata

ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # role: (Chinese words, English words)
    "email": (("邮箱", "电子邮件", "邮件", "电邮"), ("email", "e-mail", "mail")),
    "cn_resident_id": (
        ("身份证", "证件号", "公民身份号码", "身份号码"),
        ("idcard", "resident-id", "id-card", "id-number"),
    ),
    "uscc": (
        ("统一社会信用代码", "信用代码", "社会信用代码", "纳税人识别号", "税号"),
        ("uscc", "credit-code", "tax-id"),
    ),
    "phone": (
        ("电话", "手机", "座机", "固话", "联系方式", "移动电话", "手机号", "传真"),
        ("phone", "mobile", "tel", "telephone", "cell", "cellphone", "fax"),
    ),
    "url": (("网址", "网站", "主页", "链接"), ("url", "website", "homepage", "link", "web")),
    "money": (
        (
            "金额",
            "价格",
            "单价",
            "总价",
            "售价",
            "价钱",
            "费用",
            "收入",
            "实付",
            "应付",
            "付款",
            "销售额",
            "营业额",
            "成交额",
            "余额",
            "消费额",
            "消费金额",
        ),
        (
            "amount",
            "price",
            "revenue",
            "spend",
            "spent",
            "cost",
            "fee",
            "sales",
            "payment",
            "paid",
            "subtotal",
            "money",
        ),
    ),
    "date": (
        ("日期", "时间", "生日", "年月"),
        ("date", "time", "day", "datetime", "timestamp", "birthday", "created", "updated", "at"),
    ),
    "identifier": (
        ("编号", "编码", "代码", "号码", "序号", "单号", "工号", "卡号", "账号", "会员号"),
        ("id", "no", "code", "number", "num", "key", "sku", "account", "ref", "uid", "nr"),
    ),
    "notes": (
        (
            "备注",
            "说明",
            "描述",
            "详情",
            "留言",
            "评价",
            "意见",
            "内容",
            "摘要",
            "反馈",
            "记录",
            "需求",
        ),
        (
            "remark",
            "remarks",
            "note",
            "notes",
            "description",
            "comment",
            "comments",
            "memo",
            "details",
            "feedback",
            "message",
            "summary",
        ),
    ),
    "place": (
        ("地址", "住址", "城市", "省份", "区县", "地区", "区域", "街道", "乡镇", "所在地", "籍贯"),
        (
            "address",
            "city",
            "district",
            "province",
            "region",
            "area",
            "location",
            "street",
            "county",
            "state",
            "country",
            "town",
        ),
    ),
}
#: places also end in these characters (朝阳区, 昌平县, 杭州市, 浙江省)
PLACE_ENDINGS = ("区", "县", "市", "省", "镇", "乡", "街道", "旗", "州")
_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def english_words(header: str) -> set[str]:
    """``"CustomerID"`` -> {"customer", "id"}; also joined pairs ("e-mail" -> "e-mail")."""
    text = unicodedata.normalize("NFKC", header)
    text = _CAMEL.sub(" ", text).casefold()
    words = [w for w in _SPLIT.split(text) if w]
    pairs = {f"{a}-{b}" for a, b in itertools.pairwise(words)}
    return set(words) | pairs | {"".join(words)}


def header_roles(header: str) -> set[str]:
    """Every role the header's words name (``"客户手机号码"`` -> {"phone", "identifier"})."""
    text = unicodedata.normalize("NFKC", header).strip()
    words = english_words(text)
    roles = set()
    for role, (zh, en) in ROLES.items():
        if any(w in text for w in zh if not w.isascii()) or words & set(en):
            roles.add(role)
    if text.endswith(PLACE_ENDINGS) or text in ("省", "市", "区", "县"):
        roles.add("place")
    return roles


def is_place_value(text: str) -> bool:
    """A value that names a place: a district, county, city or province (朝阳区)."""
    return len(text) >= 2 and text.endswith(PLACE_ENDINGS) and not text.isascii()
