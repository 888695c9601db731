"""Who may see what: people's privacy settings, mutes, and the one rule every list of
social things applies (``can_see``).

Audiences are numbers (models/social.py): 0 only me, 1 my followers, 2 everyone. A
viewer's *relation* to an owner decides the lowest audience they may see: the owner
sees everything, followers see "followers" and "everyone", anyone else (signed out,
strangers, and people blocked either way) only "everyone".
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import delete
from sqlmodel import Session, select

from social_market.models import FavouriteShop, Follow, Mute, ProfilePublic, User
from social_market.models.social import AUDIENCES, EVERYONE, FOLLOWERS
from social_market.services import profiles
from social_market.services.accounts import require_user
from social_market.services.blocks import is_blocked_between
from social_market.services.errors import InvalidInput
from social_market.services.ids import as_id

MESSAGES_FROM = ("everyone", "following", "orders")
TRUST_LEVELS = ("0", "25", "50", "75", "100")
SELF = 3  # the owner: sees even "only me"


class PrivacySettings(BaseModel):
    follows: str  # 'me' | 'followers' | 'everyone'
    favourites: str
    activity: str
    discoverable: bool
    messages_from: str  # 'everyone' | 'following' | 'orders'
    share_default: str  # 'nobody' | 'followers' | 'everyone'
    trust: str = "50"  # how much people I follow count in "best rated for me": TRUST_LEVELS


_NAMES = {v: k for k, v in AUDIENCES.items()}
_SHARE_NAMES = {0: "nobody", FOLLOWERS: "followers", EVERYONE: "everyone"}


def get_settings(*, session: Session, actor_id: object) -> PrivacySettings:
    me = require_user(session, actor_id)
    return PrivacySettings(
        follows=_NAMES.get(me.privacy_follows, "everyone"),
        favourites=_NAMES.get(me.privacy_favourites, "followers"),
        activity=_NAMES.get(me.privacy_activity, "followers"),
        discoverable=me.discoverable,
        messages_from=me.messages_from,
        share_default=_SHARE_NAMES.get(me.share_default, "nobody"),
        trust=str(me.trust_weight) if str(me.trust_weight) in TRUST_LEVELS else "50",
    )


def _audience(value: object, field: str) -> int:
    if not isinstance(value, str) or value not in AUDIENCES:
        raise InvalidInput("Please choose who can see this.", field=field)
    return AUDIENCES[value]


def share_audience(value: object, field: str = "audience") -> int:
    """'nobody' → 0, 'followers' → 1, 'everyone' → 2 (for shared purchases)."""
    names = {"nobody": 0, "followers": FOLLOWERS, "everyone": EVERYONE}
    if not isinstance(value, str) or value not in names:
        raise InvalidInput("Please choose who can see this.", field=field)
    return names[value]


def save_settings(*, session: Session, actor_id: object, form: object) -> PrivacySettings:
    """Save the privacy form; every field is checked, nothing is saved on a bad one."""
    me = require_user(session, actor_id)
    if not isinstance(form, dict):
        raise InvalidInput("Please fill in the form.")
    follows_ = _audience(form.get("follows"), "follows")
    favourites = _audience(form.get("favourites"), "favourites")
    activity = _audience(form.get("activity"), "activity")
    messages_from = form.get("messages_from")
    if messages_from not in MESSAGES_FROM:
        raise InvalidInput("Please choose who can message you.", field="messages_from")
    share_default = share_audience(form.get("share_default"), "share_default")
    trust = form.get("trust", str(me.trust_weight))
    if trust not in TRUST_LEVELS:
        raise InvalidInput("Please choose how much people you follow count.", field="trust")
    discoverable = form.get("discoverable")
    if not isinstance(discoverable, bool):
        discoverable = discoverable in ("on", "true", "1")
    me.privacy_follows, me.privacy_favourites, me.privacy_activity = (
        follows_,
        favourites,
        activity,
    )
    me.trust_weight = int(trust)  # type: ignore[arg-type]
    me.messages_from, me.share_default, me.discoverable = (
        messages_from,
        share_default,
        discoverable,
    )
    session.add(me)
    session.flush()
    return get_settings(session=session, actor_id=me.id)


def relation(session: Session, viewer_id: int | None, owner_id: int) -> int:
    """The lowest audience ``viewer`` may see of ``owner``'s things (SELF for the owner)."""
    if viewer_id is None:
        return EVERYONE
    if viewer_id == owner_id:
        return SELF
    if is_blocked_between(session, viewer_id, owner_id):
        return EVERYONE
    if session.get(Follow, (viewer_id, owner_id)) is not None:
        return FOLLOWERS
    return EVERYONE


def shop_relation(session: Session, viewer_id: int | None, shop_id: int, owner_id: int) -> int:
    """Like ``relation``, where following the shop also makes one a follower."""
    level = relation(session, viewer_id, owner_id)
    if (
        level == EVERYONE
        and viewer_id is not None
        and session.get(FavouriteShop, (viewer_id, shop_id)) is not None
        and not is_blocked_between(session, viewer_id, owner_id)
    ):
        return FOLLOWERS
    return level


def can_see(audience: int, level: int) -> bool:
    """May a viewer at ``level`` (from ``relation``) see something shown to ``audience``?"""
    return level == SELF or audience >= level


# --- muting -----------------------------------------------------------------------


def mute(*, session: Session, actor_id: object, user_id: object) -> bool:
    """Hide someone from my feed (silently, idempotent)."""
    me = require_user(session, actor_id)
    uid = as_id(user_id)
    them = session.get(User, uid) if uid else None
    if them is None or them.deleted_at is not None:
        raise InvalidInput("We couldn't find that person.")
    if them.id == me.id:
        raise InvalidInput("You can't mute yourself.")
    if session.get(Mute, (me.id, them.id)) is None:
        session.add(Mute(muter_id=me.id, muted_id=them.id))  # type: ignore[arg-type]
        session.flush()
    return True


def unmute(*, session: Session, actor_id: object, user_id: object) -> bool:
    me = require_user(session, actor_id)
    uid = as_id(user_id)
    if uid:
        session.exec(delete(Mute).where(Mute.muter_id == me.id, Mute.muted_id == uid))  # type: ignore[arg-type]
    return False


def is_muted(session: Session, muter_id: int | None, muted_id: int) -> bool:
    if muter_id is None:
        return False
    return session.get(Mute, (muter_id, muted_id)) is not None


def muted_people(
    *, session: Session, actor_id: object, locale: str | None = None
) -> list[ProfilePublic]:
    me = require_user(session, actor_id)
    rows = session.exec(
        select(User)
        .join(Mute, Mute.muted_id == User.id)
        .where(Mute.muter_id == me.id, User.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(Mute.created_at.desc())  # type: ignore[attr-defined]
        .limit(500)
    ).all()
    return [profiles.to_public(u, locale) for u in rows]


def erase_for_deleted_account(*, session: Session, user_id: int) -> None:
    session.exec(delete(Mute).where((Mute.muter_id == user_id) | (Mute.muted_id == user_id)))  # type: ignore[arg-type]
