"""Translated text in components: ``t("Sign in")`` is looked up in the browser.

The lookup is a tiny JS expression over the catalogue script loaded once per page
(/i18n/<lang>.js) and the current language var, so changing the language re-renders
the text without sending any catalogue through the Reflex state.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.vars.base import Var

from social_market.state.auth import AuthState


def _lang() -> Var:
    return AuthState.lang


# Prerendering runs without `window`: fall back to the English text there.
_HAS_CATALOG = "(typeof window !== 'undefined' && window.__smT)"
_FORMAT = "((s, p) => s.replace(/\\{(\\w+)\\}/g, (m, k) => p[k] === undefined ? m : String(p[k])))"


def _with_params(expr: str, params: dict, var_data: list) -> str:
    parts = []
    for key, value in params.items():
        v = Var.create(value)
        var_data.append(v._get_all_var_data())
        parts.append(f"{json.dumps(key)}: {v!s}")
    return f"{_FORMAT}({expr}, {{{', '.join(parts)}}})"


def t(message: str, **params) -> Var[str]:
    """Translate ``message``; ``{name}`` placeholders are filled from ``params`` (Vars ok)."""
    lang = _lang()
    msg = json.dumps(message)
    expr = f"({_HAS_CATALOG} ? window.__smT({lang!s}, {msg}) : {msg})"
    var_data = [lang._get_all_var_data()]
    if params:
        expr = _with_params(expr, params, var_data)
    return Var(
        _js_expr=f"({expr})",
        _var_type=str,
        _var_data=rx.vars.VarData.merge(*var_data),
    )


def tn(singular: str, plural: str, count: Var | int, **params) -> Var[str]:
    """Plural-aware translation; ``{n}`` in the text is the count."""
    lang = _lang()
    n = Var.create(count)
    one, other = json.dumps(singular), json.dumps(plural)
    expr = (
        f"({_HAS_CATALOG} ? window.__smTn({lang!s}, {one}, {other}, {n!s})"
        f" : ({n!s} === 1 ? {one} : {other}))"
    )
    var_data = [lang._get_all_var_data(), n._get_all_var_data()]
    expr = _with_params(expr, {"n": n, **params}, var_data)
    return Var(
        _js_expr=f"({expr})",
        _var_type=str,
        _var_data=rx.vars.VarData.merge(*var_data),
    )


def t_var(message: Var, **params) -> Var[str]:
    """Translate a msgid that arrives as data (e.g. a category name from the server);
    ``{name}`` placeholders are filled from ``params`` like ``t``.

    The msgid itself must be in the catalogue (marked with ``N_`` where it is defined).
    """
    lang = _lang()
    msg = Var.create(message)
    expr = f"({_HAS_CATALOG} ? window.__smT({lang!s}, {msg!s}) : {msg!s})"
    var_data = [lang._get_all_var_data(), msg._get_all_var_data()]
    if params:
        expr = _with_params(expr, params, var_data)
    return Var(
        _js_expr=f"({expr})",
        _var_type=str,
        _var_data=rx.vars.VarData.merge(*var_data),
    )
