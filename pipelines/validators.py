"""Field checks shared by the models and the importer (which applies them to whole columns).

Each check raises `PydanticCustomError` whose type is a message key of the catalog
(`error.<type>`), so the error can be shown in either language with the field's label.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from pipelines.codes import PROVINCE_SHORT, PROVINCES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")


def fail(kind: str, **ctx: object) -> PydanticCustomError:
    """An error whose type is the catalog key `error.<kind>`."""
    return PydanticCustomError(kind, kind, dict(ctx))


def clean_text(value: str | None) -> str | None:
    """Trim, fold full-width spaces, refuse control characters; empty → None."""
    if value is None:
        return None
    text = str(value).replace("\u3000", " ").strip()
    if _CONTROL.search(text):
        raise fail("control_chars")
    return text or None


def uscc(value: str | None) -> str | None:
    """Unified social credit code (GB 32100-2015), upper-cased; None when blank."""
    text = clean_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).upper().replace(" ", "")
    try:
        return stdnum_uscc.validate(text)
    except InvalidLength:
        raise fail("uscc_length", length=len(text)) from None
    except InvalidChecksum:
        raise fail("uscc_check") from None
    except InvalidFormat:
        raise fail("uscc_format") from None


def phone(value: str | None) -> str | None:
    """A mainland mobile or landline number, stored in E.164 (+8613812345678)."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        parsed = phonenumbers.parse(unicodedata.normalize("NFKC", text), "CN")
    except phonenumbers.NumberParseException:
        raise fail("phone", value=text) from None
    kind = phonenumbers.number_type(parsed)
    allowed = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed) or kind not in allowed:
        raise fail("phone", value=text)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_national(e164: str | None) -> str:
    """A stored phone shown the way people write it: 138 1234 5678 or 010 1234 5678."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, "CN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def email(value: str | None) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise fail("email", value=text) from None


def province(value: str | None) -> str | None:
    """One of the 34 provincial-level divisions, by full name; short forms are accepted."""
    text = clean_text(value)
    if text is None:
        return None
    if text in PROVINCES:
        return text
    if text in PROVINCE_SHORT:
        return PROVINCE_SHORT[text]
    raise fail("province", value=text)


def username(value: str) -> str:
    text = clean_text(value) or ""
    if not _USERNAME.match(text):
        raise fail("username_format")
    return text


# Words that head most guessed passwords ("password123", "qwerty2026!"): with only digits and
# signs after them, a password is refused whatever its length.
_COMMON_STEMS = ("password", "passw0rd", "qwerty", "asdf", "admin", "welcome", "letmein", "iloveyou", "abc",
                 "123", "111", "000", "woaini")


def password_ok(password: str, user: str) -> bool:
    """The password policy: at least 10 characters besides spaces, not the username, not one
    character repeated, not a run (1234567890, abcdefghij), not a common word and digits."""
    text = "".join(password.split()).lower()
    if len(text) < 10 or text == "".join(user.split()).lower() or len(set(text)) == 1:
        return False
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    if steps in ({1}, {-1}, {1, -9}):  # 1234567890 wraps from 9 to 0
        return False
    return not any(text.startswith(stem) and not any(c.isalpha() for c in text[len(stem):])
                   for stem in _COMMON_STEMS)
