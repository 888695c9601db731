"""Demo teams, made through the real services: a local makers' team, interest teams, a
by-request team with people waiting to be let in, and a private team, each with forum
threads and replies. The first demo account (Anna) captains the by-request team (so
her manage page has requests) and moderates the local one; Ben is in the private one."""

from __future__ import annotations

import random
from contextlib import contextmanager

from limits import parse
from sqlmodel import Session, select

from social_market.models import Listing, Shop
from social_market.models.market import ACTIVE
from social_market.services import forums, teams
from social_market.services.errors import DomainError

THREADS = [
    (
        "Welcome! Introduce yourself",
        "Tell us who you are and what you make. Photos of your workspace welcome!",
        [
            "Hi all, I throw pots in a tiny studio behind the kitchen.",
            "Hello! Weaver here, mostly wool and linen.",
            "Buyer, not maker: I just love seeing how things are made.",
        ],
    ),
    (
        "Sharing a stall at the Christmas market?",
        "The fee is steep for one person. Anyone want to split a stall for the weekends "
        "in December?",
        [
            "Count me in for the first two weekends.",
            "I could do the third one. Shall we meet to plan the table?",
            "Great idea. I have a folding table and lights.",
            "Let's meet on Thursday at the café by the canal.",
        ],
    ),
    (
        "Which glaze for food-safe mugs?",
        "I keep reading different advice. What do you use for mugs people drink from daily?",
        [
            "A commercial food-safe tested glaze, fired to the right cone. Test it anyway.",
            "Ask your supplier for the leach test results.",
        ],
    ),
    (
        "Photographing small pieces",
        "My jewellery photos look flat. Any tips for cheap lighting?",
        [
            "Two desk lamps with daylight bulbs and a sheet of baking paper as diffuser.",
            "Shoot near a north window in the morning, use a white card as reflector.",
            "A phone on a little tripod works wonders. Keep the ISO low.",
        ],
    ),
    (
        "Natural dyes that last",
        "Madder and weld have been great for me. What mordants do you use?",
        [
            "Alum for wool, tannin first for cotton.",
            "Iron as a modifier for darker shades, but sparingly.",
        ],
    ),
]

TEAMS = [
    # name, about, kind, city, country, policy, private, thread indexes
    (
        "Berlin Makers",
        "Makers and buyers in Berlin: markets, studios to share, and meet-ups.",
        "local",
        "Berlin",
        "DE",
        "open",
        False,
        [0, 1, 3],
    ),
    (
        "Slow Ceramics",
        "Wheel-thrown and hand-built pottery, glazes and kilns.",
        "interest",
        "",
        "",
        "open",
        False,
        [2, 0],
    ),
    (
        "Natural Dyers' Circle",
        "Plant dyes for yarn and fabric. Ask to join, we keep it small.",
        "interest",
        "",
        "",
        "request",
        False,
        [4],
    ),
    (
        "Quilters' Back Room",
        "A private corner for quilters to share work in progress.",
        "interest",
        "",
        "",
        "request",
        True,
        [3, 0],
    ),
]


@contextmanager
def _generous_limits():
    """The demo writes much faster than a person: lift the per-person limits meanwhile."""
    saved = (
        teams.TEAMS_PER_DAY,
        teams.JOINS_PER_HOUR,
        forums.POSTS_PER_MINUTE,
        forums.THREADS_PER_HOUR,
    )
    big = parse("100000/minute")
    teams.TEAMS_PER_DAY = teams.JOINS_PER_HOUR = big
    forums.POSTS_PER_MINUTE = forums.THREADS_PER_HOUR = big
    try:
        yield
    finally:
        (
            teams.TEAMS_PER_DAY,
            teams.JOINS_PER_HOUR,
            forums.POSTS_PER_MINUTE,
            forums.THREADS_PER_HOUR,
        ) = saved


def _add(session: Session, team_id: int, user_id: int) -> None:
    """Make ``user_id`` a member even of a by-request team (its captain lets them in)."""
    state = teams.join(session=session, actor_id=user_id, team_id=team_id)
    if state == "requested":
        team = teams.team_by_ref(session, team_id)
        teams.decide_request(
            session=session,
            actor_id=team.captain_id,
            team_id=team_id,
            user_id=user_id,
            approve=True,
        )


def generate_teams(session: Session, *, user_ids: list[int], seed: int = 42) -> int:
    """Teams with members, threads and replies; returns how many teams were made."""
    if len(user_ids) < 6:
        return 0
    rng = random.Random(seed + 9)
    anna, ben, others = user_ids[0], user_ids[1], user_ids[2:]
    listing = session.exec(
        select(Listing.id)
        .join(Shop, Shop.id == Listing.shop_id)  # type: ignore[arg-type]
        .where(Shop.owner_id == anna, Listing.state == ACTIVE)
        .order_by(Listing.id)  # type: ignore[arg-type]
    ).first()
    made = 0
    with _generous_limits():
        for n, (name, about, kind, city, country, policy, private, threads) in enumerate(TEAMS):
            captain = anna if n == 2 else others[n % len(others)]
            try:
                team = teams.create_team(
                    session=session,
                    actor_id=captain,
                    name=name,
                    about=about,
                    kind=kind,
                    city=city,
                    country=country,
                    join_policy=policy,
                    private=private,
                )
            except DomainError:
                continue
            made += 1
            pool = [u for u in others if u != captain]
            members = rng.sample(pool, min(len(pool), rng.randint(6, 14)))
            if n == 0:
                members = [anna, ben, *members]
            elif n == 1:
                members = [anna, *members]
            elif n == 3:
                members = [ben, *members]
            members = [u for u in dict.fromkeys(members) if u != captain]
            for uid in members:
                try:
                    _add(session, team.id, uid)  # type: ignore[arg-type]
                except DomainError:  # e.g. the captain blocked them in the demo's social life
                    continue
            members = [u for u in members if teams.role_of(session, team.id, u)]  # type: ignore[arg-type]
            if not members:
                continue
            moderator = anna if n == 0 else members[0]
            teams.set_role(
                session=session,
                actor_id=captain,
                team_id=team.id,
                user_id=moderator,
                role="moderator",
            )
            voices = [captain, *members]
            for i, index in enumerate(threads):
                title, opening, replies = THREADS[index]
                author = voices[(i * 3) % len(voices)]
                body = opening
                if listing is not None and n == 0 and index == 1:
                    body += f" Anna's stall pieces: /listing/{listing}"
                thread = forums.start_thread(
                    session=session, actor_id=author, team_id=team.id, title=title, body=body
                )
                for text in replies:
                    speaker = rng.choice([v for v in voices if v != author] or voices)
                    try:
                        forums.reply(
                            session=session, actor_id=speaker, thread_id=thread.id, body=text
                        )
                    except DomainError:  # a block between the two: someone else answers
                        continue
                if index == 0:
                    forums.set_thread_flags(
                        session=session, actor_id=captain, thread_id=thread.id, pinned=True
                    )
            if policy == "request" and not private:
                # People waiting at the door: the captain's manage page has requests.
                for uid in [ben, *rng.sample(pool, 2)]:
                    if teams.membership(session, team.id, uid) is None:  # type: ignore[arg-type]
                        try:
                            teams.join(session=session, actor_id=uid, team_id=team.id)
                        except DomainError:
                            continue
    session.flush()
    return made
