"""Accounts: sign-up with email confirmation, sign-in, sessions, password reset, deletion.

Rules kept here (and tested in tests/services/test_accounts.py):
- Sign-up, sign-in and reset answer the same whether or not an email is registered;
  emails go out after commit on a worker thread, and every path spends one hash.
- Session tokens are 256-bit random values; only their keyed hash is stored.
- Failed sign-ins are rate-limited per account and per client address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, update
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import AuthSession, OneTimeToken, User, utcnow
from social_market.services import email as mail
from social_market.services import passwords, ratelimit
from social_market.services.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotAllowed,
)
from social_market.services.text import clean_text, require_str
from social_market.services.tokens import hash_token, new_token
from social_market.settings import get_settings

HANDLE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,29}$")
RESERVED_HANDLES = frozenset(
    [
        "admin",
        "administrator",
        "api",
        "auth",
        "help",
        "support",
        "settings",
        "signin",
        "signup",
        "signout",
        "login",
        "logout",
        "register",
        "reset",
        "feed",
        "messages",
        "search",
        "shop",
        "shops",
        "listing",
        "listings",
        "u",
        "user",
        "users",
        "moderator",
        "social",
        "socialmarket",
        "system",
        "root",
        "null",
        "undefined",
        "about",
        "privacy",
        "terms",
        "static",
        "assets",
        "upload",
        "_upload",
    ]
)

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose label, not a secret
LOGIN_TICKET = "login_ticket"
OIDC_LINK_TICKET = "oidc_link"
# A session younger than this stands in for re-entering a password (accounts without one).
RECENT_SIGN_IN = timedelta(minutes=10)
TOKEN_LIFETIMES = {
    # Lets the browser start linking a provider right after re-authenticating.
    OIDC_LINK_TICKET: timedelta(seconds=120),
    VERIFY_EMAIL: timedelta(days=3),
    RESET_PASSWORD: timedelta(hours=1),
    # Bridges a Reflex event (no HTTP response) to the route that sets the HttpOnly cookie.
    LOGIN_TICKET: timedelta(seconds=60),
}
LAST_SEEN_GRANULARITY = timedelta(minutes=5)
SUSPENDED_MESSAGE = N_(
    "This account has been suspended by our moderators, so you can't sign in. "
    "If you think this is a mistake, please write to support."
)


@dataclass(frozen=True)
class ClientInfo:
    """Who is at the other end, for rate limits and the session list."""

    ip: str = ""
    user_agent: str = ""


# ---------------------------------------------------------------------------- checks


def check_email(value: object) -> str:
    """Return the normalised (lower-case) address or raise InvalidInput."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Please enter your email address.", field="email")
    if len(value) > 254:
        raise InvalidInput("That email address is too long.", field="email")
    try:
        info = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput("Please enter a valid email address.", field="email") from None
    return info.normalized.lower()


