"""Live delivery through Redis pub/sub: news published on one process reaches the
listeners; when Redis goes away the app keeps working (messages are stored, publishing
fails quietly) and delivery resumes by itself when Redis is back."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time

import pytest

from social_market.services import live, messaging
from tests.factories import make_user


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("redis-server did not start")


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    state = {"port": port, "proc": _start_redis(port)}
    yield state
    state["proc"].kill()
    state["proc"].wait()


def test_decode_refuses_malformed_channel_messages():
    assert live.decode('{"topic": "messages", "ids": [1, 2]}') == ("messages", [1, 2])
    assert live.decode('{"topic": "messages", "ids": [1, "x", true, 3]}') == ("messages", [1, 3])
    for bad in ("", "nope", "[]", '{"topic": "evil", "ids": [1]}', '{"topic": "feed"}'):
        assert live.decode(bad) is None


def test_delivery_survives_redis_going_away_and_resumes_when_it_is_back(db, private_redis):
    from social_market.state import live as live_state

    url = f"redis://127.0.0.1:{private_redis['port']}/0"
    received: list[tuple[str, list[int]]] = []

    def subscriber(topic, ids):
        received.append((topic, ids))

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    listener = asyncio.run_coroutine_threadsafe(live_state._listen_redis(url), loop)
    live.set_hub(live.RedisHub(url))
    live.subscribe(subscriber)
    try:
        # Connected: news arrives (retry until the listener has subscribed).
        assert _wait_for(lambda: _publish_and_check(received, [1]))

        # Redis goes away mid-conversation: sending still works and is stored.
        private_redis["proc"].kill()
        private_redis["proc"].wait()
        a, b = make_user(db), make_user(db)
        convo = messaging.start_direct(session=db, actor_id=a.id, handle=b.handle)
        messaging.send_message(session=db, actor_id=a.id, conversation_id=convo.id, body="hi")
        db.commit()  # publishing after commit fails quietly
        live.publish(live.MESSAGES, [2])
        live.wait_idle()
        history, _ = messaging.history(session=db, actor_id=b.id, conversation_id=convo.id)
        assert [m.segments[0].text for m in history] == ["hi"]

        # Redis is back on the same address: the listener reconnects, delivery resumes.
        private_redis["proc"] = _start_redis(private_redis["port"])
        assert _wait_for(lambda: _publish_and_check(received, [3]), timeout=15)
    finally:
        live.unsubscribe(subscriber)
        live.set_hub(None)
        listener.cancel()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def _publish_and_check(received, ids) -> bool:
    live.publish(live.MESSAGES, ids)
    live.wait_idle()
    return _wait_for(lambda: (live.MESSAGES, ids) in received, timeout=0.5)


def test_read_receipt_topics_name_their_conversation_and_nothing_else_passes():
    import json

    assert live.read_topic(12) == "read:12"
    assert live.read_conversation("read:12") == 12
    assert live.decode(json.dumps({"topic": "read:12", "ids": [3, True, "x"]})) == ("read:12", [3])
    for bad in ("read:", "read:1x", "read:-1", "reader:1", "nope"):
        assert live.decode(json.dumps({"topic": bad, "ids": [3]})) is None
        assert bad == "nope" or live.read_conversation(bad) is None


def test_conversation_topics_name_their_conversation_and_nothing_else_passes():
    import json

    assert live.conversation_topic(7) == "conversation:7"
    assert live.changed_conversation("conversation:7") == 7
    assert live.changed_conversation("read:7") is None
    assert live.read_conversation("conversation:7") is None
    assert live.decode(json.dumps({"topic": "conversation:7", "ids": [3, 4]})) == (
        "conversation:7",
        [3, 4],
    )
    for bad in ("conversation:", "conversation:7a", "conversation:-7", "conversation:\u0667"):
        assert live.decode(json.dumps({"topic": bad, "ids": [3]})) is None
        assert live.changed_conversation(bad) is None


def test_a_new_message_is_news_of_its_conversation_for_the_other_members_only(db):
    received: list[tuple[str, list[int]]] = []
    live.set_hub(live.InProcessHub())
    live.subscribe(collect := lambda topic, ids: received.append((topic, ids)))
    try:
        a, b, c = make_user(db), make_user(db), make_user(db)
        group = messaging.create_group(
            session=db, actor_id=a.id, title="Mugs", handles=[b.handle, c.handle]
        )
        db.commit()
        live.wait_idle()
        received.clear()
        messaging.send_message(session=db, actor_id=b.id, conversation_id=group.id, body="hi")
        db.commit()
        live.wait_idle()
        assert received == [(live.conversation_topic(group.id), sorted([a.id, c.id]))]
    finally:
        live.unsubscribe(collect)
        live.set_hub(None)
