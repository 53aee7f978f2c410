"""Template specs: the built-ins load with the source documents' fields and types."""

from __future__ import annotations

import pytest

from xl_crm.specs import list_templates, load_spec

# (zh header, type, max_length) exactly as the source documents give them
ECOMMERCE_CUSTOMERS = [
    ("客户ID", "integer", None),
    ("姓名", "text", 50),
    ("电子邮件", "email", 100),
    ("手机号码", "phone", 20),
    ("最近一次购买日期", "datetime", None),
    ("购买频率", "integer", None),
    ("兴趣类别", "multi_choice", 100),
]
HOTEL_FIELDS = [
    ("客户ID", "integer", None),
    ("姓名", "text", 50),
    ("联系方式", "phone", 20),
    ("预订时间", "datetime", None),
    ("入住时间", "datetime", None),
    ("退房时间", "datetime", None),
    ("房间类型", "choice", 50),
    ("服务请求", "text", 200),
]


def _fields(sheet):
    return [(f.label.zh, f.type, f.max_length) for f in sheet.fields]


def test_ecommerce_customers_match_the_source_table():
    spec = load_spec("ecommerce")
    customers = spec.sheet("customers")
    assert _fields(customers) == ECOMMERCE_CUSTOMERS
    assert customers.key == "customer_id"
    assert customers.field("customer_id").unique
    orders = spec.sheet("orders")
    assert [f.type for f in orders.fields] == [
        "text",
        "integer",
        "datetime",
        "money",
        "choice",
        "choice",
    ]
    assert [(r.field, r.to) for r in orders.references] == [
        ("customer_id", "customers.customer_id")
    ]


def test_hotel_has_the_eight_source_fields_and_many_stays_per_guest():
    spec = load_spec("hotel")
    all_fields = [(f.label.zh, f.type, f.max_length) for s in spec.sheets for f in s.fields]
    for expected in HOTEL_FIELDS:
        assert expected in all_fields
    guests, stays = spec.sheet("guests"), spec.sheet("stays")
    assert guests.key == "customer_id" and guests.field("customer_id").unique
    assert not stays.field("customer_id").unique  # one guest, many stays
    assert stays.references[0].to == "guests.customer_id"
    assert stays.rules[0].check == "check_out > check_in"


def test_ledger_has_groups_follow_up_and_transactions():
    spec = load_spec("ledger")
    customers = spec.sheet("customers")
    zh = [f.label.zh for f in customers.fields]
    for header in (
        "客户名称",
        "电话",
        "邮箱",
        "公司名称",
        "职位",
        "行业类型",
        "备注",
        "跟进日期",
        "负责人",
    ):
        assert header in zh
    groups = customers.field("customer_group").choice_labels("zh")
    assert {"高端客户", "潜在客户", "老客户"} <= set(groups)
    assert customers.field("follow_up_date").highlight_overdue
    tx = spec.sheet("transactions")
    assert {"购买记录", "金额"} <= {f.label.zh for f in tx.fields}
    assert spec.segments[0].field == "customer_group"


def test_car_sales_extends_the_ledger():
    ledger, car = load_spec("ledger"), load_spec("car_sales")
    assert car.extends == "ledger"
    assert car.sheet_ids()[:2] == ledger.sheet_ids()
    assert {"vehicles", "maintenance"} <= set(car.sheet_ids())
    ids = car.sheet("customers").field_ids()
    # inherited fields keep their place, new ones sit where `after:` put them
    assert ids[: ids.index("email") + 1] == ledger.sheet("customers").field_ids()[:7]
    assert ids[ids.index("email") + 1 : ids.index("email") + 3] == ["resident_id", "company_uscc"]
    assert car.sheet("customers").field("resident_id").type == "cn_resident_id"
    assert car.sheet("maintenance").references[0].to == "vehicles.vin"


@pytest.mark.parametrize("info", list_templates(), ids=lambda i: i.name)
def test_every_builtin_has_bilingual_labels(info):
    spec = load_spec(info.name)
    for sheet in spec.sheets:
        for f in sheet.fields:
            assert f.label.zh and f.label.en
            assert f.label.zh != f.label.en or f.label.zh.isascii()
