"""Money from form input: always integer minor units (cents), never floats."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from social_market.services.errors import InvalidInput

MAX_PRICE_CENTS = 10_000_000  # 100,000.00 €: more than any handmade piece here

_AMOUNT = re.compile(r"^\d{1,9}(?:[.,]\d{1,2})?$")


def parse_cents(
    value: object,
    *,
    field: str,
    label: str,
    minimum: int = 1,
    maximum: int = MAX_PRICE_CENTS,
) -> int:
    """Parse '12', '12.5', '12,50' or an int number of cents; raise InvalidInput otherwise.

    Integers are taken as cents (what the server itself passes); strings are amounts in
    the currency's main unit as a person types them. Thousands separators are refused
    rather than guessed ('1.250' could be either).
    """
    if isinstance(value, bool):
        raise InvalidInput("{label} must be an amount such as 12.50.", field=field, label=label)
    if isinstance(value, int):
        cents = value
    elif isinstance(value, str):
        text = value.strip().replace("€", "").replace("EUR", "").strip()
        if text.startswith("-"):
            raise InvalidInput("{label} can't be negative.", field=field, label=label)
        if not _AMOUNT.match(text):
            raise InvalidInput("{label} must be an amount such as 12.50.", field=field, label=label)
        try:
            cents = int(Decimal(text.replace(",", ".")) * 100)
        except InvalidOperation:  # pragma: no cover - the regex already ruled this out
            raise InvalidInput(
                "{label} must be an amount such as 12.50.", field=field, label=label
            ) from None
    else:
        raise InvalidInput("{label} must be an amount such as 12.50.", field=field, label=label)
    if cents < 0:
        raise InvalidInput("{label} can't be negative.", field=field, label=label)
    if cents < minimum:
        raise InvalidInput(
            "{label} must be at least {amount}.",
            field=field,
            label=label,
            amount=format_plain(minimum),
        )
    if cents > maximum:
        raise InvalidInput(
            "{label} can be at most {amount}.",
            field=field,
            label=label,
            amount=format_plain(maximum),
        )
    return cents


def format_plain(cents: int) -> str:
    """12.50 — for form fields (locale-independent, what parse_cents reads back)."""
    return f"{cents // 100}.{cents % 100:02d}"


def parse_int(
    value: object, *, field: str, label: str, minimum: int, maximum: int, default: int | None = None
) -> int:
    """A whole number from form input within [minimum, maximum]."""
    if (value is None or value == "") and default is not None:
        return default
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise InvalidInput("{label} must be a whole number.", field=field, label=label)
    if value < minimum or value > maximum:
        raise InvalidInput(
            "{label} must be between {minimum} and {maximum}.",
            field=field,
            label=label,
            minimum=minimum,
            maximum=maximum,
        )
    return value
