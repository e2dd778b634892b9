"""Every validation rule of the models, with good and bad values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from pipelines.models import ContactIn, ContractIn, CustomerIn, FollowUpIn, SurveyIn, TargetIn, UserIn

NOW = datetime.now(UTC)


def error_types(exc: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]): e["type"] for e in exc.errors()}


def customer(**kw):
    return CustomerIn(**{"name": "杭州青禾软件有限公司", "owner_id": 1, **kw})


def follow_up(**kw):
    return FollowUpIn(**{"customer_id": 1, "rep_id": 1, "occurred_at": NOW - timedelta(minutes=5),
                         "channel": "phone", "summary": "电话沟通", **kw})


@pytest.mark.parametrize("code", ["91110000600037341L", "91110000600037341l", " 9111 0000 6000 37341L "])
def test_uscc_valid_is_normalised(code):
    assert customer(uscc=code).uscc == "91110000600037341L"


@pytest.mark.parametrize("code,kind", [
    ("91110000600037341M", "uscc_check"),  # the public example with a wrong check character
    ("9111000060003734", "uscc_length"),
    ("911100006000373411L", "uscc_length"),
    ("A1110000600037341L", "uscc_format"),
    ("91110000600O37341L", "uscc_format"),  # the letter O is not allowed
])
def test_uscc_invalid(code, kind):
    with pytest.raises(ValidationError) as exc:
        customer(uscc=code)
    assert error_types(exc.value) == {"uscc": kind}


def test_uscc_blank_is_none():
    assert customer(uscc="  ").uscc is None


@pytest.mark.parametrize("raw,stored", [
    ("13812345678", "+8613812345678"),
    ("138 1234 5678", "+8613812345678"),
    ("+86 138-1234-5678", "+8613812345678"),
    ("010-62345678", "+861062345678"),
    ("(0571) 8765 4321", "+8657187654321"),
    ("１３８１２３４５６７８", "+8613812345678"),  # full-width digits from a Chinese IME
])
def test_phone_valid_normalised_to_e164(raw, stored):
    assert ContactIn(customer_id=1, name="王伟", phone=raw).phone == stored


@pytest.mark.parametrize("raw", ["12345", "1381234567", "23812345678", "+1 650 253 0000", "电话号码", "010-1234"])
def test_phone_invalid(raw):
    with pytest.raises(ValidationError) as exc:
        ContactIn(customer_id=1, name="王伟", phone=raw)
    assert error_types(exc.value) == {"phone": "phone"}


def test_email():
    assert ContactIn(customer_id=1, name="王伟", email="Wang.Wei@Example.com").email.endswith("@example.com")
    for bad in ("wang.wei", "wang@", "@example.com", "王伟@公司"):
        with pytest.raises(ValidationError) as exc:
            ContactIn(customer_id=1, name="王伟", email=bad)
        assert error_types(exc.value) == {"email": "email"}


@pytest.mark.parametrize("raw,stored", [("浙江省", "浙江省"), ("浙江", "浙江省"), ("广西", "广西壮族自治区"),
                                        ("北京", "北京市"), ("香港", "香港特别行政区"), ("内蒙古", "内蒙古自治区")])
def test_province_valid(raw, stored):
    assert customer(province=raw).province == stored


@pytest.mark.parametrize("raw", ["浙江市", "加州", "Zhejiang", "华东"])
def test_province_invalid(raw):
    with pytest.raises(ValidationError) as exc:
        customer(province=raw)
    assert error_types(exc.value) == {"province": "province"}


def test_province_list_has_34_divisions():
    from pipelines.codes import PROVINCES

    assert len(PROVINCES) == len(set(PROVINCES)) == 34


@pytest.mark.parametrize("field,good,bad", [
    ("size", "medium", "huge"), ("customer_type", "strategic", "vip"), ("stage", "proposal", "方案"),
    ("industry", "C", "Z"),
])
def test_customer_codes(field, good, bad):
    assert getattr(customer(**{field: good}), field) == good
    with pytest.raises(ValidationError) as exc:
        customer(**{field: bad})
    assert field in error_types(exc.value)


def test_channel_and_stage_after_codes():
    assert follow_up(channel="video_meeting", stage_after="lost").channel == "video_meeting"
    for field, bad in (("channel", "telegram"), ("stage_after", "won")):
        with pytest.raises(ValidationError) as exc:
            follow_up(**{field: bad})
        assert field in error_types(exc.value)


def test_follow_up_time_not_in_future():
    with pytest.raises(ValidationError) as exc:
        follow_up(occurred_at=datetime.now(UTC) + timedelta(minutes=10))  # now at run time
    assert error_types(exc.value) == {"occurred_at": "future_time"}


def test_next_follow_up_date_not_before_the_follow_ups_local_date():
    # 2026-03-05 01:30 in Shanghai is still 2026-03-04 in UTC: the local date is the one compared
    at = datetime(2026, 3, 4, 17, 30, tzinfo=UTC)
    assert follow_up(occurred_at=at, next_follow_up_date=date(2026, 3, 5)).next_follow_up_date == date(2026, 3, 5)
    with pytest.raises(ValidationError) as exc:
        follow_up(occurred_at=at, next_follow_up_date=date(2026, 3, 4))
    assert error_types(exc.value) == {"next_follow_up_date": "next_before_follow_up"}


def test_follow_up_naive_time_is_shanghai():
    fu = follow_up(occurred_at=datetime(2026, 3, 5, 14, 30))
    assert fu.occurred_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("minutes,ok", [(0, True), (1440, True), (-1, False), (1441, False)])
def test_duration_bounds(minutes, ok):
    if ok:
        assert follow_up(duration_minutes=minutes).duration_minutes == minutes
    else:
        with pytest.raises(ValidationError) as exc:
            follow_up(duration_minutes=minutes)
        assert "duration_minutes" in error_types(exc.value)


def test_summary_required_and_no_control_characters():
    for bad in ("", "   ", "\u3000"):
        with pytest.raises(ValidationError):
            follow_up(summary=bad)
    with pytest.raises(ValidationError) as exc:
        follow_up(summary="ok\x07bell")
    assert error_types(exc.value) == {"summary": "control_chars"}


def test_contract_amount_not_negative():
    assert ContractIn(customer_id=1, rep_id=1, signed_on=date(2026, 3, 5), amount="123456.78").amount == Decimal(
        "123456.78")
    with pytest.raises(ValidationError):
        ContractIn(customer_id=1, rep_id=1, signed_on=date(2026, 3, 5), amount=-1)


def test_survey_score_on_its_scale():
    assert SurveyIn(customer_id=1, scale="csat", score=5, surveyed_on=date(2026, 3, 5)).score == 5
    assert SurveyIn(customer_id=1, scale="nps", score=9, surveyed_on=date(2026, 3, 5)).score == 9
    with pytest.raises(ValidationError):
        SurveyIn(customer_id=1, scale="csat", score=9, surveyed_on=date(2026, 3, 5))
    with pytest.raises(ValidationError):
        SurveyIn(customer_id=1, scale="nps", score=11, surveyed_on=date(2026, 3, 5))


def test_target_month_is_first_day():
    assert TargetIn(rep_id=1, month=date(2026, 3, 17), amount=100).month == date(2026, 3, 1)


def test_username_and_role():
    assert UserIn(username="rep_9", display_name="王磊", role="rep").username == "rep_9"
    for bad in ("ab", "王磊", "rep 9", "x" * 33):
        with pytest.raises(ValidationError):
            UserIn(username=bad, display_name="王磊", role="rep")
    with pytest.raises(ValidationError):
        UserIn(username="rep9", display_name="王磊", role="boss")


def test_tags_split_on_chinese_and_ascii_commas():
    assert customer(tags="重点, 华东、制造业,复购").tags == ["重点", "华东", "制造业", "复购"]


def test_password_policy():
    from pipelines.validators import password_ok

    assert password_ok("long-enough-1", "rep1")
    assert not password_ok("short", "rep1")
    assert not password_ok("manager100", "manager100")


def test_a_form_may_name_a_field_as_it_labels_it():
    """A contact's name is labelled 姓名 on its form: its message says so, not 名称."""
    from pydantic import ValidationError

    from pipelines import errors

    with pytest.raises(ValidationError) as exc:
        ContactIn(customer_id=1, name="  ")
    assert errors.explain(exc.value, "zh_CN")["name"] == "名称:必须填写。"
    assert errors.explain(exc.value, "zh_CN", {"name": "姓名"})["name"] == "姓名:必须填写。"


