"""'Download my data' in the browser: progress, then a ZIP only its owner can fetch."""

from __future__ import annotations

import zipfile

import httpx
import pytest
from playwright.sync_api import expect

from social_market.db import session_scope
from tests.e2e.conftest import goto, shot, sign_in
from tests.factories import PASSWORD, make_listing, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_prepare_and_download_my_data(new_context, tmp_path):
    from social_market.services import favourites

    with session_scope() as session:
        me = make_user(session, handle="datafan", display_name="Dana Data", bio="Mine.")
        favourites.set_listing_favourite(
            session=session, user_id=me.id, listing_id=make_listing(session).id, on=True
        )
        email = me.email
        other_email = make_user(session).email
    page = new_context(accept_downloads=True).new_page()
    sign_in(page, email, PASSWORD, next_path="/settings/data")
    page.locator("#prepare-export").click()
    link = page.locator("#download-export")
    expect(link).to_be_visible()
    shot(page, "settings-data")
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "data.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        assert "Dana Data" in z.read("profile.json").decode()
        assert "favourites.json" in z.namelist()
    url = link.get_attribute("href")

    # Nobody else can fetch it: signed out, or signed in as someone else.
    assert httpx.get(url).status_code == 401
    other = new_context().new_page()
    sign_in(other, other_email, PASSWORD)
    response = other.request.get(url)
    assert response.status == 404
    # The page remembers the ready file.
    goto(page, "/settings/data")
    expect(page.locator("#download-export")).to_be_visible()
