"""Which open tabs of this process show which conversation.

A tab registers when its conversation page loads (``ConversationState.load``, on the
worker that holds its socket: a reconnect loads the page again, wherever it lands).
When news of that conversation arrives, ``state/live.py`` brings the new messages into
those tabs' own state at once, instead of telling the page to ask for them (one trip
through the browser fewer on the path of every message).

Entries are hints, never permissions: the push re-checks the tab's signed-in session,
its page and its membership before it shows anything, and forgets a tab that moved on.
"""

from __future__ import annotations

import threading

MAX_TABS = 100_000  # beyond this the oldest registrations are forgotten

_lock = threading.Lock()
_tabs: dict[str, tuple[int, int]] = {}  # client token -> (conversation id, user id)
_by_conversation: dict[int, dict[str, int]] = {}  # conversation id -> {token: user id}


def register(token: str, conversation_id: int, user_id: int) -> None:
    """This tab now shows that conversation, for that person (replaces what it showed)."""
    if not token:
        return
    with _lock:
        _drop(token)
        _tabs[token] = (conversation_id, user_id)
        _by_conversation.setdefault(conversation_id, {})[token] = user_id
        while len(_tabs) > MAX_TABS:
            _drop(next(iter(_tabs)))


def forget(token: str, conversation_id: int | None = None) -> None:
    """The tab left (or left that conversation, when one is given)."""
    with _lock:
        shown = _tabs.get(token)
        if shown is not None and (conversation_id is None or shown[0] == conversation_id):
            _drop(token)


def of(conversation_id: int, user_ids: list[int]) -> list[tuple[str, int]]:
    """(token, user id) of the tabs here showing the conversation to one of these people."""
    wanted = set(user_ids)
    with _lock:
        tabs = _by_conversation.get(conversation_id, {})
        return [(token, uid) for token, uid in tabs.items() if uid in wanted]


def count() -> int:
    with _lock:
        return len(_tabs)


def _drop(token: str) -> None:
    shown = _tabs.pop(token, None)
    if shown is None:
        return
    tabs = _by_conversation.get(shown[0])
    if tabs is not None:
        tabs.pop(token, None)
        if not tabs:
            del _by_conversation[shown[0]]
