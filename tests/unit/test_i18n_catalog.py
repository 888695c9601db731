"""The German catalogue is complete, and no UI text is written outside it."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from social_market.i18n import catalog
from social_market.services.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "social_market"
KEYWORDS = {
    "t": None,
    "tn": (1, 2),
    "N_": None,
    "_t": None,
    "InvalidInput": None,
    "NotAllowed": None,
    "RateLimited": None,
    "InvalidToken": None,
    "NotFound": None,
    "DomainError": None,
}


def _extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _german():
    path = PACKAGE / "i18n/locales/de/LC_MESSAGES/messages.po"
    with path.open("rb") as fh:
        return read_po(fh, locale="de")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_ui_and_server_message_has_a_german_translation():
    german = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in _german() if m.id}
    missing = sorted(msg for msg in _extracted() if msg not in german)
    assert not missing, "run scripts/i18n.sh and translate: " + "; ".join(missing)
    untranslated = sorted(
        mid
        for mid, m in german.items()
        if m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string)
    )
    assert not untranslated, "untranslated or fuzzy: " + "; ".join(untranslated)


def test_translations_keep_their_placeholders():
    for m in _german():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert _placeholders(s) == _placeholders(ids[0]), m.id


# Calls whose positional string arguments are shown to people.
_SKIP = {"rx.icon", "rx.color", "rx.get_upload_url", "rx.redirect", "rx.call_script", "t", "tn"}
_TEXT_KWARGS = {"placeholder", "aria_label", "hint", "title", "alt", "label"}
# Prop values (ARIA roles, Radix variants) that are not shown as text.
_NOT_TEXT = {
    "true",
    "tomato",
    "2.5rem",
    "false",
    "alert",
    "status",
    "search",
    "group",
    "page",
    "solid",
    "soft",
    "ghost",
}
_NOT_TEXT |= {"outline", "surface", "classic", "none", "auto", "inherit", "currentColor", "gray"}
_NOT_TEXT |= {"bold", "regular", "transparent", "medium", "start", "end"}
_NOT_TEXT |= {"sm-message", "sm-message sm-mine"}
# Icon names, a default country code, the shape of a voucher code.
_NOT_TEXT |= {"check", "plus", "DE", "RV-…"}


def _name(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _looks_like_text(node) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.search(r"[A-Za-z]{2}", node.value) is not None
        and node.value not in _NOT_TEXT
        and not node.value.startswith(("/", "#", "http", "@"))
    )


def untranslated_ui_text(paths: list[Path]) -> list[str]:
    problems = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in _SKIP:
                continue
            if name.startswith("rx.") or name in {"field", "link_button", "_card", "tab"}:
                args = node.args[1:] if name == "rx.cond" else node.args
                if name in {"field", "link_button", "_card", "tab"}:
                    args = node.args[:1]
                for arg in args:
                    if _looks_like_text(arg):
                        problems.append(f"{path.name}:{arg.lineno}: {arg.value!r}")
                for kw in node.keywords:
                    if kw.arg in _TEXT_KWARGS and _looks_like_text(kw.value):
                        problems.append(f"{path.name}:{kw.value.lineno}: {kw.value.value!r}")
    return problems


def test_no_ui_text_is_written_outside_the_catalogue():
    files = sorted((PACKAGE / "pages").glob("*.py")) + sorted((PACKAGE / "components").glob("*.py"))
    problems = untranslated_ui_text(files)
    assert not problems, "wrap these in t()/tn():\n" + "\n".join(problems)


def test_the_extraction_check_catches_a_bare_string(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text(
        'import reflex as rx\nrx.text("Hello there")\nrx.input(placeholder="Your name")\n'
    )
    assert len(untranslated_ui_text([sample])) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,de;q=0.5", "de"),
        ("fr-FR", "en"),
        ("en;q=0.2,de;q=0.9", "de"),
        ("", "en"),
        (None, "en"),
        ("garbage;q=notanumber", "en"),
    ],
)
def test_language_from_the_browser(header, expected):
    assert catalog.negotiate(header) == expected


def test_server_messages_are_translated_with_their_parameters():
    err = InvalidInput(
        "{label} can be at most {max_length} characters.",
        field="bio",
        label="Bio",
        max_length=500,
    )
    assert err.message == "Bio can be at most 500 characters."
    assert err.translated("de") == "Über mich darf höchstens 500 Zeichen lang sein."
    assert catalog.ngettext("de", "member", "members", 1) == "Mitglied"
    assert catalog.ngettext("de", "member", "members", 3) == "Mitglieder"


def test_the_browser_catalogue_script_carries_the_translations():
    script = catalog.catalog_script("de")
    assert '"Sign in":"Anmelden"' in script
    assert "__smTn" in script and "Intl.PluralRules" in script
