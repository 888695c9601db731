"""Countries (ISO 3166-1 alpha-2, names from Babel's CLDR data) and shipping zones."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

from social_market.models.market import ZONE_DOMESTIC, ZONE_EU, ZONE_WORLD
from social_market.services.errors import InvalidInput

# Member states of the European Union (2026).
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
# CLDR lists some codes that are not countries one ships to.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=4)
def country_names(locale: str = "en") -> dict[str, str]:
    """Code → name in ``locale``, sorted by name."""
    territories = Locale.parse(locale).territories
    pairs = [
        (code, name)
        for code, name in territories.items()
        if re.fullmatch(r"[A-Z]{2}", code) and code not in _NOT_COUNTRIES
    ]
    return dict(sorted(pairs, key=lambda p: p[1]))


def check_country(value: object, *, field: str = "country") -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in country_names("en"):
        raise InvalidInput("Please choose a country from the list.", field=field)
    return code


def zone_for(shop_country: str, destination: str) -> str:
    """The shipping zone a destination falls in, seen from a shop in ``shop_country``."""
    if destination == shop_country:
        return ZONE_DOMESTIC
    if destination in EU and shop_country in EU:
        return ZONE_EU
    return ZONE_WORLD
