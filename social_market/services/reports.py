"""Reporting users and content to the moderators, and the registry of reportable kinds.

Anything people can report is a *target*: a kind (``"user"``, ``"listing"``, ``"shop"``,
…) and an id. Each kind registers a :class:`TargetAdapter` that knows, for a batch of
ids, who owns each target, a short plain-text preview and its URL, and how to hide and
unhide it. Reports, the queue and the audit log only ever go through adapters, so a new
reportable thing (posts, comments, reviews, messages) is one adapter and one
``register_target("post", PostAdapter())`` call in its own module — no change here.

Hiding a listing, a shop or an account (suspension, in ``services/moderation.py``)
moves the affected listings into the ``hidden`` state (see ``models/market.py``), which
everything that shows or sells listings already leaves out; :func:`apply_listing_visibility`
is the one place that decides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from limits import parse
from sqlalchemy import and_, case, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from social_market.i18n.catalog import N_
from social_market.models import Listing, Report, Shop, User, utcnow
from social_market.models.market import ACTIVE, DELETED, HIDDEN, PAUSED, SOLD_OUT
from social_market.models.moderation import (
    COUNTERFEIT,
    HARASSMENT,
    INAPPROPRIATE,
    OPEN,
    OTHER,
    REPORT_REASONS,
    SPAM,
)
from social_market.services import ratelimit
from social_market.services.accounts import require_user
from social_market.services.errors import InvalidInput, NotFound
from social_market.services.ids import as_id
from social_market.services.text import clean_text
from social_market.urls import listing_url, profile_url, shop_url

REPORTS_PER_HOUR = parse("10/hour")
MAX_NOTE = 1000
PREVIEW_LENGTH = 280

# The reasons people choose from, as shown (catalogue msgids), in the order shown.
REASON_LABELS: dict[str, str] = {
    SPAM: N_("Spam"),
    HARASSMENT: N_("Harassment or hate"),
    INAPPROPRIATE: N_("Inappropriate content"),
    COUNTERFEIT: N_("Counterfeit or not handmade"),
    OTHER: N_("Something else"),
}
assert tuple(REASON_LABELS) == REPORT_REASONS


class AlreadyReported(InvalidInput):
    """The person already has an open report about this target."""

    def __init__(self) -> None:
        super().__init__(N_("You have already reported this. Our moderators will look at it."))


# ---------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class TargetInfo:
    """What moderation needs to know about one target."""

    owner_id: int | None  # the account responsible for it (reporting yourself is refused)
    preview: str  # short plain text (rendered as text, never HTML)
    url: str  # where it is seen ('' if nowhere)
    hidden: bool  # hidden by moderators (this target itself)
    visible: bool  # anyone may see it right now (not hidden, deleted, or its owner suspended)


class TargetAdapter:
    """How moderation reaches one kind of reportable thing. Subclass and register.

    ``load`` must answer for a whole batch of ids in a constant number of queries (the
    queue loads a page of targets at once); ids that don't exist are left out.
    """

    label: str = ""  # catalogue msgid shown in the queue, e.g. N_("Listing")
    can_hide: bool = True  # False: hide/unhide make no sense (accounts are suspended)

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, TargetInfo]:
        raise NotImplementedError

    def visible_to(self, session: Session, target_id: int, viewer_id: int) -> TargetInfo | None:
        """The target if ``viewer_id`` may see it (and so report it), else None.

        The default is "anyone may see it"; kinds with their own audiences (followers-only
        posts, conversations) override this.
        """
        info = self.load(session, [target_id]).get(target_id)
        return info if info is not None and info.visible else None

    def hide(self, session: Session, target_id: int) -> None:
        raise NotImplementedError

    def unhide(self, session: Session, target_id: int) -> None:
        raise NotImplementedError


_REGISTRY: dict[str, TargetAdapter] = {}


def register_target(kind: str, adapter: TargetAdapter) -> None:
    """Make ``kind`` reportable (call once, at import of the module that owns the kind)."""
    if not kind.isascii() or not kind.replace("_", "").isalnum() or not 1 <= len(kind) <= 20:
        raise ValueError(f"bad target kind {kind!r}")
    _REGISTRY[kind] = adapter


def target_adapter(kind: object) -> TargetAdapter:
    """The adapter of a registered kind, or NotFound (kinds arrive from the browser)."""
    adapter = _REGISTRY.get(kind) if isinstance(kind, str) else None
    if adapter is None:
        raise NotFound("We couldn't find what you wanted to report.")
    return adapter


def target_kinds() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def _joined(head: str, body: str) -> str:
    return f"{head}. {body}" if body.strip() else head


def short(text: str, limit: int = PREVIEW_LENGTH) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


# ---------------------------------------------------------------------- hidden listings


def apply_listing_visibility(session: Session, shop_id: int) -> None:
    """Put each listing of a shop in or out of the ``hidden`` state, as moderation says.

    A listing is hidden when moderators hid it, or its shop, or suspended its maker.
    Hiding keeps the maker's state in ``state_before_hidden``; showing it again restores
    that state (paused if the shop has closed meanwhile; sold out or active as the
    stock now says). Two or three UPDATEs over ix_listing_shop_id_state_created_at_id.
    """
    session.flush()
    row = session.exec(
        select(Shop, User).join(User, User.id == Shop.owner_id).where(Shop.id == shop_id)
    ).first()
    if row is None:
        return
    shop, owner = row
    whole_shop = shop.hidden_at is not None or owner.suspended_at is not None
    table = Listing.__table__
    c = table.c
    to_hide = [c.shop_id == shop_id, c.state.not_in((DELETED, HIDDEN))]
    if not whole_shop:
        to_hide.append(c.hidden_at.is_not(None))
    session.execute(
        update(table)
        .where(*to_hide)
        .values(state_before_hidden=c.state, state=HIDDEN)
        .execution_options(synchronize_session=False)
    )
    if not whole_shop:
        restored = c.state_before_hidden
        if shop.closed_at is not None:  # closing a shop pauses what was on sale
            restored = case((c.state_before_hidden.in_((ACTIVE, SOLD_OUT)), PAUSED), else_=restored)
        session.execute(
            update(table)
            .where(c.shop_id == shop_id, c.state == HIDDEN, c.hidden_at.is_(None))
            .values(state=restored, state_before_hidden=None)
            .execution_options(synchronize_session=False)
        )
        # The stock may have changed while hidden: sold out and active as it now says.
        in_stock = or_(c.made_to_order, c.quantity > 0)
        session.execute(
            update(table)
            .where(
                c.shop_id == shop_id,
                or_(
                    and_(c.state == SOLD_OUT, in_stock),
                    and_(c.state == ACTIVE, ~in_stock),
                ),
            )
            .values(state=case((c.state == SOLD_OUT, ACTIVE), else_=SOLD_OUT))
            .execution_options(synchronize_session=False)
        )
    # Objects already loaded in this session must not keep their old state.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Listing) and obj.shop_id == shop_id:
            session.expire(obj)


# ---------------------------------------------------------------------- built-in adapters


class UserTarget(TargetAdapter):
    """A person's account and profile. Moderators suspend accounts rather than hide them."""

    label = N_("Account")
    can_hide = False

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, TargetInfo]:
        users = session.exec(select(User).where(User.id.in_(list(ids)))).all()  # type: ignore[union-attr]
        return {
            u.id: TargetInfo(  # type: ignore[misc]
                owner_id=u.id,
                preview=short(_joined(f"{u.display_name or u.handle} (@{u.handle})", u.bio)),
                url=profile_url(u.handle),
                hidden=u.suspended_at is not None,
                visible=u.deleted_at is None
                and u.email_verified_at is not None
                and u.suspended_at is None,
            )
            for u in users
        }

    def hide(self, session: Session, target_id: int) -> None:
        raise InvalidInput("Accounts can't be hidden: suspend the account instead.")

    unhide = hide


