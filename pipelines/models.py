"""One pydantic model per entity: the single source of truth for fields and their rules.

`<Entity>In` is what a form or an import supplies; `<Entity>` adds the stored columns
(id, timestamps, soft delete). `tests/test_schema.py` checks that every stored model and
its table in `pipelines/migrations/*.sql` hold the same columns.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from pipelines import validators as v
from pipelines.config import local_tz

Stage = Literal["initial_contact", "needs_confirmed", "proposal", "negotiation", "contract_signed",
                "after_sales", "lost"]
Channel = Literal["phone", "email", "visit", "wechat", "video_meeting", "demo", "exhibition", "other"]
Level = Literal["red", "yellow", "green"]
Size = Literal["large", "medium", "small", "micro"]
CustomerType = Literal["new", "existing", "strategic"]
Role = Literal["rep", "manager", "leader", "admin"]
DecisionRole = Literal["decision_maker", "influencer", "user"]
RiskRule = Literal["decision_maker_change", "budget_cut", "competitor_engaged", "manual", "silent_30d",
                   "silent_60d", "next_follow_up_overdue", "stage_stalled", "complaint_overdue",
                   "low_satisfaction", "on_track"]
RiskStatus = Literal["open", "acknowledged", "resolved"]
FeedbackType = Literal["feedback", "complaint", "suggestion"]
Severity = Literal["low", "medium", "high"]
FeedbackStatus = Literal["open", "in_progress", "resolved"]
SurveyScale = Literal["csat", "nps"]
Industry = Literal["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q",
                   "R", "S", "T"]


def _local(value: datetime) -> datetime:
    """A time without a zone is local time (Asia/Shanghai unless FOLLOWUP_TZ says otherwise)."""
    return value.replace(tzinfo=local_tz()) if value.tzinfo is None else value


Text = Annotated[str, BeforeValidator(v.clean_text)]
OptText = Annotated[str | None, BeforeValidator(v.clean_text)]
Name = Annotated[str, BeforeValidator(v.clean_text), Field(min_length=1, max_length=200)]
# The length limit sits on the str member: on the whole `str | None` pydantic would apply it to
# None too and raise a TypeError (not a ValidationError) for every blank optional field.
Note = Annotated[Annotated[str, Field(max_length=4000)] | None, BeforeValidator(v.clean_text), Field(default=None)]
Short = Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(v.clean_text), Field(default=None)]
Uscc = Annotated[str | None, BeforeValidator(v.uscc)]
Phone = Annotated[str | None, BeforeValidator(v.phone)]
Email = Annotated[str | None, BeforeValidator(v.email)]
Province = Annotated[str | None, BeforeValidator(v.province)]
Instant = Annotated[datetime, AfterValidator(_local)]
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Stored(Model):
    """Columns every table has."""

    __table__: ClassVar[str] = ""
    id: int
    created_at: datetime | None = None
    updated_at: datetime | None = None


class SoftDeleted(Stored):
    deleted_at: datetime | None = None


# -- organisation --------------------------------------------------------------------------

class TeamIn(Model):
    name: Name
    manager_id: int | None = None


class Team(TeamIn, Stored):
    __table__ = "teams"


TEAMLESS_ROLES = ("leader", "admin")


class UserIn(Model):
    username: Annotated[str, BeforeValidator(v.username)]
    display_name: Name
    role: Role
    team_id: int | None = None
    active: bool = True
    language: Literal["zh_CN", "en"] = "zh_CN"

    @field_validator("team_id")
    @classmethod
    def _teamless_roles(cls, team_id: int | None, info: ValidationInfo) -> int | None:
        """Leadership and admins see the whole company and belong to no team: a team kept in the
        new-account form from the account before made a leader one of 华东一组's staff."""
        return None if info.data.get("role") in TEAMLESS_ROLES else team_id


class User(UserIn, Stored):
    __table__ = "users"
    password_hash: str | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    sessions_valid_after: datetime | None = None  # cookies issued earlier are refused
    must_change_password: bool = False  # set by someone else, so known to them: changed at the next login


# -- customers -----------------------------------------------------------------------------

class CustomerIn(Model):
    name: Name
    uscc: Uscc = None
    industry: Industry | None = None
    size: Size | None = None
    province: Province = None
    city: Short = None
    district: Short = None
    customer_type: CustomerType = "new"
    group_name: Short = None
    parent_id: int | None = None
    tags: list[Annotated[str, BeforeValidator(v.clean_text), Field(max_length=40)]] = Field(default_factory=list)
    owner_id: int
    stage: Stage = "initial_contact"

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t for t in (p.strip() for p in value.replace(",", ",").replace("、", ",").split(",")) if t]
        return value or []


