"""Accounts: sign-up, confirmation, sign-in, sessions, reset, password change, deletion."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import select

from social_market.models import AuthSession, OneTimeToken, User, utcnow
from social_market.services import accounts, passwords, profiles
from social_market.services.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotAllowed,
    RateLimited,
)
from tests.conftest import link_in
from tests.factories import PASSWORD, make_user

CLIENT = accounts.ClientInfo(ip="203.0.113.7", user_agent="pytest")


def _sign_up(db, email="new@example.com", handle="newbie", password="a fine password"):
    accounts.sign_up(
        session=db, email=email, handle=handle, password=password, display_name="New", client=CLIENT
    )
    db.commit()


# ------------------------------------------------------------------ sign-up


def test_sign_up_creates_an_unconfirmed_account_and_emails_a_link(db, mailbox):
    _sign_up(db, email="Fresh@Example.com")
    user = db.exec(select(User).where(User.email == "fresh@example.com")).one()
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    msg = mailbox.wait_for("fresh@example.com", "Confirm your email")
    token = link_in(msg, "/confirm/").rsplit("/", 1)[1]
    confirmed = accounts.confirm_email(session=db, token=token)
    assert confirmed.id == user.id and confirmed.email_verified_at is not None


def test_confirmation_link_works_only_once(db, mailbox):
    _sign_up(db, email="once@example.com", handle="once")
    token = link_in(mailbox.wait_for("once@example.com", "Confirm"), "/confirm/").rsplit("/", 1)[1]
    accounts.confirm_email(session=db, token=token)
    with pytest.raises(InvalidToken):
        accounts.confirm_email(session=db, token=token)


def test_sign_up_with_a_registered_email_looks_the_same_and_warns_the_owner(db, mailbox):
    make_user(db, handle="owner", email="taken@example.com")
    before = db.exec(select(User)).all()
    _sign_up(db, email="TAKEN@example.com", handle="someoneelse")  # no exception: same answer
    assert len(db.exec(select(User)).all()) == len(before)
    msg = mailbox.wait_for("taken@example.com", "tried to sign up")
    assert "/reset" in msg.get_payload()


@pytest.mark.parametrize("taken", ["Maker", "MAKER", "maker"])
def test_handles_are_unique_regardless_of_case(db, taken):
    make_user(db, handle="maker")
    with pytest.raises(InvalidInput) as err:
        accounts.sign_up(
            session=db, email="x@example.com", handle=taken, password="a fine password"
        )
    assert err.value.field == "handle"


@pytest.mark.parametrize(
    ("email", "handle", "password", "field"),
    [
        ("", "okay", "a fine password", "email"),
        ("not-an-email", "okay", "a fine password", "email"),
        ("a@b.c" + "x" * 300, "okay", "a fine password", "email"),
        ("ok@example.com", "", "a fine password", "handle"),
        ("ok@example.com", "ab", "a fine password", "handle"),
        ("ok@example.com", "has space", "a fine password", "handle"),
        ("ok@example.com", "ünïcode", "a fine password", "handle"),
        ("ok@example.com", "admin", "a fine password", "handle"),
        ("ok@example.com", "x" * 1_000_000, "a fine password", "handle"),
        ("ok@example.com", "okay", "short", "password"),
        ("ok@example.com", "okay", "password123", "password"),
        ("ok@example.com", "okay", "p" * 300, "password"),
        ("ok@example.com", "okay", 12345678, "password"),
        (["list"], "okay", "a fine password", "email"),
    ],
)
def test_sign_up_refuses_bad_input_with_a_message_and_stores_nothing(
    db, email, handle, password, field
):
    count = len(db.exec(select(User)).all())
    with pytest.raises(InvalidInput) as err:
        accounts.sign_up(session=db, email=email, handle=handle, password=password)
    assert err.value.field == field
    assert err.value.message
    assert len(db.exec(select(User)).all()) == count


def test_display_name_is_cleaned_of_control_and_bidi_characters(db):
    accounts.sign_up(
        session=db,
        email="odd@example.com",
        handle="oddchars",
        password="a fine password",
        display_name="  Zoë\u202e\u0000 👩‍🎨 Maker  ",
    )
    user = db.exec(select(User).where(User.handle_key == "oddchars")).one()
    assert user.display_name == "Zoë 👩‍🎨 Maker"


def test_display_name_of_a_megabyte_is_refused(db):
    with pytest.raises(InvalidInput) as err:
        accounts.sign_up(
            session=db,
            email="big@example.com",
            handle="bigname",
            password="a fine password",
            display_name="x" * 1_000_000,
        )
    assert err.value.field == "display_name"


def test_sign_up_is_rate_limited_per_client_address(db):
    for i in range(10):
        accounts.sign_up(
            session=db,
            email=f"r{i}@example.com",
            handle=f"rate{i}",
            password="a fine password",
            client=CLIENT,
        )
    with pytest.raises(RateLimited):
        accounts.sign_up(
            session=db,
            email="r99@example.com",
            handle="rate99",
            password="a fine password",
            client=CLIENT,
        )


# ------------------------------------------------------------------ sign-in


def test_sign_in_with_the_right_password_returns_the_user(db):
    user = make_user(db, email="Right@Example.com")
    found = accounts.authenticate(
        session=db, email=" right@EXAMPLE.com ", password=PASSWORD, client=CLIENT
    )
    assert found.id == user.id


@pytest.mark.parametrize("email", ["known@example.com", "unknown@example.com"])
def test_wrong_password_and_unknown_email_get_the_same_message(db, email):
    make_user(db, email="known@example.com")
    with pytest.raises(InvalidCredentials) as err:
        accounts.authenticate(session=db, email=email, password="wrong password", client=CLIENT)
    assert err.value.message == "That email and password don't match an account."


def test_unknown_email_takes_as_long_as_a_wrong_password(db, monkeypatch):
    """Both refusals do the same work: one argon2id verification with the same cost.

    (Counting the work, not timing it: wall-clock comparisons flake on a busy machine.)
    """
    from argon2 import extract_parameters

    from social_market.services import passwords, ratelimit

    make_user(db, email="timing@example.com")
    real = passwords._hasher
    seen: dict[str, list] = {}

    class CountingHasher:
        def verify(self, stored_hash, password):
            seen.setdefault(current, []).append(extract_parameters(stored_hash))
            return real.verify(stored_hash, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    for current in ("timing@example.com", "nobody@example.com"):
        ratelimit.reset_all()
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(
                session=db, email=current, password="nope nope", client=accounts.ClientInfo()
            )
    known, unknown = seen["timing@example.com"], seen["nobody@example.com"]
    assert len(known) == len(unknown) == 1
    assert known[0] == unknown[0]  # same memory, time and parallelism cost


def test_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(db, mailbox):
    make_user(db, email="pending@example.com", verified=False)
    with pytest.raises(NotAllowed):
        accounts.authenticate(session=db, email="pending@example.com", password=PASSWORD)
    db.commit()
    mailbox.wait_for("pending@example.com", "Confirm")


def test_failed_sign_ins_are_limited_per_account(db):
    make_user(db, email="target@example.com")
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(
                session=db,
                email="target@example.com",
                password="wrong",
                client=accounts.ClientInfo(ip=f"198.51.100.{i}"),
            )
    with pytest.raises(RateLimited):
        # Even the right password is refused until the window passes.
        accounts.authenticate(
            session=db,
            email="target@example.com",
            password=PASSWORD,
            client=accounts.ClientInfo(ip="198.51.100.99"),
        )


def test_failed_sign_ins_are_limited_per_client_address(db):
    for i in range(30):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(
                session=db, email=f"spray{i}@example.com", password="wrong", client=CLIENT
            )
    with pytest.raises(RateLimited):
        accounts.authenticate(session=db, email="other@example.com", password="x", client=CLIENT)


@pytest.mark.parametrize("bad", [None, 42, ["a"], {"x": 1}, "x" * 1_000_000])
def test_sign_in_with_wrong_types_is_just_a_failed_sign_in(db, bad):
    with pytest.raises(InvalidCredentials):
        accounts.authenticate(session=db, email=bad, password=bad)


def test_password_hash_is_upgraded_when_parameters_change(db):
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = make_user(db, email="old@example.com")
    user.password_hash = old
    db.add(user)
    accounts.authenticate(session=db, email="old@example.com", password=PASSWORD)
    assert user.password_hash != old
    assert not passwords.needs_rehash(user.password_hash)


# ------------------------------------------------------------------ sessions


def test_session_token_is_random_and_only_its_hash_is_stored(db):
    user = make_user(db)
    token = accounts.create_session(session=db, user=user, client=CLIENT)
    assert len(token) >= 43  # 256 bits, base64url
    stored = db.exec(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    assert token not in stored.token_hash
    assert accounts.user_for_session(session=db, token=token).id == user.id


def test_each_sign_in_gets_a_new_token(db):
    user = make_user(db)
    first = accounts.create_session(session=db, user=user)
    second = accounts.create_session(session=db, user=user)
    assert first != second


def test_sign_out_revokes_the_session(db):
    user = make_user(db)
    token = accounts.create_session(session=db, user=user)
    accounts.revoke_session(session=db, token=token)
    assert accounts.user_for_session(session=db, token=token) is None


def test_sign_out_everywhere_revokes_every_session_of_that_user_only(db):
    user, other = make_user(db), make_user(db)
    tokens = [accounts.create_session(session=db, user=user) for _ in range(3)]
    other_token = accounts.create_session(session=db, user=other)
    assert accounts.revoke_all_sessions(session=db, user_id=user.id) == 3
    assert all(accounts.user_for_session(session=db, token=t) is None for t in tokens)
    assert accounts.user_for_session(session=db, token=other_token).id == other.id


def test_expired_session_is_not_accepted(db):
    user = make_user(db)
    token = accounts.create_session(session=db, user=user)
    row = db.exec(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    assert accounts.user_for_session(session=db, token=token) is None


@pytest.mark.parametrize("bad", [None, "", "short", 123, "x" * 10_000])
def test_garbage_session_tokens_are_ignored(db, bad):
    assert accounts.user_for_session(session=db, token=bad) is None


def test_login_ticket_is_single_use_and_short_lived(db):
    user = make_user(db)
    ticket = accounts.issue_login_ticket(session=db, user=user)
    token = accounts.redeem_login_ticket(session=db, ticket=ticket)
    assert accounts.user_for_session(session=db, token=token).id == user.id
    with pytest.raises(InvalidToken):
        accounts.redeem_login_ticket(session=db, ticket=ticket)
    late = accounts.issue_login_ticket(session=db, user=user)
    row = db.exec(
        select(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.used_at.is_(None))
    ).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    with pytest.raises(InvalidToken):
        accounts.redeem_login_ticket(session=db, ticket=late)


# ------------------------------------------------------------------ password reset


def test_password_reset_by_email_link(db, mailbox):
    user = make_user(db, email="forgot@example.com")
    old_session = accounts.create_session(session=db, user=user)
    accounts.request_password_reset(session=db, email="Forgot@example.com", client=CLIENT)
    db.commit()
    token = link_in(mailbox.wait_for("forgot@example.com", "Reset"), "/reset/").rsplit("/", 1)[1]
    accounts.reset_password(session=db, token=token, new_password="brand new secret")
    assert (
        accounts.authenticate(
            session=db, email="forgot@example.com", password="brand new secret"
        ).id
        == user.id
    )
    assert accounts.user_for_session(session=db, token=old_session) is None  # signed out
    with pytest.raises(InvalidToken):
        accounts.reset_password(session=db, token=token, new_password="another new one")


def test_reset_for_an_unknown_email_says_nothing_and_sends_nothing(db, mailbox):
    accounts.request_password_reset(session=db, email="ghost@example.com", client=CLIENT)
    db.commit()
    time.sleep(0.2)
    assert mailbox.to("ghost@example.com") == []


def test_expired_reset_link_is_refused(db):
    user = make_user(db)
    token = accounts._issue_token(db, user.id, accounts.RESET_PASSWORD)
    row = db.exec(select(OneTimeToken).where(OneTimeToken.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    with pytest.raises(InvalidToken):
        accounts.reset_password(session=db, token=token, new_password="brand new secret")


def test_reset_with_a_weak_password_keeps_the_link_usable(db):
    user = make_user(db)
    token = accounts._issue_token(db, user.id, accounts.RESET_PASSWORD)
    with pytest.raises(InvalidInput):
        accounts.reset_password(session=db, token=token, new_password="short")
    accounts.reset_password(session=db, token=token, new_password="long enough now")


# ------------------------------------------------------------------ change password, delete


def test_change_password_needs_the_current_one_and_signs_out_other_devices(db):
    user = make_user(db)
    here = accounts.create_session(session=db, user=user)
    elsewhere = accounts.create_session(session=db, user=user)
    with pytest.raises(InvalidInput) as err:
        accounts.change_password(
            session=db, user_id=user.id, current_password="wrong", new_password="brand new one"
        )
    assert err.value.field == "current_password"
    accounts.change_password(
        session=db,
        user_id=user.id,
        current_password=PASSWORD,
        new_password="brand new one",
        keep_token=here,
    )
    assert accounts.user_for_session(session=db, token=here) is not None
    assert accounts.user_for_session(session=db, token=elsewhere) is None


def test_delete_account_needs_the_password_and_anonymises_public_traces(db):
    user = make_user(db, handle="leaving", email="leaving@example.com", bio="about me")
    token = accounts.create_session(session=db, user=user)
    with pytest.raises(InvalidInput):
        accounts.delete_account(session=db, user_id=user.id, password="wrong")
    accounts.delete_account(session=db, user_id=user.id, password=PASSWORD)
    db.refresh(user)
    assert user.email is None and user.password_hash is None
    assert user.display_name == "Deleted user" and user.bio == ""
    assert user.handle == f"deleted-{user.id}"
    assert accounts.user_for_session(session=db, token=token) is None
    assert profiles.get_profile(session=db, handle="leaving") is None
    with pytest.raises(InvalidCredentials):
        accounts.authenticate(session=db, email="leaving@example.com", password=PASSWORD)
    # The handle and address are free again.
    accounts.sign_up(
        session=db, email="leaving@example.com", handle="leaving", password="a fine password"
    )


@pytest.mark.parametrize("user_id", [None, "1", 1.5, -1, 10**9])
def test_account_actions_without_a_real_user_are_refused(db, user_id):
    with pytest.raises(NotAllowed):
        accounts.change_password(
            session=db, user_id=user_id, current_password="x", new_password="y" * 10
        )
    with pytest.raises(NotAllowed):
        accounts.delete_account(session=db, user_id=user_id, password="x")