def test_a_required_choice_left_empty_is_said_to_be_required():
    """An owner not chosen read "负责人:请输入整数。", which says nothing of what was wrong."""
    from pydantic import ValidationError

    from pipelines import errors

    with pytest.raises(ValidationError) as exc:
        CustomerIn(name="某公司", owner_id=None)
    assert errors.explain(exc.value, "zh_CN")["owner_id"] == "负责人:必须填写。"
    with pytest.raises(ValidationError) as exc:
        CustomerIn(name="某公司", owner_id="abc")
    assert "必须填写" not in errors.explain(exc.value, "zh_CN")["owner_id"]


def test_a_need_is_not_raised_in_the_future():
    """A need dated next week was accepted (a need is raised when it is heard)."""
    from datetime import date, datetime, timedelta

    from pipelines import errors
    from pipelines.config import local_tz
    from pipelines.models import Need, NeedIn

    today = datetime.now(local_tz()).date()
    assert NeedIn(customer_id=1, description="污水设备", raised_on=today).raised_on == today
    with pytest.raises(ValidationError) as exc:
        NeedIn(customer_id=1, description="污水设备", raised_on=today + timedelta(days=7))
    assert errors.explain(exc.value, "zh_CN") == {"raised_on": "提出日期:不能晚于今天,请核对日期。"}
    assert Need(id=1, customer_id=1, description="x", raised_on=date(2999, 1, 1)).raised_on.year == 2999  # as stored
