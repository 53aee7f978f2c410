"""The headers of the columns xl-crm writes, defined once for ``compute``'s extra columns
and the customer summary of a book of orders.

metric -> (zh, en) header; ``{w}`` stands for the frequency window in days.  The two RFM
segment columns are different models (docs/metrics.md): the 8-class Chinese model keeps
its Chinese name in both languages, the 10-segment R-F grid is ``RFM Segment``.
"""

from __future__ import annotations

__all__ = ["COLUMN_HEADERS", "headers_of"]

COLUMN_HEADERS: dict[str, tuple[str, str]] = {
    "first_purchase": ("首次购买日期", "First Purchase Date"),
    "last_purchase": ("最近一次购买日期", "Last Purchase Date"),
    "orders": ("订单总数", "Orders"),
    "purchase_frequency": ("购买频率(近{w}天)", "Orders in Last {w} Days"),
    "total_spend": ("累计消费金额", "Total Spend"),
    "avg_spend": ("平均客单价", "Average Order Value"),
    "recency_days": ("距最近一次购买天数", "Days Since Last Purchase"),
    "r_score": ("R 评分", "R Score"),
    "f_score": ("F 评分", "F Score"),
    "m_score": ("M 评分", "M Score"),
    "rfm_score": ("RFM 评分", "RFM Score"),
    "rfm_segment_cn": ("RFM 客户分类", "RFM 客户分类"),
    "rfm_segment_en": ("RFM Segment", "RFM Segment"),
    "stays": ("入住次数", "Stays"),
    "nights": ("入住晚数", "Nights"),
    "last_stay": ("最近一次入住", "Last Stay"),
    "avg_stay_nights": ("平均入住晚数", "Average Nights"),
    "preferred_room_type": ("偏好房型", "Preferred Room"),
}


def headers_of(*metrics: str) -> dict[str, tuple[str, str]]:
    """metric -> (zh, en) header for ``metrics``, in that order; each name is a key of
    :data:`COLUMN_HEADERS` (the callers pass constants)."""
    return {m: COLUMN_HEADERS[m] for m in metrics}