class ListingTarget(TargetAdapter):
    label = N_("Listing")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, TargetInfo]:
        rows = session.exec(
            select(Listing, Shop)
            .join(Shop, Shop.id == Listing.shop_id)
            .where(Listing.id.in_(list(ids)))  # type: ignore[union-attr]
        ).all()
        return {
            listing.id: TargetInfo(  # type: ignore[misc]
                owner_id=shop.owner_id,
                preview=short(
                    _joined(f"{listing.title} ({listing.shop_name})", listing.description)
                ),
                url=listing_url(listing.id or 0, listing.slug),
                hidden=listing.hidden_at is not None,
                visible=listing.state in (ACTIVE, SOLD_OUT) and shop.closed_at is None,
            )
            for listing, shop in rows
        }

    def _set(self, session: Session, target_id: int, hidden: bool) -> None:
        listing = session.get(Listing, target_id)
        if listing is None or listing.state == DELETED:
            raise NotFound("We couldn't find that listing.")
        listing.hidden_at = (listing.hidden_at or utcnow()) if hidden else None
        session.add(listing)
        apply_listing_visibility(session, listing.shop_id)

    def hide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, False)


class ShopTarget(TargetAdapter):
    """A shop page; hiding it hides every listing in it too."""

    label = N_("Shop")

    def load(self, session: Session, ids: Sequence[int]) -> dict[int, TargetInfo]:
        rows = session.exec(
            select(Shop, User).join(User, User.id == Shop.owner_id).where(Shop.id.in_(list(ids)))  # type: ignore[union-attr]
        ).all()
        return {
            shop.id: TargetInfo(  # type: ignore[misc]
                owner_id=shop.owner_id,
                preview=short(_joined(shop.name, shop.about)),
                url=shop_url(shop.slug),
                hidden=shop.hidden_at is not None,
                visible=shop.closed_at is None
                and shop.hidden_at is None
                and owner.deleted_at is None
                and owner.suspended_at is None,
            )
            for shop, owner in rows
        }

    def _set(self, session: Session, target_id: int, hidden: bool) -> None:
        shop = session.get(Shop, target_id)
        if shop is None:
            raise NotFound("We couldn't find that shop.")
        shop.hidden_at = (shop.hidden_at or utcnow()) if hidden else None
        session.add(shop)
        apply_listing_visibility(session, shop.id)  # type: ignore[arg-type]

    def hide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, True)

    def unhide(self, session: Session, target_id: int) -> None:
        self._set(session, target_id, False)