def check_handle(value: object) -> str:
    """Return the handle as typed (NFC) or raise InvalidInput."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Please choose a handle.", field="handle")
    handle = unicodedata.normalize("NFC", value.strip().lstrip("@"))
    if not HANDLE_RE.fullmatch(handle):
        raise InvalidInput(
            "Handles are 3–30 characters: letters a–z, digits, '_' or '-', "
            "starting with a letter or digit.",
            field="handle",
        )
    if handle.lower() in RESERVED_HANDLES:
        raise InvalidInput("That handle is reserved. Please choose another.", field="handle")
    return handle


def handle_taken(session: Session, handle: str) -> bool:
    return (
        session.exec(select(User.id).where(User.handle_key == handle.lower())).first() is not None
    )


def _find_by_email(session: Session, email: str) -> User | None:
    return session.exec(
        select(User).where(User.email == email, User.deleted_at.is_(None))  # type: ignore[union-attr]
    ).first()


# ---------------------------------------------------------------------------- tokens


def _issue_token(session: Session, user_id: int, purpose: str) -> str:
    token = new_token()
    session.add(
        OneTimeToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + TOKEN_LIFETIMES[purpose],
        )
    )
    return token


def _redeem_token(session: Session, token: object, purpose: str) -> User:
    """Mark a one-time token used and return its user, or raise InvalidToken.

    The UPDATE ... WHERE used_at IS NULL makes "single use" hold even when two
    requests race with the same token.
    """
    message = N_("This link is invalid or has expired. Please ask for a new one.")
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvalidToken(message)
    now = utcnow()
    row = session.exec(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == hash_token(token), OneTimeToken.purpose == purpose
        )
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidToken(message)
    claimed = session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise InvalidToken(message)
    user = session.get(User, row.user_id)
    if user is None or user.deleted_at is not None:
        raise InvalidToken(message)
    return user


def _link(path: str) -> str:
    return f"{get_settings().public_base_url}{path}"


# ---------------------------------------------------------------------------- sign-up


def sign_up(
    *,
    session: Session,
    email: object,
    handle: object,
    password: object,
    display_name: object = "",
    client: ClientInfo = ClientInfo(),
    invite_code: object = None,
) -> None:
    """Register an account and email a confirmation link.

    With ``invite_code`` (from a /join/<code> link) the new account is linked to the
    invitation, so the inviter is rewarded on its first purchase (services/rewards.py).

    When the address is already registered nothing is created and its owner gets an
    email saying so; the caller sees the same result either way.

    Raises:
        InvalidInput: a field breaks the rules, or the handle is taken (handles are public).
        RateLimited: too many sign-ups from this address.
    """
    address = check_email(email)
    name = check_handle(handle)
    secret = passwords.check_new_password(password)
    shown_name = clean_text(
        display_name, field="display_name", label=N_("Display name"), max_length=60
    )
    if handle_taken(session, name):
        raise InvalidInput("That handle is taken. Please choose another.", field="handle")
    invite = None
    if invite_code not in (None, ""):
        from social_market.services import rewards

        if not rewards.invitation_open(session, invite_code):
            raise InvalidInput("That invitation link isn't valid (any more).", field="invite")
        invite = rewards.check_invite_code(invite_code)
    ratelimit.hit(
        ratelimit.SIGNUP_PER_ADDRESS,
        "signup",
        client.ip or "-",
        message=N_("Too many sign-ups from your network. Please try again later."),
    )
    password_hash = passwords.hash_password(secret)  # always: no timing gap
    existing = session.exec(select(User).where(User.email == address)).first()
    if existing is not None:
        if existing.email_verified_at is None and existing.deleted_at is None:
            # Still unconfirmed: send a fresh confirmation link instead.
            token = _issue_token(session, existing.id, VERIFY_EMAIL)
            _send_confirmation(session, existing, token)
        else:
            mail.send_after_commit(
                session,
                to=address,
                subject="Someone tried to sign up with your email",
                body=(
                    "Hello,\n\nsomebody (maybe you) tried to create a Social Market account "
                    "with this email address, but you already have one.\n\n"
                    f"Sign in: {_link('/signin')}\n"
                    f"Forgot your password? Reset it here: {_link('/reset')}\n\n"
                    "If this wasn't you, you can ignore this email.\n"
                ),
            )
        return
    user = User(
        email=address,
        handle=name,
        handle_key=name.lower(),
        display_name=shown_name or name,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    if invite is not None:
        from social_market.services import rewards

        rewards.accept_invitation(session, user, invite)
    token = _issue_token(session, user.id, VERIFY_EMAIL)
    _send_confirmation(session, user, token)


def _send_confirmation(session: Session, user: User, token: str) -> None:
    mail.send_after_commit(
        session,
        to=user.email or "",
        subject="Confirm your email for Social Market",
        body=(
            f"Hello {user.display_name or user.handle},\n\n"
            "welcome to Social Market! Please confirm your email address to finish "
            f"signing up:\n\n{_link('/confirm/' + token)}\n\n"
            "The link works once and expires in 3 days. If you did not sign up, "
            "ignore this email and no account will be activated.\n"
        ),
    )


def confirm_email(*, session: Session, token: object) -> User:
    """Mark the address confirmed; returns the user so the caller can sign them in."""
    user = _redeem_token(session, token, VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        session.add(user)
    return user


# ---------------------------------------------------------------------------- sign-in


def authenticate(
    *, session: Session, email: object, password: object, client: ClientInfo = ClientInfo()
) -> User:
    """Check email and password; returns the user or raises InvalidCredentials.

    Raises:
        RateLimited: too many failures for this account or from this address.
        NotAllowed: right password, but the email is not confirmed yet (a new link is sent).
    """
    if not isinstance(email, str) or not isinstance(password, str):
        passwords.spend_hash_time()
        raise InvalidCredentials()
    address = email.strip().lower()[:254]
    secret = password[: passwords.MAX_LENGTH]
    limit_msg = N_("Too many failed sign-in attempts. Please wait 15 minutes and try again.")
    ratelimit.check(
        ratelimit.FAILED_SIGNIN_PER_ACCOUNT, "signin-account", address, message=limit_msg
    )
    ratelimit.check(
        ratelimit.FAILED_SIGNIN_PER_ADDRESS, "signin-ip", client.ip or "-", message=limit_msg
    )
    user = _find_by_email(session, address)
    ok = passwords.verify_password(user.password_hash if user else None, secret)
    if not ok or user is None:
        ratelimit.count(ratelimit.FAILED_SIGNIN_PER_ACCOUNT, "signin-account", address)
        ratelimit.count(ratelimit.FAILED_SIGNIN_PER_ADDRESS, "signin-ip", client.ip or "-")
        raise InvalidCredentials()
    if user.suspended_at is not None:
        # Only after the right password: the message must not reveal the account to others.
        raise NotAllowed(SUSPENDED_MESSAGE)
    if user.email_verified_at is None:
        token = _issue_token(session, user.id, VERIFY_EMAIL)
        _send_confirmation(session, user, token)
        raise NotAllowed(
            "Please confirm your email first: we have sent you a new confirmation link."
        )
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(secret)
        session.add(user)
    return user


def issue_login_ticket(*, session: Session, user: User) -> str:
    """A 60-second single-use ticket, exchanged by the cookie route for a session."""
    return _issue_token(session, user.id, LOGIN_TICKET)


def redeem_login_ticket(
    *, session: Session, ticket: object, client: ClientInfo = ClientInfo()
) -> str:
    """Exchange a login ticket for a new session token (the cookie value)."""
    user = _redeem_token(session, ticket, LOGIN_TICKET)
    if user.suspended_at is not None:  # suspended since the ticket was issued
        raise InvalidToken(SUSPENDED_MESSAGE)
    return create_session(session=session, user=user, client=client)


def issue_ticket(*, session: Session, user: User, purpose: str) -> str:
    """A short single-use ticket for ``purpose`` (one of TOKEN_LIFETIMES)."""
    return _issue_token(session, user.id, purpose)


def redeem_ticket(*, session: Session, ticket: object, purpose: str) -> User:
    return _redeem_token(session, ticket, purpose)


def recently_signed_in(*, session: Session, token: object) -> bool:
    """True when the session behind ``token`` is live and started within RECENT_SIGN_IN."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return False
    row = session.exec(
        select(AuthSession).where(AuthSession.token_hash == hash_token(token))
    ).first()
    now = utcnow()
    return (
        row is not None
        and row.revoked_at is None
        and row.expires_at > now
        and now - row.created_at <= RECENT_SIGN_IN
    )


