"""Sign in with an existing account: OpenID Connect through Authlib.

The flow (tests: tests/services/test_oidc.py, tests/e2e/test_oidc_e2e.py):

1. ``begin`` asks Authlib for the authorization URL (code flow, PKCE S256, a fresh
   ``state`` and ``nonce``) and stores state hash, nonce and code verifier in an
   :class:`OidcFlow` row (10 minutes) tied to the browser by an HttpOnly cookie whose
   keyed hash is stored with it. Nothing of this reaches Reflex state.
2. ``claim_flow`` (the callback) finds the row by the state's hash, checks provider,
   browser cookie and expiry, and marks it used with a conditional UPDATE: single use
   even when two requests race.
3. ``exchange`` trades the code (with the verifier) for tokens and lets Authlib verify
   the ID token: signature against the provider's JWKS, ``iss``, ``aud``, ``exp``,
   ``iat`` and ``nonce``; the email comes from userinfo (whose ``sub`` must match).
   Provider tokens are dropped there: nothing here needs them later.
4. ``complete`` maps the identity (keyed on issuer + subject, never on email) to an
   account, links it, or parks it as an :class:`OidcSignup` until a handle is chosen.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from sqlalchemy import update
from sqlmodel import Session, func, select

from social_market.i18n.catalog import N_
from social_market.models import ExternalIdentity, OidcFlow, OidcSignup, User, utcnow
from social_market.services import accounts, passwords
from social_market.services.errors import DomainError, InvalidInput, NotAllowed, NotFound
from social_market.services.tokens import hash_token, new_token
from social_market.settings import OidcProvider, get_settings

log = logging.getLogger(__name__)

FLOW_LIFETIME = timedelta(minutes=10)
SIGNUP_LIFETIME = timedelta(minutes=15)
LINK_TICKET = accounts.OIDC_LINK_TICKET
HTTP_TIMEOUT = 10.0
MAX_PICTURE_BYTES = 5 * 1024 * 1024

# The outcome kinds the callback turns into a message (a fixed list: the sign-in page
# only shows messages it knows, whatever a URL says).
CANCELLED = "cancelled"
UNAVAILABLE = "unavailable"
EXPIRED = "expired"
REFUSED = "refused"
EMAIL_IN_USE = "email_in_use"
LINKED_ELSEWHERE = "linked_elsewhere"
ALREADY_LINKED = "already_linked"
SUSPENDED = "suspended"
MESSAGES = {
    CANCELLED: N_("Sign-in was cancelled at {provider}. Nothing was changed."),
    UNAVAILABLE: N_("{provider} could not be reached just now. Please try again in a moment."),
    EXPIRED: N_("That sign-in took too long or was already used. Please start again."),
    REFUSED: N_(
        "We could not verify the answer from {provider}, so you were not signed in. "
        "Please start again."
    ),
    EMAIL_IN_USE: N_(
        "An account here already uses the email address of your {provider} account. "
        "Sign in to that account and link {provider} from Settings → Password & security."
    ),
    LINKED_ELSEWHERE: N_("This {provider} account is already linked to another account here."),
    ALREADY_LINKED: N_("Your account is already linked to a {provider} account."),
    SUSPENDED: accounts.SUSPENDED_MESSAGE,
}


class OidcError(DomainError):
    """The provider flow failed; ``kind`` is one of the keys of MESSAGES."""

    def __init__(self, kind: str, provider: str = "") -> None:
        self.kind = kind if kind in MESSAGES else REFUSED
        super().__init__(MESSAGES[self.kind], provider=provider)


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider vouched for, after every check passed."""

    provider: str
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    username: str
    picture: str


@dataclass(frozen=True)
class Outcome:
    """What the callback does next: sign ``user`` in, or continue a sign-up."""

    user: User | None = None
    signup_token: str | None = None
    linked: bool = False


@dataclass(frozen=True)
class Started:
    url: str
    # The raw browser-binding value: the caller sets it as an HttpOnly cookie.
    browser_secret: str


# ---------------------------------------------------------------------------- providers


def providers() -> tuple[OidcProvider, ...]:
    return get_settings().oidc_providers


def get_provider(name: object) -> OidcProvider:
    """The configured provider called ``name``, or NotFound (names come from URLs)."""
    if isinstance(name, str) and len(name) <= 30:
        for provider in providers():
            if provider.name == name:
                return provider
    raise NotFound("This sign-in method is not available.")


def label(name: str) -> str:
    for provider in providers():
        if provider.name == name:
            return provider.label
    return name