class Customer(CustomerIn, SoftDeleted):
    __table__ = "customers"
    name_initials: str | None = None  # pinyin initials for search, derived on write


class ContactIn(Model):
    customer_id: int
    name: Name
    position: Short = None
    decision_role: DecisionRole | None = None
    phone: Phone = None
    email: Email = None
    wechat: Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(v.clean_text)] = None


class Contact(ContactIn, SoftDeleted):
    __table__ = "contacts"


class NeedIn(Model):
    customer_id: int
    description: Annotated[str, BeforeValidator(v.clean_text), Field(min_length=1, max_length=2000)]
    raised_on: date
    pain_point: Note = None
    impact: Note = None

    @field_validator("raised_on")
    @classmethod
    def _not_future(cls, value: date) -> date:  # a need is raised when heard, not ahead
        if value > datetime.now(tz=local_tz()).date():
            raise v.fail("future_date")
        return value


class Need(NeedIn, SoftDeleted):
    __table__ = "needs"

    @field_validator("raised_on")
    @classmethod
    def _not_future(cls, value: date) -> date:  # as stored
        return value


class ContractIn(Model):
    customer_id: int
    rep_id: int
    signed_on: date
    amount: Money
    products: Short = None
    scenario: Note = None


class Contract(ContractIn, SoftDeleted):
    __table__ = "contracts"


# -- follow-ups and stages -----------------------------------------------------------------

class FollowUpIn(Model):
    customer_id: int
    rep_id: int
    occurred_at: Instant
    channel: Channel
    summary: Annotated[str, BeforeValidator(v.clean_text), Field(min_length=1, max_length=4000)]
    participants: Short = None
    duration_minutes: int = Field(default=0, ge=0, le=1440)
    effective: bool = True
    outcome: Note = None
    stage_after: Stage | None = None
    next_follow_up_date: date | None = None
    next_action: Note = None

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:
        if value > datetime.now(tz=local_tz()):
            raise v.fail("future_time")
        return value

    @field_validator("next_follow_up_date")
    @classmethod
    def _not_before(cls, value: date | None, info: ValidationInfo) -> date | None:
        """The next follow-up is on the day of this one or later (a date before it would make
        the customer overdue at once); compared with the follow-up's local date."""
        at = info.data.get("occurred_at")
        if value is not None and at is not None and value < at.astimezone(local_tz()).date():
            raise v.fail("next_before_follow_up")
        return value


class FollowUp(FollowUpIn, SoftDeleted):
    __table__ = "follow_ups"
    import_run_id: int | None = None

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:  # stored rows are past by construction
        return value

    @field_validator("next_follow_up_date")
    @classmethod
    def _not_before(cls, value: date | None, info: ValidationInfo) -> date | None:  # as stored
        return value


class StageChangeIn(Model):
    customer_id: int
    from_stage: Stage | None = None
    to_stage: Stage
    changed_at: Instant
    changed_by: int | None = None
    follow_up_id: int | None = None
    override_reason: Note = None
    imported: bool = False
    rule_broken: bool = False


class StageChange(StageChangeIn, SoftDeleted):
    __table__ = "stage_changes"


class OwnershipChangeIn(Model):
    customer_id: int
    from_owner_id: int | None = None
    to_owner_id: int
    changed_at: Instant
    changed_by: int | None = None


class OwnershipChange(OwnershipChangeIn, Stored):
    __table__ = "ownership_changes"


# -- risks and relationship ----------------------------------------------------------------

class RiskIn(Model):
    customer_id: int
    level: Level
    rule: RiskRule
    note: Note = None


class Risk(RiskIn, Stored):
    __table__ = "risks"
    status: RiskStatus = "open"
    raised_at: datetime
    closed_at: datetime | None = None
    raised_by: int | None = None
    evidence: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    closed_by: int | None = None


class FeedbackIn(Model):
    customer_id: int
    kind: FeedbackType
    severity: Severity = "low"
    description: Annotated[str, BeforeValidator(v.clean_text), Field(min_length=1, max_length=4000)]
    owner_id: int | None = None
    deadline: date | None = None


class Feedback(FeedbackIn, SoftDeleted):
    __table__ = "feedback"
    status: FeedbackStatus = "open"
    resolution_note: str | None = None
    resolved_at: datetime | None = None