register_target("user", UserTarget())
register_target("listing", ListingTarget())
register_target("shop", ShopTarget())


# ---------------------------------------------------------------------- reporting


def report(
    *,
    session: Session,
    actor_id: object,
    target_kind: object,
    target_id: object,
    reason: object,
    note: object = "",
) -> Report:
    """Report a target to the moderators.

    Raises:
        NotAllowed: not signed in.
        NotFound: unknown kind, or no such target visible to the reporter.
        InvalidInput: reason not from the list, note too long, or the reporter's own
            account or content; ``AlreadyReported`` when their earlier report about it
            is still open.
        RateLimited: more than 10 reports in the last hour.
    """
    me = require_user(session, actor_id)
    adapter = target_adapter(target_kind)
    tid = as_id(target_id)
    info = adapter.visible_to(session, tid, me.id) if tid else None  # type: ignore[arg-type]
    if info is None:
        raise NotFound("We couldn't find what you wanted to report.")
    if info.owner_id == me.id:
        raise InvalidInput("You can't report yourself or your own things.")
    if reason not in REPORT_REASONS:
        raise InvalidInput("Please choose a reason from the list.", field="reason")
    text = clean_text(note, field="note", label=N_("Note"), max_length=MAX_NOTE, multiline=True)
    if _open_report_exists(session, me.id, target_kind, tid):  # type: ignore[arg-type]
        raise AlreadyReported()
    ratelimit.hit(
        REPORTS_PER_HOUR,
        "report",
        str(me.id),
        message=N_(
            "You have sent a lot of reports in the last hour. Thank you! Please wait a "
            "little before sending more."
        ),
    )
    row = Report(
        reporter_id=me.id,  # type: ignore[arg-type]
        target_kind=target_kind,  # type: ignore[arg-type]
        target_id=tid,  # type: ignore[arg-type]
        reason=reason,  # type: ignore[arg-type]
        note=text,
        status=OPEN,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent click sent the same report
        raise AlreadyReported() from None
    return row


def _open_report_exists(session: Session, reporter_id: int, kind: str, target_id: int) -> bool:
    return (
        session.exec(
            select(Report.id).where(
                Report.reporter_id == reporter_id,
                Report.target_kind == kind,
                Report.target_id == target_id,
                Report.status == OPEN,
            )
        ).first()
        is not None
    )
