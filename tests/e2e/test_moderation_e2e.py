"""Reporting and moderation in the browser: two people, two browser contexts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from social_market.db import session_scope
from social_market.models import Listing, ModerationAction, Report, User
from social_market.models.user import MODERATOR
from social_market.services import listings, reports
from social_market.state.moderation import ModerationState, ReportState
from tests.e2e.conftest import EventInjector, goto, shot, sign_in
from tests.factories import PASSWORD, make_listing, make_shop, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _people(prefix: str):
    """A maker with a listing, a member and a moderator; returns emails and the listing."""
    with session_scope() as session:
        maker = make_user(session, handle=f"{prefix}maker", display_name=f"{prefix} Maker")
        shop = make_shop(session, owner=maker, name=f"{prefix} Studio")
        item = make_listing(
            session, shop=shop, title=f"Marbled {prefix} vase", description="Thrown by hand."
        )
        member = make_user(session, handle=f"{prefix}member")
        mod = make_user(session, handle=f"{prefix}mod", role=MODERATOR)
        return maker.email, member.email, mod.email, listings.listing_path(item), item.id


def test_a_member_reports_a_listing_and_the_moderator_hides_it(new_context):
    _, member_email, mod_email, path, item_id = _people("quokka")
    member = new_context().new_page()
    sign_in(member, member_email, PASSWORD, next_path=path)
    member.locator("#report-button").click()
    dialog = member.get_by_role("dialog")
    expect(dialog.get_by_text("Report this to our moderators")).to_be_visible()
    dialog.get_by_label("Counterfeit or not handmade").click()
    dialog.get_by_label("Anything our moderators should know? (optional)").fill(
        "Same photo as on a wholesale site"
    )
    shot(member, "report-dialog")
    dialog.get_by_role("button", name="Send report").click()
    expect(member.get_by_text("Thanks — our moderators will look at it.")).to_be_visible()
    expect(member.get_by_role("dialog")).to_have_count(0)

    mod = new_context().new_page()
    sign_in(mod, mod_email, PASSWORD)
    mod.locator("#account-menu").click()
    mod.locator("#moderation-link").click()
    expect(mod).to_have_url(re.compile(r"/moderation$"))
    card = mod.locator(".sm-mod-item", has_text="Marbled quokka vase")
    expect(card).to_contain_text("1 report")
    expect(card).to_contain_text("Counterfeit or not handmade")
    expect(card).to_contain_text("Same photo as on a wholesale site")
    expect(card).to_contain_text("@quokkamember")
    shot(mod, "moderation-queue")
    card.get_by_role("button", name="Hide").click()
    expect(mod.locator(".sm-mod-item", has_text="Marbled quokka vase")).to_have_count(0)
    expect(mod.locator("#moderation-log")).to_contain_text("Hid")
    shot(mod, "moderation-after-hide")

    goto(member, "/search?q=quokka")
    expect(member.locator("#main").get_by_text("Marbled quokka vase")).to_have_count(0)
    goto(member, path)
    expect(member.get_by_role("heading", name="We couldn't find that listing.")).to_be_visible()
    with session_scope() as session:
        assert session.get(Listing, item_id).state == "hidden"


def test_a_suspended_member_is_signed_out_at_once_and_told_at_sign_in(new_context):
    _, member_email, mod_email, _, _ = _people("walrus")
    with session_scope() as session:
        victim = make_user(session, handle="walrusvic", display_name="Walrus Vic")
        reporter = session.exec(select(User).where(User.email == member_email)).one()
        reports.report(
            session=session,
            actor_id=reporter.id,
            target_kind="user",
            target_id=victim.id,
            reason="harassment",
            note="Insults in every message",
        )
        victim_email = victim.email
    them = new_context().new_page()
    sign_in(them, victim_email, PASSWORD)

    mod = new_context().new_page()
    sign_in(mod, mod_email, PASSWORD, next_path="/moderation")
    card = mod.locator(".sm-mod-item", has_text="@walrusvic")
    expect(card).to_contain_text("Harassment or hate")
    card.get_by_role("button", name="Suspend account").click()
    dialog = mod.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("Harassing other members")
    shot(mod, "moderation-suspend-dialog")
    dialog.get_by_role("button", name="Suspend account").click()
    expect(mod.get_by_text("Account suspended.")).to_be_visible()
    expect(mod.locator("#suspended-accounts")).to_contain_text("Harassing other members")

    # Their open tab is signed out at its next event; a reload shows it.
    them.reload()
    expect(them.locator("[data-sm-ready='true']")).to_be_attached()
    expect(them.locator("#account-menu")).to_have_count(0)
    goto(them, "/signin")
    them.get_by_label("Email").fill(victim_email)
    them.get_by_label("Password", exact=True).fill(PASSWORD)
    them.get_by_role("button", name="Sign in", exact=True).click()
    expect(them.get_by_text("This account has been suspended")).to_be_visible()
    goto(mod, "/u/walrusvic")
    expect(mod.get_by_role("heading", name="Page not found")).to_be_visible()

    # Lifting it brings the profile back.
    goto(mod, "/moderation")
    mod.locator("#suspended-accounts").get_by_role("button", name="Unsuspend @walrusvic").click()
    expect(mod.get_by_text("Suspension lifted.")).to_be_visible()
    goto(mod, "/u/walrusvic")
    expect(mod.locator("#profile-name")).to_have_text("Walrus Vic")


def _moderation_snapshot():
    with session_scope() as session:
        return (
            sorted((u.id, u.role, u.suspended_at) for u in session.exec(select(User)).all()),
            sorted((i.id, i.state, i.hidden_at) for i in session.exec(select(Listing)).all()),
            sorted((r.id, r.status) for r in session.exec(select(Report)).all()),
            session.exec(select(func.count()).select_from(ModerationAction)).one(),
        )


def test_forged_moderation_events_from_a_member_change_nothing(new_context):
    _, member_email, _, _, item_id = _people("forger")
    with session_scope() as session:
        target = session.exec(select(User).where(User.handle_key == "forgermaker")).one()
        target_id = target.id
    page = new_context().new_page()
    injector = EventInjector(page)
    sign_in(page, member_email, PASSWORD)
    # No link in the menu, and the page itself is a plain not-found page.
    page.locator("#account-menu").click()
    expect(page.get_by_role("menuitem", name="Settings")).to_be_visible()
    expect(page.locator("#moderation-link")).to_have_count(0)
    page.keyboard.press("Escape")
    goto(page, "/moderation")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("Reports to review")).to_have_count(0)
    before = _moderation_snapshot()
    wrong = [None, 42, "text", ["list"], {"nested": 1}, "x" * 100_000]
    for kind, tid in [("listing", item_id), ("shop", 1), ("user", target_id)]:
        injector.send(ModerationState, "hide", {"kind": kind, "target_id": tid})
        injector.send(ModerationState, "unhide", {"kind": kind, "target_id": tid})
        injector.send(ModerationState, "dismiss", {"kind": kind, "target_id": tid})
    injector.send(ModerationState, "open_suspend", {"user_id": target_id, "handle": "x"})
    injector.send(ModerationState, "suspend", {"form_data": {"reason": "forged"}})
    injector.send(ModerationState, "unsuspend", {"user_id": target_id})
    injector.send(ModerationState, "more", {})
    injector.send(ModerationState, "load", {})
    for value in wrong:
        injector.send(ModerationState, "hide", {"kind": value, "target_id": value})
        injector.send(ModerationState, "suspend", {"form_data": value})
        injector.send(ReportState, "submit_report", {"form_data": value})
        injector.send(
            ReportState,
            "submit_report",
            {"form_data": {"target_kind": value, "target_id": value, "reason": value}},
        )
        injector.send(ReportState, "set_report_open", {"key": value, "open_": value})
    page.wait_for_timeout(1500)
    assert _moderation_snapshot() == before
    goto(page, "/moderation")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("#account-menu")).to_be_visible()
