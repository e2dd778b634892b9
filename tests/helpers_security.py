"""A small world for the security tests: each rep owns a customer with a contact and follow-ups.

The customers, contacts and summaries of rep2 (team 1) and rep3 (team 2) carry marker text,
so a test can look for any trace of them in what rep1 is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipelines import customer_records, customers, follow_ups
from pipelines.config import local_tz
from pipelines.models import ContactIn, CustomerIn, FollowUpIn


@dataclass
class Seeded:
    name: str
    customer_id: int
    contact_id: int
    phone: str
    email: str
    wechat: str
    follow_up_ids: list[int] = field(default_factory=list)


PEOPLE = {
    # rep: (customer name, contact name, mobile, email, wechat, summary)
    "rep1": ("青禾科技甲", "张伟", "13812345678", "zhang.wei@example.com", "wx_zhang5678", "甲方常规沟通"),
    "rep2": ("机密乙公司", "李秘乙", "13987654321", "li.mi@secret-b.cn", "wx_limiyi", "乙方机密摘要"),
    "rep3": ("机密丙公司", "王秘丙", "13700001111", "wang@secret-c.cn", "wx_wangbing", "丙方机密摘要"),
}
# Text that only rep2's and rep3's rows hold: none of it may reach rep1.
OTHER_MARKERS = ("机密乙", "李秘乙", "乙方机密", "secret-b", "987654321", "9876 54321", "wx_limiyi",
                 "机密丙", "王秘丙", "丙方机密", "secret-c", "700001111", "wx_wangbing")


def seed(store, org, reps=("rep1", "rep2", "rep3"), follow_ups_each: int = 3,
         now: datetime | None = None) -> dict[str, Seeded]:
    """Create each rep's customer, contact and follow-ups through the app's own write paths."""
    admin = org["admin"]
    now = now or datetime.now(local_tz())
    out = {}
    for rep in reps:
        cname, person, phone, email, wechat, summary = PEOPLE[rep]
        actor = org[rep]
        cid = customers.create(store, admin, CustomerIn(name=cname, owner_id=actor.id, province="浙江",
                                                        industry="I", size="small"))
        contact = customer_records.add(store, actor, ContactIn(customer_id=cid, name=person, phone=phone,
                                                               email=email, wechat=wechat,
                                                               decision_role="decision_maker"))
        seeded = Seeded(cname, cid, contact, phone, email, wechat)
        for i in range(follow_ups_each):
            seeded.follow_up_ids.append(follow_ups.add(store, actor, FollowUpIn(
                customer_id=cid, rep_id=actor.id, occurred_at=now - timedelta(days=i + 1, hours=1),
                channel="phone", summary=f"{summary} {i}", participants=person, duration_minutes=20,
                next_follow_up_date=(now + timedelta(days=3)).date())))
        out[rep] = seeded
    return out