class SurveyIn(Model):
    customer_id: int
    scale: SurveyScale = "csat"
    score: int = Field(ge=0, le=10)
    comment: Note = None
    surveyed_on: date

    @field_validator("score")
    @classmethod
    def _score_on_scale(cls, value: int, info: Any) -> int:
        if info.data.get("scale", "csat") == "csat" and not 1 <= value <= 5:
            raise v.fail("range", min=1, max=5)
        return value


class Survey(SurveyIn, SoftDeleted):
    __table__ = "surveys"


class RiskEvent(Stored):
    """One step in a risk's history (table `risk_events`, migration 0003)."""

    __table__ = "risk_events"
    risk_id: int
    customer_id: int
    action: Literal["raised", "opened", "acknowledged", "note", "updated", "resolved", "closed"]
    rule: RiskRule
    level: Level
    note: str | None = None
    actor_id: int | None = None
    happened_at: datetime


class FeedbackEvent(Stored):
    """One status move of a feedback or complaint, with its note (table `feedback_events`)."""

    __table__ = "feedback_events"
    feedback_id: int
    customer_id: int
    from_status: FeedbackStatus | None = None
    to_status: FeedbackStatus
    note: str | None = None
    actor_id: int | None = None
    happened_at: datetime


class TargetIn(Model):
    rep_id: int
    month: date
    amount: Money = Decimal(0)
    effective_follow_ups: int = Field(default=0, ge=0, le=100000)
    new_customers: int = Field(default=0, ge=0, le=100000)

    @field_validator("month")
    @classmethod
    def _first_day(cls, value: date) -> date:
        return value.replace(day=1)


class Target(TargetIn, Stored):
    __table__ = "targets"


# -- system --------------------------------------------------------------------------------

class AuditEntry(Stored):
    __table__ = "audit_log"
    user_id: int | None = None
    username: str
    action: str
    table_name: str | None = None
    row_id: int | None = None
    before: str | None = None  # JSON text
    after: str | None = None
    detail: str | None = None


class ImportRun(Stored):
    __table__ = "import_runs"
    file_name: str
    file_hash: str
    kind: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    user_id: int | None = None
    status: str = "running"
    error: str | None = None
    rejects_path: str | None = None
    finished_at: datetime | None = None


class Setting(Stored):
    __table__ = "settings"
    key: str
    value: str  # JSON text


class CustomerActivity(Stored):
    """One customer's follow-up and risk facts, kept exact on write (table `customer_activity`,
    migration 0005, pipelines/customer_activity.py); `id` is the customer's id."""

    __table__ = "customer_activity"
    last_follow_up_at: datetime | None = None
    last_effective_at: datetime | None = None
    next_follow_up_on: date | None = None
    open_red: int = 0
    open_yellow: int = 0
    open_since: datetime | None = None  # the oldest open risk of the worst open level (0011)
    last_closed_at: datetime | None = None


class FollowUpDaily(Stored):
    """Signed follow-up counts per local day, customer owner, rep and channel (table
    `follow_up_daily`, migrations 0006 and 0008, pipelines/daily_summary.py): a cell's rows sum to
    its figures."""

    __table__ = "follow_up_daily"
    zone: str  # the time zone `day` is local to
    day: date
    owner_id: int
    rep_id: int
    channel: str
    follow_ups: int
    effective_follow_ups: int
    minutes: int
    converted: int  # followed by a forward stage change of the customer within 14×24 h


class StageDaily(Stored):
    """Signed stage-change counts per local day, customer owner and stage entered, with the customers
    whose first stage change is there (table `stage_daily`, migration 0007, pipelines/stage_summary.py)."""

    __table__ = "stage_daily"
    zone: str  # the time zone `day` is local to
    day: date
    owner_id: int
    stage: str
    entries: int
    new_customers: int


class RiskDaily(Stored):
    """Signed risk-warning counts per local day, customer owner, level and rule: raised that day,
    and stopped being open that day (table `risk_daily`, migration 0007, pipelines/risk_summary.py)."""

    __table__ = "risk_daily"
    zone: str  # the time zone `day` is local to
    day: date
    owner_id: int
    level: str
    rule: str
    raised: int
    closed: int


STORED_MODELS: tuple[type[Stored], ...] = (
    Team, User, Customer, Contact, Need, Contract, FollowUp, StageChange, OwnershipChange,
    Risk, Feedback, Survey, Target, AuditEntry, ImportRun, Setting, RiskEvent, FeedbackEvent, CustomerActivity,
    FollowUpDaily, StageDaily, RiskDaily,
)
