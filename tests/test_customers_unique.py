"""One customer per company: a credit code (SPEC: unique when present) or a name another live
customer has is refused beside its field, naming that customer only to whoever may see it."""

from __future__ import annotations

import pytest

from pipelines import customers
from pipelines.access import FieldRefused
from pipelines.models import CustomerIn

CODE = "91330100MA2AB3CD5E"
OTHER_CODE = "91320100604841994M"


def _refused(store, actor, **values) -> FieldRefused:
    with pytest.raises(FieldRefused) as refused:
        customers.create(store, actor, CustomerIn(owner_id=actor.id, **values))
    return refused.value


def test_a_credit_code_or_name_taken_is_refused_beside_its_field(store, org):
    rep1, rep2, rep3 = org["rep1"], org["rep2"], org["rep3"]
    first = customers.create(store, rep1, CustomerIn(name="杭州测试智能科技有限公司", uscc=CODE, owner_id=rep1.id))
    # the same code under another name, by the same rep: its number is named (rep1 sees it)
    same_code = _refused(store, rep1, name="另一个名字有限公司", uscc=CODE.lower())
    assert same_code.field == "uscc"
    assert same_code.text("zh_CN") == (f"统一社会信用代码:客户「杭州测试智能科技有限公司」(编号 {first})已使用这个代码。"
                                       "同一家企业只建一个客户:请在「客户」中找到它,在它名下记录。")
    # the same name with no code (a trailing space is no other name)
    assert _refused(store, rep1, name="杭州测试智能科技有限公司 ").field == "name"
    # a manager of the team sees it too; a rep of another team is told it exists, not which it is
    assert str(first) in _refused(store, org["manager1"], name="杭州测试智能科技有限公司").text("zh_CN")
    hidden = _refused(store, rep3, name="第三家有限公司", uscc=CODE)
    assert hidden.field == "uscc" and str(first) not in hidden.text("zh_CN") and "其他销售" in hidden.text("zh_CN")
    assert "杭州测试" not in hidden.text("zh_CN") and "杭州测试" not in hidden.text("en")
    assert "another rep's customer" in hidden.text("en")
    # rep2 (same team, not the owner) may not see rep1's customer either
    assert str(first) not in _refused(store, rep2, name="杭州测试智能科技有限公司").text("zh_CN")
    assert store.scalar("SELECT count(*) FROM customers WHERE uscc = $c", {"c": CODE}) == 1


def test_an_edit_is_checked_only_for_what_it_changes(store, org):
    rep1 = org["rep1"]
    a = customers.create(store, rep1, CustomerIn(name="甲公司", uscc=CODE, owner_id=rep1.id))
    b = customers.create(store, rep1, CustomerIn(name="乙公司", owner_id=rep1.id))
    with pytest.raises(FieldRefused) as refused:
        customers.update(store, rep1, b, CustomerIn(name="乙公司", uscc=CODE, owner_id=rep1.id))
    assert refused.value.field == "uscc" and str(a) in refused.value.text("zh_CN")
    customers.update(store, rep1, b, CustomerIn(name="乙公司", uscc=OTHER_CODE, owner_id=rep1.id, city="南京"))
    # a pair of duplicates from before (an old import) can still be edited, each keeping its value
    store.write(lambda cur: cur.execute("UPDATE customers SET name = '甲公司' WHERE id = $b", {"b": b}))
    customers.update(store, rep1, b, CustomerIn(name="甲公司", uscc=OTHER_CODE, owner_id=rep1.id, city="苏州"))
    assert store.scalar("SELECT city FROM customers WHERE id = $b", {"b": b}) == "苏州"
    # a deleted customer's code is free again
    customers.delete(store, org["manager1"], a)
    customers.create(store, rep1, CustomerIn(name="丙公司", uscc=CODE, owner_id=rep1.id))