def create_session(*, session: Session, user: User, client: ClientInfo = ClientInfo()) -> str:
    """Start a server-side session; returns the raw token (only its hash is stored)."""
    token = new_token()
    now = utcnow()
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=get_settings().session_days),
            user_agent=(client.user_agent or "")[:200],
            ip_address=(client.ip or "")[:64],
        )
    )
    session.flush()
    return token


def user_for_session(*, session: Session, token: object) -> User | None:
    """The signed-in user for a cookie token, or None if unknown, revoked or expired."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = utcnow()
    row = session.exec(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    auth, user = row
    if (
        auth.revoked_at is not None
        or auth.expires_at <= now
        or user.deleted_at is not None
        or user.suspended_at is not None
    ):
        return None
    if now - auth.last_seen_at > LAST_SEEN_GRANULARITY:
        auth.last_seen_at = now
        session.add(auth)
    return user


def revoke_session(*, session: Session, token: object) -> None:
    if not isinstance(token, str):
        return
    session.execute(
        update(AuthSession)
        .where(
            AuthSession.token_hash == hash_token(token),
            AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
        )
        .values(revoked_at=utcnow())
    )


def revoke_all_sessions(*, session: Session, user_id: int, keep_token: str | None = None) -> int:
    """Sign a user out everywhere (optionally keeping the current browser). Returns the count."""
    stmt = update(AuthSession).where(
        AuthSession.user_id == user_id,
        AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    if keep_token:
        stmt = stmt.where(AuthSession.token_hash != hash_token(keep_token))
    return session.execute(stmt.values(revoked_at=utcnow())).rowcount


def active_session_count(*, session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
            AuthSession.expires_at > utcnow(),
        )
    ).one()


# ---------------------------------------------------------------------------- passwords


def request_password_reset(
    *, session: Session, email: object, client: ClientInfo = ClientInfo()
) -> None:
    """Email a reset link if the address belongs to an account; silent otherwise."""
    address = check_email(email)
    ratelimit.hit(
        ratelimit.RESET_PER_ADDRESS,
        "reset-ip",
        client.ip or "-",
        message=N_("Too many reset requests from your network. Please try again later."),
    )
    user = _find_by_email(session, address)
    if user is None:
        return
    if not ratelimit.limiter().hit(ratelimit.RESET_PER_ACCOUNT, "reset-account", address):
        return  # quietly: answering differently would reveal the account
    token = _issue_token(session, user.id, RESET_PASSWORD)
    mail.send_after_commit(
        session,
        to=address,
        subject="Reset your Social Market password",
        body=(
            f"Hello {user.display_name or user.handle},\n\n"
            "someone (hopefully you) asked to reset your password. Choose a new one here:\n\n"
            f"{_link('/reset/' + token)}\n\n"
            "The link works once and expires in 1 hour. If you did not ask for this, "
            "ignore this email: your password stays as it is.\n"
        ),
    )


def reset_password(*, session: Session, token: object, new_password: object) -> User:
    """Set a new password from an emailed link; signs the account out everywhere."""
    secret = passwords.check_new_password(new_password)
    user = _redeem_token(session, token, RESET_PASSWORD)
    user.password_hash = passwords.hash_password(secret)
    # Following the link proves the person reads this mailbox.
    user.email_verified_at = user.email_verified_at or utcnow()
    user.updated_at = utcnow()
    session.add(user)
    revoke_all_sessions(session=session, user_id=user.id)
    # Any other reset links still out there die with this one.
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == RESET_PASSWORD,
            OneTimeToken.used_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=utcnow())
    )
    return user


def set_password(
    *, session: Session, user_id: int, new_password: object, recent: bool, keep_token: str | None
) -> None:
    """Give a provider-only account a password (needs a sign-in within 10 minutes).

    Raises:
        NotAllowed: the account already has one (use change_password), has no email to
            sign in with, or the last sign-in is too long ago.
    """
    user = _require_active(session, user_id)
    if user.password_hash:
        raise NotAllowed("Your account already has a password: change it below.")
    if not user.email:
        raise NotAllowed("Your account has no email address to sign in with a password.")
    if not recent:
        raise NotAllowed(
            "For your security, please sign in again with a linked provider, then try again."
        )
    secret = passwords.check_new_password(new_password, field="new_password")
    user.password_hash = passwords.hash_password(secret)
    user.updated_at = utcnow()
    session.add(user)
    revoke_all_sessions(session=session, user_id=user.id, keep_token=keep_token)


def change_password(
    *,
    session: Session,
    user_id: int,
    current_password: object,
    new_password: object,
    keep_token: str | None = None,
) -> None:
    """Change the password after checking the current one; other browsers are signed out."""
    user = _require_active(session, user_id)
    current = require_str(current_password, field="current_password", label=N_("Current password"))
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput("Your current password is not right.", field="current_password")
    secret = passwords.check_new_password(new_password, field="new_password")
    user.password_hash = passwords.hash_password(secret)
    user.updated_at = utcnow()
    session.add(user)
    revoke_all_sessions(session=session, user_id=user.id, keep_token=keep_token)


# ---------------------------------------------------------------------------- deletion


def delete_account(
    *, session: Session, user_id: int, password: object, recent: bool = False
) -> None:
    """Delete an account after re-authentication.

    Accounts with a password must give it. Accounts that only sign in through a
    provider have no password to give: they need a sign-in within the last 10 minutes
    (``recent``, checked by the caller from the session) — with the caller's typed
    confirmation, that stands in for it.

    Personal data is erased, linked provider identities removed; the row stays
    (anonymised as "Deleted user") so that what others own and see — orders,
    conversations, replies — keeps a consistent author.
    """
    from social_market.models import ExternalIdentity, OidcFlow
    from social_market.services import profiles  # avoid an import cycle

    user = _require_active(session, user_id)
    if user.password_hash:
        secret = require_str(password, field="password", label=N_("Password"))
        if not passwords.verify_password(user.password_hash, secret):
            raise InvalidInput("That password is not right.", field="password")
    elif not recent:
        raise NotAllowed(
            "For your security, please sign in again with a linked provider, then try again."
        )
    session.execute(
        ExternalIdentity.__table__.delete().where(ExternalIdentity.user_id == user.id)  # type: ignore[attr-defined]
    )
    session.execute(OidcFlow.__table__.delete().where(OidcFlow.user_id == user.id))  # type: ignore[attr-defined]
    old_avatar = user.avatar_key
    placeholder = f"deleted-{user.id}"
    user.email = None
    user.password_hash = None
    user.handle = placeholder
    user.handle_key = placeholder
    user.display_name = "Deleted user"
    user.bio = ""
    user.location = ""
    user.website = ""
    user.avatar_key = None
    user.deleted_at = utcnow()
    user.updated_at = user.deleted_at
    session.add(user)
    revoke_all_sessions(session=session, user_id=user.id)
    session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.used_at.is_(None))  # type: ignore[union-attr]
        .values(used_at=utcnow())
    )
    from social_market.services import (
        blocks,
        comments,
        data_export,
        feed,
        follows,
        forums,
        likes,
        listening,
        messaging,
        notifications,
        privacy,
        recommendations,
        reviews,
        shares,
        shops,
        teams,
        wishes,
    )

    shops.erase_for_deleted_account(session=session, user_id=user.id)  # type: ignore[arg-type]
    data_export.erase_for_deleted_account(session=session, user_id=user.id)  # type: ignore[arg-type]
    follows.erase_for_deleted_account(session=session, user_id=user.id)  # type: ignore[arg-type]
    blocks.erase_for_deleted_account(session=session, user_id=user.id)  # type: ignore[arg-type]
    for social in (
        shares,
        comments,
        likes,
        feed,
        privacy,
        notifications,
        messaging,
        reviews,
        recommendations,
        wishes,
        forums,
        teams,
        listening,
    ):
        social.erase_for_deleted_account(session=session, user_id=user.id)  # type: ignore[arg-type, attr-defined]
    if old_avatar:
        from social_market.services.after_commit import on_commit

        on_commit(session, lambda: profiles.delete_avatar_files(old_avatar))


def _require_active(session: Session, user_id: object) -> User:
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        raise NotAllowed("Please sign in first.")
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None or user.suspended_at is not None:
        raise NotAllowed("Please sign in first.")
    return user


def require_user(session: Session, user_id: object) -> User:
    """The active user with this id, or NotAllowed."""
    return _require_active(session, user_id)
