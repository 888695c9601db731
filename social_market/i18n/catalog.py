"""The message catalogues (gettext .po, edited with Babel's tools) and server-side lookup.

English is the source language: msgids are the English text, so English needs no
catalogue. German lives in ``locales/de/LC_MESSAGES/messages.po``.

Design (see docs/i18n.md): the browser gets each catalogue once as a static, cached
script (``/i18n/<lang>.js``, written from the .po at app start); components look text
up there by the current language, which is the only per-client piece of state. Server
messages (validation errors, notices) are translated with the same catalogue here.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
BABEL_LOCALE = {"en": "en_US", "de": "de_DE"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def _catalog(lang: str) -> dict[str, str | tuple[str, ...]]:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    entries: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(message.string)
            if all(forms):
                entries[message.id[0]] = forms
        elif message.string:
            entries[message.id] = message.string
    return entries


def normalize_language(value: object) -> str | None:
    """'de', 'de-AT', 'de_DE' -> 'de'; unsupported or junk -> None."""
    if not isinstance(value, str) or not value or len(value) > 35:
        return None
    code = value.replace("_", "-").split("-")[0].strip().lower()
    return code if code in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """Pick a supported language from an Accept-Language header."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    preferred: list[tuple[float, str]] = []
    for i, part in enumerate(accept_language.split(",")[:20]):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        preferred.append((-weight, i, tag))  # type: ignore[arg-type]
    for _w, _i, tag in sorted(preferred):  # type: ignore[misc]
        lang = normalize_language(tag)
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def gettext(lang: str, message: str) -> str:
    found = _catalog(lang).get(message)
    return found if isinstance(found, str) else message


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    forms = _catalog(lang).get(singular)
    index = plural_index(lang, n)
    if isinstance(forms, tuple) and index < len(forms):
        return forms[index]
    return singular if index == 0 else plural


def plural_index(lang: str, n: int) -> int:
    try:
        rule = Locale.parse(BABEL_LOCALE.get(lang, "en_US")).plural_form
    except UnknownLocaleError:  # pragma: no cover - our locales are known
        return 0 if n == 1 else 1
    return 0 if rule(n) == "one" else 1


def catalog_script(lang: str) -> str:
    """The JavaScript served as /i18n/<lang>.js: registers the catalogue and helpers."""
    data = json.dumps(_catalog(lang), ensure_ascii=False, separators=(",", ":"))
    return (
        "(function(){var w=window;w.__smI18n=w.__smI18n||{};"
        f"w.__smI18n[{json.dumps(lang)}]={data};"
        "w.__smT=w.__smT||function(l,id){var c=w.__smI18n[l]||{};var s=c[id];"
        "return typeof s==='string'?s:id;};"
        "w.__smTn=w.__smTn||function(l,one,other,n){var c=w.__smI18n[l]||{};var f=c[one];"
        "var i=new Intl.PluralRules(l==='de'?'de-DE':'en-US').select(n)==='one'?0:1;"
        "if(Array.isArray(f)&&f[i])return f[i];return i===0?one:other;};"
        "w.__smF=w.__smF||function(s,p){return s.replace(/\\{(\\w+)\\}/g,function(m,k)"
        "{return p[k]===undefined?m:String(p[k]);});};})();"
    )


def write_catalog_assets(assets_dir: Path) -> None:
    """Write /i18n/<lang>.js for every language (called when the app is imported)."""
    target = assets_dir / "i18n"
    target.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        path = target / f"{lang}.js"
        content = catalog_script(lang)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