@lru_cache(maxsize=1)
def _registry() -> OAuth:
    """Authlib's OAuth client registry, one client per configured provider."""
    oauth = OAuth()
    for p in providers():
        oauth.register(
            name=p.name,
            client_id=p.client_id,
            client_secret=p.client_secret or None,
            server_metadata_url=p.discovery_url,
            client_kwargs={
                "scope": p.scopes,
                "code_challenge_method": "S256",
                "timeout": HTTP_TIMEOUT,
            },
        )
    return oauth


def client_for(provider: OidcProvider):
    return _registry().create_client(provider.name)


async def _metadata(provider: OidcProvider) -> dict:
    """The discovery document; its issuer must be exactly the configured one (OIDC Discovery §4.3)."""
    client = client_for(provider)
    try:
        metadata = await client.load_server_metadata()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("OIDC discovery for %s failed: %s", provider.name, type(exc).__name__)
        raise OidcError(UNAVAILABLE, provider.label) from None
    if metadata.get("issuer") != provider.issuer:
        log.error("OIDC provider %s: discovery issuer does not match the setting", provider.name)
        client.server_metadata.pop("_loaded_at", None)
        raise OidcError(UNAVAILABLE, provider.label)
    return metadata


# ---------------------------------------------------------------------------- 1. begin


async def begin(
    *,
    provider: OidcProvider,
    redirect_uri: str,
    next_path: str,
    purpose: str = "signin",
    user_id: int | None = None,
    reauthenticate: bool = False,
) -> tuple[Started, OidcFlow]:
    """Build the authorization URL and the flow row to store (the caller adds it).

    Raises:
        OidcError: the provider's discovery document could not be loaded.
    """
    if purpose not in ("signin", "link") or (purpose == "link") != (user_id is not None):
        raise ValueError("bad OIDC flow purpose")
    await _metadata(provider)
    extra = {"prompt": "login", "max_age": 0} if reauthenticate else {}
    try:
        rv = await client_for(provider).create_authorization_url(redirect_uri, **extra)
    except httpx.HTTPError:
        raise OidcError(UNAVAILABLE, provider.label) from None
    if not rv.get("code_verifier") or not rv.get("nonce") or not rv.get("state"):
        raise RuntimeError("Authlib did not create PKCE verifier, nonce and state")
    browser_secret = new_token()
    flow = OidcFlow(
        state_hash=hash_token(rv["state"]),
        browser_hash=hash_token(browser_secret),
        provider=provider.name,
        nonce=rv["nonce"],
        code_verifier=rv["code_verifier"],
        redirect_uri=redirect_uri,
        next_path=next_path,
        purpose=purpose,
        user_id=user_id,
        expires_at=utcnow() + FLOW_LIFETIME,
    )
    return Started(url=rv["url"], browser_secret=browser_secret), flow


def store_flow(*, session: Session, flow: OidcFlow) -> None:
    """Keep a new flow, and sweep expired ones (they are worthless after 10 minutes)."""
    sweep(session=session)
    session.add(flow)
    session.flush()


# ---------------------------------------------------------------------------- 2. claim


