"""Masking of personal contact details for roles without the right to see them (PIPL).

Leadership reads masked phones, emails and WeChat IDs; so would a manager reading another
team's contacts (the access scope already keeps those out). Exports mask the same way.
"""

from __future__ import annotations

import polars as pl

from pipelines.access import Actor
from pipelines.validators import phone_national

CONTACT_COLUMNS = ("phone", "email", "wechat")


def mask_phone(e164: str | None) -> str | None:
    """+8613812345678 → 138****5678; a landline keeps its area code and last 4 digits."""
    if not e164:
        return e164
    digits = "".join(ch for ch in phone_national(e164) if ch.isdigit())
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    return f"{digits[:-8]}****{digits[-4:]}" if len(digits) > 8 else f"****{digits[-4:]}"


def mask_email(email: str | None) -> str | None:
    """zhang.wei@example.com → z***@example.com."""
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_wechat(wechat: str | None) -> str | None:
    """wx_zhang5678 → w***78."""
    if not wechat:
        return wechat
    return f"{wechat[:1]}***{wechat[-2:]}" if len(wechat) > 3 else "***"


def must_mask(actor: Actor) -> bool:
    return not actor.sees_contact_details


def mask_contacts(df: pl.DataFrame, actor: Actor) -> pl.DataFrame:
    """Mask the contact columns of a frame for an actor without the right to see them.

    Phones that are shown unmasked are given in national form (138 1234 5678).
    """
    fns = {"phone": mask_phone, "email": mask_email, "wechat": mask_wechat}
    out = df
    for col in CONTACT_COLUMNS:
        if col not in out.columns:
            continue
        if must_mask(actor):
            fn = fns[col]
        elif col == "phone":
            fn = phone_national
        else:
            continue
        out = out.with_columns(pl.col(col).map_elements(fn, return_dtype=pl.Utf8, skip_nulls=True))
    return out
