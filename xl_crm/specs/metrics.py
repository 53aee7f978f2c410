"""Names of the customer metrics that computed fields and segment rules may use.

The computations themselves belong to the compute step; a spec only names them.  Each
entry: name -> (zh, en) description.
"""

METRICS: dict[str, tuple[str, str]] = {
    "first_purchase": ("首次购买日期", "date of the first order"),
    "last_purchase": ("最近一次购买日期", "date of the most recent order"),
    "recency_days": ("距最近一次购买天数", "days from the last order to the as-of date"),
    "tenure_days": ("客户时长(天)", "days from the first order to the as-of date"),
    "orders": ("订单总数", "number of orders"),
    "purchase_frequency": ("购买频率", "orders in the trailing window (default 365 days)"),
    "orders_per_month": ("月均订单数", "orders per month of tenure"),
    "total_spend": ("累计消费金额", "sum of order amounts"),
    "avg_spend": ("平均客单价", "average order amount"),
    "r_score": ("R 评分", "recency score 1-5"),
    "f_score": ("F 评分", "frequency score 1-5"),
    "m_score": ("M 评分", "monetary score 1-5"),
    "rfm_score": ("RFM 评分", "the three scores as one code, e.g. 545"),
    "rfm_segment_cn": ("RFM 客户分类", "the 8-class Chinese RFM model"),
    "rfm_segment_en": ("RFM segment", "the 10-segment R-F grid"),
    "stays": ("入住次数", "number of stays"),
    "nights": ("入住晚数", "nights stayed in all"),
    "last_stay": ("最近一次入住", "check-in date of the most recent stay"),
    "avg_stay_nights": ("平均入住晚数", "average length of stay in nights"),
    "preferred_room_type": ("偏好房型", "most frequently booked room type"),
    "avg_lead_time_days": ("平均提前预订天数", "average days between booking and check-in"),
}