def claim_flow(
    *, session: Session, provider: OidcProvider, state: object, browser_secret: object
) -> OidcFlow:
    """Return the flow this callback answers and mark it used, or raise OidcError.

    Refused: unknown state, a state started for another provider or in another browser,
    an expired or already used flow.
    """
    if not isinstance(state, str) or not 10 <= len(state) <= 200:
        raise OidcError(EXPIRED, provider.label)
    flow = session.exec(select(OidcFlow).where(OidcFlow.state_hash == hash_token(state))).first()
    if flow is None:
        raise OidcError(EXPIRED, provider.label)
    if flow.provider != provider.name:
        # A callback for X carrying Y's state (mix-up): never exchange it anywhere.
        log.warning("OIDC callback for %s with a state of %s", provider.name, flow.provider)
        raise OidcError(REFUSED, provider.label)
    if not isinstance(browser_secret, str) or flow.browser_hash != hash_token(browser_secret):
        log.warning("OIDC callback for %s from a browser that did not start it", provider.name)
        raise OidcError(REFUSED, provider.label)
    now = utcnow()
    if flow.used_at is not None or flow.expires_at <= now:
        raise OidcError(EXPIRED, provider.label)
    claimed = session.execute(
        update(OidcFlow)
        .where(OidcFlow.id == flow.id, OidcFlow.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise OidcError(EXPIRED, provider.label)
    return flow


# ---------------------------------------------------------------------------- 3. exchange


async def exchange(*, provider: OidcProvider, flow: OidcFlow, code: object) -> ProviderIdentity:
    """Trade the code for tokens and verify the ID token; returns the identity.

    Raises:
        OidcError: no code or verifier, the provider is unreachable or refuses, or the
            ID token fails a check (signature, iss, aud, exp, iat, nonce).
    """
    if not isinstance(code, str) or not 1 <= len(code) <= 2000:
        raise OidcError(REFUSED, provider.label)
    if not flow.code_verifier or not flow.nonce:
        raise OidcError(REFUSED, provider.label)
    metadata = await _metadata(provider)
    client = client_for(provider)
    try:
        token = await client.fetch_access_token(
            redirect_uri=flow.redirect_uri, code=code, code_verifier=flow.code_verifier
        )
    except httpx.HTTPError:
        raise OidcError(UNAVAILABLE, provider.label) from None
    except OAuthError as exc:
        log.info("OIDC token request to %s refused: %s", provider.name, exc.error)
        raise OidcError(REFUSED, provider.label) from None
    claims = await verify_id_token(provider=provider, token=token, nonce=flow.nonce)
    info: dict = {}
    if metadata.get("userinfo_endpoint") and token.get("access_token"):
        try:
            info = dict(await client.userinfo(token=token))
        except (httpx.HTTPError, OAuthError, ValueError):
            raise OidcError(UNAVAILABLE, provider.label) from None
        if info.get("sub") != claims["sub"]:
            log.warning("OIDC userinfo of %s names another subject", provider.name)
            raise OidcError(REFUSED, provider.label)
    merged = {**info, **dict(claims)}
    return identity_from_claims(provider=provider, claims=merged)


async def verify_id_token(*, provider: OidcProvider, token: dict, nonce: str) -> dict:
    """Authlib's check of the ID token: signature, ``iss`` (the configured issuer),
    ``aud`` (our client id), ``exp``/``iat`` and ``nonce``. Returns the claims."""
    if not isinstance(token, dict) or not token.get("id_token"):
        raise OidcError(REFUSED, provider.label)
    options = {
        "iss": {"essential": True, "values": [provider.issuer]},
        "sub": {"essential": True},
        "aud": {"essential": True},
        "exp": {"essential": True},
        "nonce": {"essential": True},
    }
    try:
        claims = await client_for(provider).parse_id_token(
            token, nonce=nonce, claims_options=options, leeway=60
        )
    except (JoseError, ValueError, KeyError) as exc:
        log.warning("ID token from %s refused: %s", provider.name, type(exc).__name__)
        raise OidcError(REFUSED, provider.label) from None
    except httpx.HTTPError:
        raise OidcError(UNAVAILABLE, provider.label) from None
    if not claims or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcError(REFUSED, provider.label)
    return dict(claims)


def _str(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def identity_from_claims(*, provider: OidcProvider, claims: dict) -> ProviderIdentity:
    email = _str(claims.get("email"), 254).lower()
    try:
        email = accounts.check_email(email) if email else ""
    except InvalidInput:
        email = ""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 1 <= len(subject) <= 255:
        raise OidcError(REFUSED, provider.label)
    picture = _str(claims.get("picture"), 500)
    return ProviderIdentity(
        provider=provider.name,
        issuer=provider.issuer,
        subject=subject,
        email=email,
        # Only a real JSON true counts (some providers send the string "false").
        email_verified=bool(email) and claims.get("email_verified") is True,
        name=_str(claims.get("name"), 60),
        username=_str(claims.get("preferred_username") or claims.get("nickname"), 60),
        picture=picture if picture.startswith("https://") else "",
    )


# ---------------------------------------------------------------------------- 4. complete


def _identity_row(session: Session, issuer: str, subject: str) -> ExternalIdentity | None:
    return session.exec(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    ).first()


def _link(session: Session, user: User, ident: ProviderIdentity) -> ExternalIdentity:
    row = ExternalIdentity(
        user_id=user.id,  # type: ignore[arg-type]
        provider=ident.provider,
        issuer=ident.issuer,
        subject=ident.subject,
        email=ident.email,
    )
    session.add(row)
    session.flush()
    return row


def complete(*, session: Session, flow: OidcFlow, identity: ProviderIdentity) -> Outcome:
    """Decide what a verified identity means for this flow.

    - Already linked: sign that account in (or, when linking, refuse if it is another's).
    - Linking: attach it to the flow's account (one identity per provider per account).
    - Verified email of a *trusted* provider matching an account: link, then sign in.
    - Email used by an account otherwise: refuse with EMAIL_IN_USE (no silent linking).
    - Else: park it as a pending sign-up; the person chooses a handle next.
    """
    provider = get_provider(flow.provider)
    existing = _identity_row(session, identity.issuer, identity.subject)
    if flow.purpose == "link":
        user = accounts.require_user(session, flow.user_id)
        if existing is not None:
            if existing.user_id != user.id:
                raise OidcError(LINKED_ELSEWHERE, provider.label)
            return Outcome(user=user, linked=True)
        if _has_provider(session, user.id, provider.name):  # type: ignore[arg-type]
            raise OidcError(ALREADY_LINKED, provider.label)
        _link(session, user, identity)
        log.info("user %s linked a %s identity", user.id, provider.name)
        return Outcome(user=user, linked=True)
    if existing is not None:
        user = session.get(User, existing.user_id)
        if user is None or user.deleted_at is not None:
            raise OidcError(REFUSED, provider.label)
        if user.suspended_at is not None:
            log.info("OIDC sign-in of suspended user %s refused", user.id)
            raise OidcError(SUSPENDED, provider.label)
        existing.last_used_at = utcnow()
        existing.email = identity.email or existing.email
        session.add(existing)
        return Outcome(user=user)
    holder = (
        session.exec(select(User).where(User.email == identity.email)).first()
        if identity.email
        else None
    )
    if holder is not None:
        if holder.suspended_at is not None:
            raise OidcError(SUSPENDED, provider.label)
        if (
            provider.trusted
            and identity.email_verified
            and holder.deleted_at is None
            and not _has_provider(session, holder.id, provider.name)  # type: ignore[arg-type]
        ):
            _link(session, holder, identity)
            if holder.email_verified_at is None:
                holder.email_verified_at = utcnow()  # the trusted provider vouches for it
                session.add(holder)
            log.info("user %s linked %s by verified email (trusted)", holder.id, provider.name)
            return Outcome(user=holder, linked=True)
        raise OidcError(EMAIL_IN_USE, provider.label)
    token = new_token()
    session.add(
        OidcSignup(
            token_hash=hash_token(token),
            provider=provider.name,
            issuer=identity.issuer,
            subject=identity.subject,
            email=identity.email,
            email_verified=identity.email_verified,
            name=identity.name,
            username=identity.username,
            picture_url=identity.picture,
            expires_at=utcnow() + SIGNUP_LIFETIME,
        )
    )
    session.flush()
    return Outcome(signup_token=token)


def _has_provider(session: Session, user_id: int, provider: str) -> bool:
    return (
        session.exec(
            select(ExternalIdentity.id).where(
                ExternalIdentity.user_id == user_id, ExternalIdentity.provider == provider
            )
        ).first()
        is not None
    )


# ---------------------------------------------------------------------------- sign-up


def pending_signup(*, session: Session, token: object) -> OidcSignup | None:
    """The pending sign-up for the cookie's token, if still open."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = session.exec(select(OidcSignup).where(OidcSignup.token_hash == hash_token(token))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def propose_handle(*, session: Session, signup: OidcSignup) -> str:
    """A free, valid handle from the profile (username, name, or the email's local part)."""
    import re

    for raw in (signup.username, signup.name, signup.email.split("@")[0]):
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", raw or "").strip("-_")[:26]
        if len(base) < 3:
            continue
        for n in range(0, 50):
            candidate = base if n == 0 else f"{base[:24]}-{n + 1}"
            try:
                candidate = accounts.check_handle(candidate)
            except InvalidInput:
                break
            if not accounts.handle_taken(session, candidate):
                return candidate
    return ""


def finish_signup(
    *,
    session: Session,
    token: object,
    handle: object,
    use_profile: bool,
) -> tuple[User, str]:
    """Create the account for a pending sign-up; returns it and the picture URL to import.

    Raises:
        InvalidToken-like NotAllowed: the sign-up expired or was used.
        InvalidInput: the handle breaks the rules or is taken.
        OidcError: meanwhile the identity or the email was taken.
    """
    signup = pending_signup(session=session, token=token)
    if signup is None:
        raise NotAllowed("This sign-up has expired. Please continue with your provider again.")
    name = accounts.check_handle(handle)
    if accounts.handle_taken(session, name):
        raise InvalidInput("That handle is taken. Please choose another.", field="handle")
    provider = get_provider(signup.provider)
    if _identity_row(session, signup.issuer, signup.subject) is not None:
        raise OidcError(LINKED_ELSEWHERE, provider.label)
    email = signup.email or None
    if email and session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise OidcError(EMAIL_IN_USE, provider.label)
    claimed = session.execute(
        update(OidcSignup)
        .where(OidcSignup.id == signup.id, OidcSignup.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise NotAllowed("This sign-up has expired. Please continue with your provider again.")
    display = signup.name if use_profile and signup.name else name
    user = User(
        email=email,
        handle=name,
        handle_key=name.lower(),
        display_name=display[:60],
        password_hash=None,
        # The person proved who they are through the provider; the address counts as
        # confirmed only when the provider says so.
        email_verified_at=utcnow() if signup.email_verified else None,
    )
    session.add(user)
    session.flush()
    _link(
        session,
        user,
        ProviderIdentity(
            provider=signup.provider,
            issuer=signup.issuer,
            subject=signup.subject,
            email=signup.email,
            email_verified=signup.email_verified,
            name=signup.name,
            username=signup.username,
            picture="",
        ),
    )
    log.info("user %s signed up through %s", user.id, signup.provider)
    return user, (signup.picture_url if use_profile else "")


def fetch_picture(url: str) -> bytes | None:
    """Download a profile picture the person agreed to take over, or None.

    Guarded against server-side request forgery: https only, public addresses only, no
    redirects, 5 MB at most. The bytes still go through the avatar checks (real image).
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None
    try:
        for info in socket.getaddrinfo(parts.hostname, parts.port or 443):
            if not ipaddress.ip_address(info[4][0]).is_global:
                return None
        with (
            httpx.Client(timeout=5.0, follow_redirects=False) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code != 200:
                return None
            data = b""
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > MAX_PICTURE_BYTES:
                    return None
            return data
    except (OSError, ValueError, httpx.HTTPError):
        return None


# ---------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class LinkedMethod:
    id: int
    provider: str
    label: str
    email: str
    since: str


def linked_identities(*, session: Session, user_id: int) -> list[ExternalIdentity]:
    return list(
        session.exec(
            select(ExternalIdentity)
            .where(ExternalIdentity.user_id == user_id)
            .order_by(ExternalIdentity.created_at, ExternalIdentity.id)
        ).all()
    )


def identity_count(*, session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(ExternalIdentity)
        .where(ExternalIdentity.user_id == user_id)
    ).one()


def unlink(*, session: Session, user_id: int, identity_id: object) -> None:
    """Remove a linked provider, as long as another way to sign in remains.

    Raises:
        NotFound: no such identity on this account (other people's ids look the same).
        NotAllowed: it is the last way to sign in.
    """
    user = accounts.require_user(session, user_id)
    if isinstance(identity_id, str) and identity_id.isdigit() and len(identity_id) < 10:
        identity_id = int(identity_id)
    if not isinstance(identity_id, int) or isinstance(identity_id, bool):
        raise NotFound("That sign-in method was not found.")
    row = session.get(ExternalIdentity, identity_id)
    if row is None or row.user_id != user.id:
        raise NotFound("That sign-in method was not found.")
    others = identity_count(session=session, user_id=user.id) - 1  # type: ignore[arg-type]
    if not user.password_hash and others < 1:
        raise NotAllowed(
            "This is your only way to sign in. Set a password or link another provider first."
        )
    session.delete(row)
    session.flush()
    log.info("user %s unlinked a %s identity", user.id, row.provider)


def issue_link_ticket(*, session: Session, user_id: int, password: object, recent: bool) -> str:
    """A 60-second ticket that lets this account start linking a provider.

    Re-authentication first: the password for accounts that have one; otherwise a
    sign-in (through a linked provider) within the last 10 minutes.
    """
    user = accounts.require_user(session, user_id)
    if user.password_hash:
        if not isinstance(password, str) or not password:
            raise InvalidInput("Please enter your password to confirm.", field="password")
        if not passwords.verify_password(user.password_hash, password[: passwords.MAX_LENGTH]):
            raise InvalidInput("That password is not right.", field="password")
    elif not recent:
        raise NotAllowed(
            "For your security, please sign in again with a linked provider, then try again."
        )
    return accounts.issue_ticket(session=session, user=user, purpose=LINK_TICKET)


def redeem_link_ticket(*, session: Session, ticket: object) -> User:
    return accounts.redeem_ticket(session=session, ticket=ticket, purpose=LINK_TICKET)


def sweep(*, session: Session) -> None:
    """Forget expired flows and sign-ups (nothing in them is useful afterwards)."""
    cutoff = utcnow() - timedelta(hours=1)
    session.execute(OidcFlow.__table__.delete().where(OidcFlow.expires_at < cutoff))  # type: ignore[attr-defined]
    session.execute(OidcSignup.__table__.delete().where(OidcSignup.expires_at < cutoff))  # type: ignore[attr-defined]
