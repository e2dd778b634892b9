"""Codes stored in the data (English snake_case) and the order they come in.

Labels shown to people live in the message catalog (`pipelines/locales`), keyed by
`<kind>.<code>`; this module holds only the codes themselves.
"""

from __future__ import annotations

# Forward order of the sales stages; `lost` is an exit from any stage, not a step.
STAGES: tuple[str, ...] = (
    "initial_contact",
    "needs_confirmed",
    "proposal",
    "negotiation",
    "contract_signed",
    "after_sales",
)
LOST = "lost"
ALL_STAGES: tuple[str, ...] = STAGES + (LOST,)
STAGE_RANK: dict[str, int] = {s: i for i, s in enumerate(STAGES)}

CHANNELS: tuple[str, ...] = (
    "phone",
    "email",
    "visit",
    "wechat",
    "video_meeting",
    "demo",
    "exhibition",
    "other",
)
RISK_LEVELS: tuple[str, ...] = ("red", "yellow", "green")
SIZES: tuple[str, ...] = ("large", "medium", "small", "micro")
CUSTOMER_TYPES: tuple[str, ...] = ("new", "existing", "strategic")
ROLES: tuple[str, ...] = ("rep", "manager", "leader", "admin")
DECISION_ROLES: tuple[str, ...] = ("decision_maker", "influencer", "user")

RISK_RULES: tuple[str, ...] = (
    "decision_maker_change",
    "budget_cut",
    "competitor_engaged",
    "manual",
    "silent_30d",
    "silent_60d",
    "next_follow_up_overdue",
    "stage_stalled",
    "complaint_overdue",
    "low_satisfaction",
    "on_track",
)
RAISED_RULES: tuple[str, ...] = ("decision_maker_change", "budget_cut", "competitor_engaged", "manual")
RISK_STATUSES: tuple[str, ...] = ("open", "acknowledged", "resolved")

FEEDBACK_TYPES: tuple[str, ...] = ("feedback", "complaint", "suggestion")
SEVERITIES: tuple[str, ...] = ("low", "medium", "high")
FEEDBACK_STATUSES: tuple[str, ...] = ("open", "in_progress", "resolved")
SURVEY_SCALES: tuple[str, ...] = ("csat", "nps")

# The 34 provincial-level divisions, stored by full name.
PROVINCES: tuple[str, ...] = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省",
    "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
# Short forms people type (浙江, 广西, 内蒙古 …) → full name.
PROVINCE_SHORT: dict[str, str] = {}
for _p in PROVINCES:
    for _suffix in ("省", "市", "特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区"):
        if _p.endswith(_suffix):
            PROVINCE_SHORT[_p[: -len(_suffix)]] = _p
            break

# GB/T 4754-2017 sections: letter → Chinese name (the name is data, not a UI label).
INDUSTRIES: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


def stage_rank(stage: str) -> int:
    """Position of a stage in the forward order; `lost` ranks below every stage."""
    return STAGE_RANK.get(stage, -1)


def is_forward(from_stage: str | None, to_stage: str) -> bool:
    """A forward change goes from a stage to a later one; a first stage is not forward."""
    if from_stage is None or from_stage == LOST or to_stage == LOST:
        return False
    return STAGE_RANK[to_stage] > STAGE_RANK[from_stage]
