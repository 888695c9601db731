"""Linking rules for provider identities (keyed on issuer + subject, never on email)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import ExternalIdentity, OidcFlow, utcnow
from social_market.services import accounts, oidc
from social_market.services.errors import InvalidInput, NotAllowed, NotFound
from tests.factories import PASSWORD, make_user


def _flow(purpose="signin", user_id=None, provider="testid") -> OidcFlow:
    return OidcFlow(
        state_hash="x",
        browser_hash="y",
        provider=provider,
        nonce="n",
        code_verifier="v",
        redirect_uri="http://127.0.0.1/cb",
        purpose=purpose,
        user_id=user_id,
        expires_at=utcnow(),
    )


def _ident(provider="testid", subject="sub-1", email="", verified=False):
    p = oidc.get_provider(provider)
    return oidc.ProviderIdentity(
        provider=p.name,
        issuer=p.issuer,
        subject=subject,
        email=email,
        email_verified=verified,
        name="Some One",
        username="someone",
        picture="",
    )


def test_same_email_from_another_issuer_is_not_the_same_identity(db):
    user = make_user(db, email="same@example.com")
    db.add(ExternalIdentity(user_id=user.id, provider="testid", issuer="https://a", subject="1"))
    db.flush()
    # Untrusted provider, verified email of an existing account: refused, not linked.
    with pytest.raises(oidc.OidcError) as err:
        oidc.complete(
            session=db,
            flow=_flow(provider="otherid"),
            identity=_ident("otherid", email="same@example.com", verified=True),
        )
    assert err.value.kind == oidc.EMAIL_IN_USE


def test_trusted_verified_email_links_but_unverified_does_not(db):
    user = make_user(db, email="trust@example.com")
    with pytest.raises(oidc.OidcError):
        oidc.complete(
            session=db, flow=_flow(), identity=_ident(email="trust@example.com", verified=False)
        )
    outcome = oidc.complete(
        session=db, flow=_flow(), identity=_ident(email="trust@example.com", verified=True)
    )
    assert outcome.user.id == user.id and outcome.linked


def test_new_identity_becomes_a_pending_signup_then_an_account(db):
    outcome = oidc.complete(
        session=db, flow=_flow(), identity=_ident(subject="new-1", email="n1@example.com")
    )
    assert outcome.user is None and outcome.signup_token
    signup = oidc.pending_signup(session=db, token=outcome.signup_token)
    assert oidc.propose_handle(session=db, signup=signup) == "someone"
    user, _ = oidc.finish_signup(
        session=db, token=outcome.signup_token, handle="someone", use_profile=True
    )
    assert user.display_name == "Some One" and user.password_hash is None
    with pytest.raises(NotAllowed):  # single use
        oidc.finish_signup(
            session=db, token=outcome.signup_token, handle="other", use_profile=False
        )
    again = oidc.complete(
        session=db, flow=_flow(), identity=_ident(subject="new-1", email="n1@example.com")
    )
    assert again.user.id == user.id


def test_last_way_in_cannot_be_unlinked_and_deletion_removes_identities(db):
    outcome = oidc.complete(session=db, flow=_flow(), identity=_ident(subject="solo"))
    user, _ = oidc.finish_signup(
        session=db, token=outcome.signup_token, handle="solo-user", use_profile=False
    )
    [row] = oidc.linked_identities(session=db, user_id=user.id)
    with pytest.raises(NotAllowed):
        oidc.unlink(session=db, user_id=user.id, identity_id=str(row.id))
    stranger = make_user(db)
    with pytest.raises(NotFound):
        oidc.unlink(session=db, user_id=stranger.id, identity_id=row.id)
    with pytest.raises(NotAllowed):  # no password, no recent sign-in
        accounts.delete_account(session=db, user_id=user.id, password="", recent=False)
    accounts.delete_account(session=db, user_id=user.id, password="", recent=True)
    assert not db.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)).all()


def test_linking_needs_the_password_or_a_recent_sign_in(db):
    user = make_user(db)
    with pytest.raises(InvalidInput):
        oidc.issue_link_ticket(session=db, user_id=user.id, password="wrong", recent=True)
    ticket = oidc.issue_link_ticket(session=db, user_id=user.id, password=PASSWORD, recent=False)
    assert oidc.redeem_link_ticket(session=db, ticket=ticket).id == user.id
    outcome = oidc.complete(
        session=db, flow=_flow("link", user.id), identity=_ident(subject="link-1")
    )
    assert outcome.linked and len(oidc.linked_identities(session=db, user_id=user.id)) == 1
    other = make_user(db)
    with pytest.raises(oidc.OidcError) as err:
        oidc.complete(session=db, flow=_flow("link", other.id), identity=_ident(subject="link-1"))
    assert err.value.kind == oidc.LINKED_ELSEWHERE
