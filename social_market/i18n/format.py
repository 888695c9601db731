"""Money, numbers and dates formatted for a locale with Babel."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_timedelta
from babel.numbers import format_currency, format_decimal, get_currency_precision

DEFAULT_LOCALE = "en_US"
SUPPORTED_LOCALES = ("en_US", "de_DE")


def _locale(locale: str | None) -> Locale:
    return _parsed(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


@lru_cache(maxsize=8)
def _parsed(code: str) -> Locale:
    """Parsed once: Babel re-parses a locale string on every call, which adds up on
    pages of thirty cards."""
    return Locale.parse(code)


def format_money(minor_units: int, currency: str = "EUR", locale: str | None = None) -> str:
    """Integer minor units (cents) to a price string, e.g. 1999 -> '€19.99' / '19,99 €'."""
    digits = get_currency_precision(currency)
    amount = Decimal(minor_units).scaleb(-digits)
    return format_currency(amount, currency, locale=_locale(locale))


def format_number(value: int | float, locale: str | None = None) -> str:
    return format_decimal(value, locale=_locale(locale))


def format_day(value: datetime, locale: str | None = None, fmt: str = "long") -> str:
    return _format_date(value, format=fmt, locale=_locale(locale))


def format_month_year(value: datetime, locale: str | None = None) -> str:
    return _format_date(value, format="MMMM y", locale=_locale(locale))


def format_ago(value: datetime, now: datetime, locale: str | None = None) -> str:
    """A relative time such as '3 minutes ago' / 'vor 3 Minuten'."""
    return format_timedelta(value - now, add_direction=True, threshold=1.1, locale=_locale(locale))
