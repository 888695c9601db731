"""Cleaning and checking free text that people type."""

from __future__ import annotations

import re
import unicodedata

from social_market.services.errors import InvalidInput

# Control characters and bidi overrides that can disguise text; tab/newline are handled apart.
_FORBIDDEN = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean_text(
    value: object, *, field: str, label: str, max_length: int, multiline: bool = False
) -> str:
    """Return ``value`` as NFC text without control characters, or raise InvalidInput.

    Args:
        value: What arrived from the client (may be any type).
        field: The form field's name, for the error.
        label: The field's human name, for the message.
        max_length: Maximum length in characters after cleaning.
        multiline: Keep line breaks (at most two in a row).
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("{label} must be text.", field=field, label=label)
    if len(value) > max_length * 4 + 1000:
        # Refuse early: no need to normalise a megabyte to say it is too long.
        raise InvalidInput(
            "{label} can be at most {max_length} characters.",
            field=field,
            label=label,
            max_length=max_length,
        )
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _FORBIDDEN.sub("", text)
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text).replace("\t", " ")
    else:
        text = re.sub(r"\s+", " ", text)
    text = text.strip()
    if len(text) > max_length:
        raise InvalidInput(
            "{label} can be at most {max_length} characters.",
            field=field,
            label=label,
            max_length=max_length,
        )
    return text


def require_str(value: object, *, field: str, label: str, max_length: int = 1000) -> str:
    """A raw string (passwords: no normalising), with a type and size check."""
    if not isinstance(value, str):
        raise InvalidInput("{label} must be text.", field=field, label=label)
    if len(value) > max_length:
        raise InvalidInput(
            "{label} can be at most {max_length} characters.",
            field=field,
            label=label,
            max_length=max_length,
        )
    return value
