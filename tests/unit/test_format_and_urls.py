"""Locale formatting with Babel, and the guard against open redirects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from social_market.i18n.format import format_ago, format_day, format_money, format_number
from social_market.urls import safe_next


def test_money_is_formatted_per_locale_from_minor_units():
    assert format_money(1999, "EUR", "en_US") == "€19.99"
    assert format_money(1999, "EUR", "de_DE") == "19,99\xa0€"
    assert format_money(123456789, "EUR", "de_DE") == "1.234.567,89\xa0€"


def test_numbers_dates_and_relative_times_follow_the_locale():
    assert format_number(1234567, "de_DE") == "1.234.567"
    assert format_number(1234567, "en_US") == "1,234,567"
    day = datetime(2026, 3, 5, tzinfo=UTC)
    assert format_day(day, "de_DE") == "5. März 2026"
    assert format_day(day, "en_US") == "March 5, 2026"
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    assert format_ago(now - timedelta(minutes=3), now, "de_DE") == "vor 3 Minuten"
    assert format_ago(now - timedelta(minutes=3), now, "en_US") == "3 minutes ago"


def test_unknown_locale_falls_back_to_english():
    assert format_money(500, "EUR", "xx_XX") == "€5.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/settings", "/settings"),
        ("/u/anna?tab=1", "/u/anna?tab=1"),
        ("//evil.example.com", "/"),
        ("https://evil.example.com", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
        (None, "/"),
        (42, "/"),
    ],
)
def test_next_paths_stay_on_this_site(value, expected):
    assert safe_next(value) == expected


def test_cookie_route_returns_to_the_host_the_browser_used(monkeypatch):
    import reflex as rx
    from starlette.requests import Request

    from social_market.api.auth_routes import frontend_url

    def request_to(host: str) -> Request:
        return Request({"type": "http", "headers": [(b"host", host.encode())], "path": "/"})

    monkeypatch.setattr(rx.config.get_config(), "deploy_url", "http://localhost:3000")
    assert frontend_url("/x", request_to("127.0.0.1:3000")) == "http://127.0.0.1:3000/x"
    assert frontend_url("/x", request_to("localhost:8000")) == "http://localhost:3000/x"
    monkeypatch.setattr(rx.config.get_config(), "deploy_url", "https://market.example.com")
    # A real configured host is kept whatever Host header arrives (no host-header redirects).
    assert frontend_url("/x", request_to("evil.example")) == "https://market.example.com/x"
