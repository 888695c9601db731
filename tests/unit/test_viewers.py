"""The registry of tabs showing a conversation (state/viewers.py): what a push reads to
find the tabs to bring a new message into."""

from __future__ import annotations

import pytest

from social_market.state import viewers


@pytest.fixture(autouse=True)
def empty_registry():
    for token, _ in list(viewers._tabs.items()):
        viewers.forget(token)
    yield
    for token, _ in list(viewers._tabs.items()):
        viewers.forget(token)


def test_a_tab_shows_one_conversation_at_a_time_for_its_person():
    viewers.register("tab-1", 10, 1)
    viewers.register("tab-2", 10, 2)
    viewers.register("tab-3", 11, 1)
    assert sorted(viewers.of(10, [1, 2, 3])) == [("tab-1", 1), ("tab-2", 2)]
    assert viewers.of(10, [2]) == [("tab-2", 2)]  # only the people the news is for
    viewers.register("tab-1", 11, 1)  # the tab moved to another conversation
    assert viewers.of(10, [1, 2]) == [("tab-2", 2)]
    assert sorted(viewers.of(11, [1])) == [("tab-1", 1), ("tab-3", 1)]


def test_forgetting_a_tab_for_a_conversation_it_left_keeps_its_new_one():
    viewers.register("tab-1", 10, 1)
    viewers.register("tab-1", 11, 1)
    viewers.forget("tab-1", 10)  # a late push for the old conversation
    assert viewers.of(11, [1]) == [("tab-1", 1)]
    viewers.forget("tab-1")
    assert viewers.of(11, [1]) == [] and viewers.count() == 0
    assert viewers._by_conversation == {}
    viewers.register("", 10, 1)  # no token, nothing to push to
    assert viewers.count() == 0


def test_the_registry_forgets_the_oldest_tabs_beyond_its_bound(monkeypatch):
    monkeypatch.setattr(viewers, "MAX_TABS", 3)
    for i in range(5):
        viewers.register(f"tab-{i}", 10, i)
    assert viewers.count() == 3
    assert sorted(viewers.of(10, list(range(5)))) == [("tab-2", 2), ("tab-3", 3), ("tab-4", 4)]
