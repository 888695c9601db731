"""Turning what people write into safe pieces for display: plain text, @mentions and
web links. Nothing here ever produces HTML: pages render each piece as text or as a
link whose address we built ourselves (only http(s) links and /u/<handle> profiles), so
``javascript:`` and friends can't get through."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from pydantic import BaseModel

# @handle: the handle rules of accounts (3–30 of letters, digits, _ and -), not inside a
# word or an email address.
MENTION_RE = re.compile(r"(?<![\w@/.])@([A-Za-z0-9][A-Za-z0-9_-]{2,29})\b")
# A web address: explicit http(s) scheme, or www.; stops before spaces and quotes.
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


class Segment(BaseModel):
    """A piece of text: ``href`` is '' for plain text."""

    text: str
    href: str = ""
    external: bool = False


def mentioned_handles(text: str) -> list[str]:
    """The distinct @handles in ``text``, lower-cased, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def _safe_url(raw: str) -> str | None:
    url = raw if raw.lower().startswith(("http://", "https://")) else "https://" + raw
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ord(c) < 33 for c in url):
        return None
    return url


def segments(text: str) -> list[Segment]:
    """Split ``text`` into plain, mention and link segments (in order)."""
    text = text or ""
    spans: list[tuple[int, int, Segment]] = []
    for match in URL_RE.finditer(text):
        raw = match.group(0).rstrip(_TRAILING)
        href = _safe_url(raw)
        if href:
            spans.append(
                (
                    match.start(),
                    match.start() + len(raw),
                    Segment(text=raw, href=href, external=True),
                )
            )
    for match in MENTION_RE.finditer(text):
        if any(s <= match.start() < e for s, e, _ in spans):
            continue
        handle = match.group(1)
        spans.append(
            (match.start(), match.end(), Segment(text="@" + handle, href="/u/" + quote(handle)))
        )
    spans.sort(key=lambda s: s[0])
    out: list[Segment] = []
    pos = 0
    for start, end, seg in spans:
        if start < pos:
            continue
        if start > pos:
            out.append(Segment(text=text[pos:start]))
        out.append(seg)
        pos = end
    if pos < len(text):
        out.append(Segment(text=text[pos:]))
    return out
