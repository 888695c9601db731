"""Public profiles: reading them, editing one's own, avatars, finding people."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, or_
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.i18n.format import format_month_year
from social_market.models import ProfilePublic, User, utcnow
from social_market.services import images, ratelimit
from social_market.services.accounts import require_user
from social_market.services.after_commit import on_commit
from social_market.services.errors import InvalidInput
from social_market.services.text import clean_text

AVATAR_FOLDER = "avatars"
AVATAR_SIZES = (96, 400)


def avatar_url(key: str | None, size: int = 96) -> str:
    """Path of a stored avatar below the public upload URL ('' when the person has none)."""
    if not key:
        return ""
    return f"{AVATAR_FOLDER}/{key}_{size}.webp"


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").replace("_", " ").split() if p]
    letters = "".join(p[0] for p in parts[:2]) or "?"
    return letters.upper()


def to_public(user: User, locale: str | None = None) -> ProfilePublic:
    return ProfilePublic(
        id=user.id or 0,
        handle=user.handle,
        display_name=user.display_name or user.handle,
        bio=user.bio,
        location=user.location,
        website=user.website,
        avatar_url=avatar_url(user.avatar_key, 96),
        avatar_url_large=avatar_url(user.avatar_key, 400),
        member_since=format_month_year(user.created_at, locale),
        initials=initials(user.display_name or user.handle),
        follower_count=user.follower_count,
        following_count=user.following_count,
    )


def get_profile(
    *, session: Session, handle: object, locale: str | None = None
) -> ProfilePublic | None:
    """The public profile for a handle (any case), or None for unknown or deleted people."""
    if not isinstance(handle, str) or not 1 <= len(handle) <= 40:
        return None
    user = session.exec(
        select(User).where(
            User.handle_key == handle.strip().lstrip("@").lower(),
            *_visible(),
        )
    ).first()
    return to_public(user, locale) if user else None


def _clean_website(value: object) -> str:
    url = clean_text(value, field="website", label=N_("Website"), max_length=200)
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise InvalidInput(
            "Please enter a web address such as https://example.com.", field="website"
        )
    host = parts.hostname or ""
    if "." not in host or host.startswith(".") or host.endswith("."):
        raise InvalidInput(
            "Please enter a web address such as https://example.com.", field="website"
        )
    return url


def update_profile(
    *,
    session: Session,
    user_id: object,
    display_name: object,
    bio: object,
    location: object,
    website: object,
) -> ProfilePublic:
    """Save the editable profile fields after checking all of them (all or nothing).

    A field passed as None keeps its current value.
    """
    user = require_user(session, user_id)

    def keep(value: object, current: str) -> object:
        return current if value is None else value

    name = clean_text(
        keep(display_name, user.display_name),
        field="display_name",
        label=N_("Display name"),
        max_length=60,
    )
    about = clean_text(
        keep(bio, user.bio), field="bio", label=N_("Bio"), max_length=500, multiline=True
    )
    where = clean_text(
        keep(location, user.location), field="location", label=N_("Location"), max_length=80
    )
    site = _clean_website(keep(website, user.website))
    user.display_name = name or user.handle
    user.bio = about
    user.location = where
    user.website = site
    user.updated_at = utcnow()
    session.add(user)
    return to_public(user)


def set_avatar(*, session: Session, user_id: object, data: bytes) -> ProfilePublic:
    """Validate and store a new avatar; the old files are removed after commit."""
    user = require_user(session, user_id)
    ratelimit.hit(
        ratelimit.UPLOADS_PER_USER,
        "upload",
        str(user.id),
        message=N_("You have uploaded a lot of images in the last hour. Please wait a little."),
    )
    stored = images.store_square_image(data, folder=AVATAR_FOLDER, sizes=AVATAR_SIZES)
    old = user.avatar_key
    user.avatar_key = stored.key
    user.updated_at = utcnow()
    session.add(user)
    if old:
        on_commit(session, lambda: delete_avatar_files(old))
    return to_public(user)


def remove_avatar(*, session: Session, user_id: object) -> ProfilePublic:
    user = require_user(session, user_id)
    old = user.avatar_key
    user.avatar_key = None
    session.add(user)
    if old:
        on_commit(session, lambda: delete_avatar_files(old))
    return to_public(user)


def delete_avatar_files(key: str) -> None:
    images.delete_stored(key, folder=AVATAR_FOLDER, sizes=AVATAR_SIZES)


def _visible():
    """Who others can see: confirmed, not deleted, not suspended by moderators."""
    return (
        User.deleted_at.is_(None),  # type: ignore[union-attr]
        User.email_verified_at.is_not(None),  # type: ignore[union-attr]
        User.suspended_at.is_(None),  # type: ignore[union-attr]
    )


def newest_profiles(
    *, session: Session, limit: int = 12, locale: str | None = None
) -> list[ProfilePublic]:
    """People who joined most recently (uses ix_user_account_created_at)."""
    users = session.exec(
        select(User)
        .where(*_visible())
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(limit)  # type: ignore[union-attr]
    ).all()
    return [to_public(u, locale) for u in users]


def count_members(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(User).where(*_visible())).one()


def search_people(
    *, session: Session, query: object, limit: int = 24, locale: str | None = None
) -> list[ProfilePublic]:
    """People whose handle starts with, or whose display name contains, the query."""
    if not isinstance(query, str):
        return []
    q = query.strip().lstrip("@")[:60]
    if not q:
        return []
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    users = session.exec(
        select(User)
        .where(
            *_visible(),
            or_(
                User.handle_key.startswith(escaped.lower(), escape="\\"),  # type: ignore[attr-defined]
                func.lower(User.display_name).contains(escaped.lower(), escape="\\"),
            ),
        )
        .order_by(User.handle_key)
        .limit(limit)
    ).all()
    return [to_public(u, locale) for u in users]


def set_locale(*, session: Session, user_id: object, locale: object) -> None:
    """Save the person's UI language ('en' or 'de')."""
    from social_market.i18n.catalog import normalize_language

    user = require_user(session, user_id)
    chosen = normalize_language(locale)
    if chosen is None:
        raise InvalidInput("That language is not available.", field="locale")
    user.locale = chosen
    session.add(user)
