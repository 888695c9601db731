"""Conversations in the browser: a buyer asks a maker about a listing and they talk
live, with unread badges and read receipts; outsiders can't open the conversation; a
page whose socket dropped catches up from the database; a reported conversation is
closed by a moderator."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from social_market.state.messages import ConversationState
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.factories import PASSWORD, make_user, open_shop_for, png, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_buyer_and_a_maker_talk_live_about_a_listing(new_context, tmp_path):
    with session_scope() as session:
        maker = make_user(session, handle="chatmaker", display_name="Chat Maker")
        buyer = make_user(session, handle="chatbuyer", display_name="Chat Buyer")
        outsider = make_user(session, handle="chatoutsider")
        open_shop_for(session, maker)
        listing = publish_listing(session, maker, title="Celadon teapot")
        emails = (maker.email, buyer.email, outsider.email)
        listing_path = f"/listing/{listing.id}-{listing.slug}"

    maker_page = new_context().new_page()
    sign_in(maker_page, emails[0], PASSWORD, next_path="/")
    expect(maker_page.locator("#message-count")).to_have_count(0)

    buyer_page = new_context().new_page()
    sign_in(buyer_page, emails[1], PASSWORD, next_path=listing_path)
    buyer_page.locator("#ask-maker").click()
    expect(buyer_page).to_have_url(re.compile(r"/messages/\d+"))
    expect(buyer_page.locator("#conversation-subject")).to_contain_text("Celadon teapot")
    box = buyer_page.locator("#message-body")
    box.fill("Is the teapot dishwasher safe?")
    box.press("Enter")
    mine = buyer_page.locator(".sm-message", has_text="dishwasher safe")
    expect(mine).to_contain_text("Sent")
    conversation_path = re.sub(r"^https?://[^/]+", "", buyer_page.url)

    # The maker's header counts it without a reload; the inbox lists it.
    expect(maker_page.locator("#message-count")).to_have_text("1")
    maker_page.locator("#messages-link").click()
    row = maker_page.locator(".sm-conversation", has_text="Chat Buyer")
    expect(row).to_contain_text("Is the teapot dishwasher safe?")
    expect(row).to_contain_text("Celadon teapot")
    shot(maker_page, "messages-inbox")
    row.click()
    expect(maker_page.locator(".sm-message", has_text="dishwasher safe")).to_be_visible()
    expect(maker_page.locator("#message-count")).to_have_count(0)

    # The buyer sees it was read, live; then the answer arrives live.
    expect(mine).to_contain_text("Read")
    maker_page.locator("#message-body").fill("Yes, but hand washing keeps the glaze bright.")
    maker_page.locator("#message-body").press("Enter")
    expect(buyer_page.locator(".sm-message", has_text="hand washing")).to_be_visible()

    # An image goes along with the next message.
    photo = tmp_path / "glaze.png"
    photo.write_bytes(png((500, 400), (60, 120, 90)))
    buyer_page.locator("#message-photo input[type=file]").set_input_files(str(photo))
    expect(buyer_page.locator("#message-photo-preview")).to_be_visible(timeout=30_000)
    buyer_page.locator("#message-body").fill("This glaze, please")
    buyer_page.locator("#message-body").press("Enter")
    expect(maker_page.get_by_role("img", name="Image sent by Chat Buyer")).to_be_visible()
    expect(buyer_page.locator("#message-photo-preview")).to_have_count(0)
    shot(buyer_page, "conversation")

    # Asking again about the same listing opens the same conversation.
    goto(buyer_page, listing_path)
    buyer_page.locator("#ask-maker").click()
    expect(buyer_page).to_have_url(re.compile(re.escape(conversation_path) + "/?$"))

    # An outsider gets nothing, by address or by forged events.
    outsider_page = new_context().new_page()
    injector = EventInjector(outsider_page)
    sign_in(outsider_page, emails[2], PASSWORD, next_path=conversation_path)
    expect(outsider_page.get_by_text("We couldn't find that conversation.")).to_be_visible()
    injector.send(ConversationState, "send", {"form_data": {"body": "intruder"}})
    injector.send(ConversationState, "load_older", {})
    injector.send(ConversationState, "catch_up", {})
    outsider_page.wait_for_timeout(1000)
    assert "dishwasher" not in "".join(injector.received)
    goto(buyer_page, conversation_path)
    expect(buyer_page.locator(".sm-message")).to_have_count(3)


def test_a_member_reports_a_conversation_and_the_moderator_closes_it_live(new_context):
    from social_market.models.user import MODERATOR
    from social_market.services import messaging

    with session_scope() as session:
        pushy = make_user(session, handle="pushyseller", display_name="Pushy Seller")
        buyer = make_user(session, handle="annoyedbuyer", display_name="Annoyed Buyer")
        mod = make_user(session, handle="convomod", role=MODERATOR)
        convo = messaging.start_direct(session=session, actor_id=pushy.id, handle=buyer.handle)
        for text in ("Buy my vases", "Buy them NOW", "Why are you not answering"):
            messaging.send_message(
                session=session, actor_id=pushy.id, conversation_id=convo.id, body=text
            )
        emails, path = (pushy.email, buyer.email, mod.email), f"/messages/{convo.id}"
        ids = (pushy.id, convo.id)

    pushy_page = new_context().new_page()
    injector = EventInjector(pushy_page)
    sign_in(pushy_page, emails[0], PASSWORD, next_path=path)
    expect(pushy_page.locator("#message-body")).to_be_visible()

    buyer_page = new_context().new_page()
    sign_in(buyer_page, emails[1], PASSWORD, next_path=path)
    buyer_page.locator("#report-conversation").click()
    dialog = buyer_page.get_by_role("dialog")
    dialog.get_by_label("Harassment or hate").click()
    dialog.get_by_role("button", name="Send report").click()
    expect(buyer_page.get_by_text("Thanks — our moderators will look at it.")).to_be_visible()

    mod_page = new_context().new_page()
    sign_in(mod_page, emails[2], PASSWORD, next_path="/moderation")
    card = mod_page.locator(".sm-mod-item", has_text="@pushyseller: Why are you not answering")
    expect(card).to_contain_text("Conversation")
    expect(card).to_contain_text("@pushyseller")  # the account answered for
    shot(mod_page, "moderation-conversation")
    card.get_by_role("button", name="Hide").click()
    expect(mod_page.locator(".sm-mod-item", has_text="@pushyseller")).to_have_count(0)

    # Both open pages learn it at once: the history stays, the box is gone.
    for page in (pushy_page, buyer_page):
        expect(page.locator("#conversation-closed")).to_contain_text(
            "Our moderators closed this conversation."
        )
        expect(page.locator("#message-body")).to_have_count(0)
        expect(page.locator(".sm-message")).to_have_count(3)
    injector.send(ConversationState, "send", {"form_data": {"body": "sneaking one in"}})
    pushy_page.wait_for_timeout(1000)
    with session_scope() as session:
        views, _ = messaging.history(session=session, actor_id=ids[0], conversation_id=ids[1])
    assert views[-1].segments[0].text == "Why are you not answering"


def test_a_page_whose_socket_dropped_catches_up_on_reconnect_with_nothing_lost(new_context):
    from social_market.services import messaging

    with session_scope() as session:
        maker = make_user(session, handle="tunnelmaker", display_name="Tunnel Maker")
        buyer = make_user(session, handle="tunnelbuyer", display_name="Tunnel Buyer")
        convo = messaging.start_direct(session=session, actor_id=buyer.id, handle=maker.handle)
        messaging.send_message(
            session=session, actor_id=buyer.id, conversation_id=convo.id, body="Are you there?"
        )
        emails, path = (maker.email, buyer.email), f"/messages/{convo.id}"

    maker_context = new_context()
    maker_page = maker_context.new_page()
    sockets: list = []
    maker_page.on("websocket", lambda ws: sockets.append(ws))
    sign_in(maker_page, emails[0], PASSWORD, next_path=path)
    expect(maker_page.locator(".sm-message")).to_have_count(1)
    buyer_page = new_context().new_page()
    sign_in(buyer_page, emails[1], PASSWORD, next_path=path)
    expect(buyer_page.locator(".sm-message")).to_have_count(1)

    # The network goes away (as in a tunnel): the socket drops, the page keeps retrying.
    maker_context.set_offline(True)
    opened = len(sockets)
    for text in ("First while you were away", "Second while you were away"):
        buyer_page.locator("#message-body").fill(text)
        buyer_page.locator("#message-body").press("Enter")
        expect(buyer_page.locator(".sm-message", has_text=text)).to_contain_text("Sent")
    maker_page.wait_for_timeout(1500)  # the cut page has no way to hear of them
    expect(maker_page.locator(".sm-message")).to_have_count(1)

    maker_context.set_offline(False)
    expect(maker_page.locator(".sm-message", has_text="Second while you were away")).to_be_visible(
        timeout=15_000
    )
    assert len(sockets) > opened and sockets[opened - 1].is_closed()  # over a new socket
    texts = maker_page.locator(".sm-message").all_inner_texts()
    assert len(texts) == 3, texts  # each once, in order
    assert "First while" in texts[1] and "Second while" in texts[2]
    # And the buyer learns they were read.
    expect(buyer_page.locator(".sm-message", has_text="Second while")).to_contain_text("Read")
