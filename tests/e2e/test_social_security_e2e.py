"""Social handlers called from a forged client: signed out with wrong arguments, and
signed in as a stranger or a blocked person reaching, by id, for things they may not
see. Nothing changes, nothing leaks into the page, and the app keeps serving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import (
    Block,
    Comment,
    Conversation,
    ConversationMember,
    Follow,
    Like,
    Message,
    Mute,
    Notification,
    NotificationOff,
    NotInterested,
    Post,
    Review,
    ReviewHelpful,
    SharedPurchase,
    User,
    utcnow,
)
from social_market.services import blocks, comments, posts, shares
from social_market.state.live import LiveState
from social_market.state.messages import ConversationState, InboxState, StartConversationState
from social_market.state.notifications import NotificationSettingsState, NotificationsState
from social_market.state.people import ProfileState
from social_market.state.recommendations import RecommendationsState
from social_market.state.reviews import ReviewFormState, ReviewsState
from social_market.state.social import (
    CommentsState,
    FeedState,
    PostComposerState,
    PrivacySettingsState,
    ShareDialogState,
)
from tests.e2e.conftest import EventInjector, goto, sign_in
from tests.e2e.test_handler_security_e2e import WRONG
from tests.factories import PASSWORD, buy, follow_shop, make_user, open_shop_for, publish_listing

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ONE_ARG = [
    (FeedState, "set_tab", "tab"),
    (FeedState, "delete_post", "post_id"),
    (FeedState, "more", None),
    (FeedState, "check_new", None),
    (FeedState, "show_new", None),
    (PostComposerState, "submit", "form_data"),
    (PostComposerState, "set_kind", "kind"),
    (PostComposerState, "remove_photo", "index"),
    (PostComposerState, "set_announce", "on"),
    (CommentsState, "submit", "form_data"),
    (CommentsState, "delete", "comment_id"),
    (CommentsState, "toggle_like", "comment_id"),
    (CommentsState, "start_reply", "comment_id"),
    (CommentsState, "start_edit", "comment_id"),
    (ShareDialogState, "open_for", "line_id"),
    (ShareDialogState, "set_audience", "value"),
    (ShareDialogState, "save", "form_data"),
    (PrivacySettingsState, "save", "form_data"),
    (PrivacySettingsState, "unmute", "user_id"),
    (PrivacySettingsState, "set_discoverable", "value"),
    (ProfileState, "set_blocked", "value"),
    (ProfileState, "set_muted", "value"),
    (ProfileState, "toggle_follow", None),
    (NotificationsState, "more", None),
    (NotificationsState, "refresh", None),
    (NotificationSettingsState, "save", "form_data"),
    (NotificationSettingsState, "set_digest", "value"),
    (LiveState, "connect", None),
    (InboxState, "show_archived", "value"),
    (InboxState, "more", None),
    (InboxState, "refresh", None),
    (InboxState, "search", "form_data"),
    (ConversationState, "send", "form_data"),
    (ConversationState, "load_older", None),
    (ConversationState, "catch_up", None),
    (ConversationState, "add_member", "form_data"),
    (ConversationState, "remove_member", "user_id"),
    (ConversationState, "leave", None),
    (ConversationState, "set_archived", "value"),
    (ConversationState, "remove_photo", None),
    (ConversationState, "attach", "files"),
    (StartConversationState, "with_person", "handle"),
    (StartConversationState, "about_listing", "listing_id"),
    (StartConversationState, "about_order", "reference"),
    (StartConversationState, "create_group", "form_data"),
    (ReviewsState, "more", None),
    (ReviewsState, "toggle_helpful", "review_id"),
    (ReviewsState, "start_reply", "review_id"),
    (ReviewsState, "cancel_reply", None),
    (ReviewsState, "send_reply", "form_data"),
    (ReviewFormState, "open_for", "line_id"),
    (ReviewFormState, "set_rating", "value"),
    (ReviewFormState, "remove_photo", "index"),
    (ReviewFormState, "attach", "files"),
    (ReviewFormState, "save", "form_data"),
    (RecommendationsState, "load", None),
    (RecommendationsState, "not_interested", "listing_id"),
]


def _social_snapshot():
    with session_scope() as session:

        def rows(model, *cols):
            return sorted(
                tuple(getattr(r, c) for c in cols) for r in session.exec(select(model)).all()
            )

        return (
            rows(Post, "id", "body", "deleted_at", "hidden_at", "like_count", "comment_count"),
            rows(Comment, "id", "body", "hidden_at", "deleted_at", "like_count"),
            rows(Like, "user_id", "subject_kind", "subject_id"),
            rows(SharedPurchase, "id", "audience", "comment"),
            rows(Follow, "follower_id", "followee_id"),
            rows(Block, "blocker_id", "blocked_id"),
            rows(Mute, "muter_id", "muted_id"),
            rows(NotificationOff, "user_id", "kind"),
            rows(Notification, "id", "read_at"),
            rows(User, "id", "privacy_follows", "privacy_activity", "notify_digest"),
            rows(Conversation, "id", "title", "last_message_id"),
            rows(ConversationMember, "conversation_id", "user_id", "left_at", "last_read_id"),
            rows(Message, "id", "body", "hidden_at"),
            rows(Review, "id", "rating", "body", "reply_body", "helpful_count", "hidden_at"),
            rows(ReviewHelpful, "review_id", "user_id"),
            rows(NotInterested, "user_id", "listing_id"),
            rows(User, "id", "trust_weight"),
        )


@pytest.fixture(scope="module")
def private_world(app_url):
    """A maker with a followers-only offer and a hidden comment on it, a buyer's purchase
    shared with followers only, and a person the maker blocked."""
    with session_scope() as session:
        maker = make_user(session)
        shop = open_shop_for(session, maker)
        fan, buyer = make_user(session), make_user(session)
        blocked, stranger = make_user(session), make_user(session)
        follow_shop(session, fan, shop)
        until = (utcnow() + timedelta(days=5)).date().isoformat()
        post = posts.create_post(
            session=session,
            actor_id=maker.id,
            form={
                "kind": "offer",
                "body": "TOPSECRET followers deal",
                "offer_percent": "30",
                "offer_until": until,
                "followers_only": True,
            },
        )
        comment = comments.add_comment(
            session=session,
            actor_id=fan.id,
            subject_kind="post",
            subject_id=post.id,
            body="HIDDENCOMMENT text",
        )
        comments.set_hidden(session=session, actor_id=maker.id, comment_id=comment.id, hidden=True)
        line = buy(session, buyer, publish_listing(session, maker, title="Secret vase"))
        state = shares.share_purchase(
            session=session,
            actor_id=buyer.id,
            line_id=line.id,
            audience="followers",
            comment="PRIVATESHARE words",
        )
        blocks.block(session=session, actor_id=maker.id, handle=blocked.handle)
        return {
            "post": post.id,
            "comment": comment.id,
            "line": line.id,
            "share": state.share_id,
            "maker": maker.id,
            "blocked": blocked.email,
            "stranger": stranger.email,
            "fan": fan.email,
        }


def test_social_handlers_signed_out_with_wrong_arguments_change_nothing(page, private_world):
    injector = EventInjector(page)
    goto(page, "/")
    before = _social_snapshot()
    for state, handler, arg in ONE_ARG:
        for value in WRONG if arg else [None]:
            injector.send(state, handler, {arg: value} if arg else {})
    for value in WRONG:
        injector.send(FeedState, "toggle_like", {"subject_kind": value, "subject_id": value})
        injector.send(CommentsState, "set_hidden", {"comment_id": value, "hidden": value})
        injector.send(NotificationSettingsState, "set_kind", {"kind": value, "value": value})
        injector.send(PrivacySettingsState, "set_choice", {"field": value, "value": value})
    page.wait_for_timeout(1500)
    assert _social_snapshot() == before
    goto(page, "/")
    expect(page.locator("#main")).to_be_visible()


@pytest.mark.parametrize("who", ["blocked", "stranger"])
def test_people_who_may_not_see_things_cannot_reach_them_by_id(new_context, private_world, who):
    w = private_world
    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, w[who], PASSWORD, next_path=f"/post/{w['post']}")
    expect(page.get_by_text("isn't shared with you")).to_be_visible()
    goto(page, f"/shared/{w['share']}")
    expect(page.get_by_text("isn't shared with you")).to_be_visible()
    before = _social_snapshot()

    for path in (f"/post/{w['post']}", f"/shared/{w['share']}"):
        goto(page, path)
        injector.send(CommentsState, "toggle_like", {"comment_id": w["comment"]})
        injector.send(CommentsState, "set_hidden", {"comment_id": w["comment"], "hidden": False})
        injector.send(CommentsState, "delete", {"comment_id": w["comment"]})
        injector.send(CommentsState, "start_edit", {"comment_id": w["comment"]})
        injector.send(CommentsState, "start_reply", {"comment_id": w["comment"]})
        injector.send(CommentsState, "submit", {"form_data": {"body": "sneaky comment"}})
    goto(page, "/feed")
    injector.send(FeedState, "toggle_like", {"subject_kind": "post", "subject_id": w["post"]})
    injector.send(FeedState, "toggle_like", {"subject_kind": "share", "subject_id": w["share"]})
    injector.send(FeedState, "delete_post", {"post_id": w["post"]})
    injector.send(ShareDialogState, "open_for", {"line_id": w["line"]})
    injector.send(
        ShareDialogState, "save", {"form_data": {"comment": "HACKED", "audience": "everyone"}}
    )
    page.wait_for_timeout(1500)
    assert _social_snapshot() == before
    # Nothing of the hidden things reached this page's state.
    for secret in ("TOPSECRET", "HIDDENCOMMENT", "PRIVATESHARE"):
        expect(page.locator("body")).not_to_contain_text(secret)
    sent = "".join(injector.received)
    assert injector.received
    assert not any(s in sent for s in ("TOPSECRET", "HIDDENCOMMENT", "PRIVATESHARE"))


def test_a_follower_sees_what_the_blocked_and_the_stranger_cannot(new_context, private_world):
    page = new_context().new_page()
    sign_in(page, private_world["fan"], PASSWORD, next_path="/feed")
    expect(page.locator(".sm-feed-card", has_text="TOPSECRET followers deal")).to_be_visible()
    goto(page, f"/post/{private_world['post']}")
    expect(page.get_by_text("TOPSECRET followers deal")).to_be_visible()
    # The fan wrote the hidden comment: its author still sees it, marked hidden.
    expect(page.locator(".sm-comment", has_text="HIDDENCOMMENT")).to_contain_text("Hidden")
