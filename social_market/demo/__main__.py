"""python -m social_market.demo [--users N] [--seed S] [--if-empty] [--no-avatars]"""

from __future__ import annotations

import argparse
import sys

from sqlmodel import select

from social_market.db import get_engine, session_scope
from social_market.demo.generator import DEMO_PASSWORD, MODERATOR, NAMED, add_moderator, generate
from social_market.demo.group_orders import generate_group_orders
from social_market.demo.listening import generate_listening
from social_market.demo.lists import generate_lists
from social_market.demo.market import generate_market
from social_market.demo.offers import generate_offers
from social_market.demo.rewards import generate_rewards
from social_market.demo.social import generate_social
from social_market.demo.teams import generate_teams
from social_market.demo.trust import generate_reviews
from social_market.demo.wishes import generate_wishes
from social_market.migrations import check_schema
from social_market.models import User
from social_market.services import notifications, recommendations, search


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill the database with a demo community.")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--if-empty", action="store_true", help="do nothing if there are users")
    parser.add_argument("--no-avatars", action="store_true")
    parser.add_argument(
        "--listings-per-shop", type=int, default=4, help="0: people only, no marketplace"
    )
    args = parser.parse_args(argv)
    check_schema(get_engine())
    with session_scope() as session:
        if args.if_empty and session.exec(select(User.id).limit(1)).first() is not None:
            print("Demo data: the database already has people; leaving it as it is.")
            return 0
        summary = generate(
            session, users=args.users, seed=args.seed, with_avatars=not args.no_avatars
        )
        market = None
        if args.listings_per_shop > 0:
            buyers = [u for u in summary.user_ids if u not in set(summary.maker_ids)]
            market = generate_market(
                session,
                maker_ids=summary.maker_ids,
                buyer_ids=buyers,
                seed=args.seed,
                listings_per_shop=args.listings_per_shop,
            )
            search.refresh_common_terms(session)
            social = generate_social(
                session,
                user_ids=summary.user_ids,
                maker_ids=summary.maker_ids,
                shop_ids=market.shop_ids,
                seed=args.seed,
            )
            review_count = generate_reviews(
                session, buyer_ids=buyers, shop_ids=market.shop_ids, seed=args.seed
            )
            offer_count = generate_offers(session, shop_ids=market.shop_ids, seed=args.seed)
            list_count = generate_lists(
                session, user_ids=summary.user_ids, shop_ids=market.shop_ids, seed=args.seed
            )
            wish_count = generate_wishes(
                session, user_ids=summary.user_ids, shop_ids=market.shop_ids, seed=args.seed
            )
            points = generate_rewards(
                session, user_ids=summary.user_ids, shop_ids=market.shop_ids, seed=args.seed
            )
            groups = generate_group_orders(
                session, buyer_ids=buyers, listing_ids=market.listing_ids, seed=args.seed
            )
            team_count = generate_teams(session, user_ids=summary.user_ids, seed=args.seed)
            # Last: the makers' listening inboxes (their hooks ran with everything above).
            listening_count = generate_listening(
                session, buyer_ids=buyers, shop_ids=market.shop_ids, seed=args.seed
            )
        moderator = add_moderator(session)
    notifications.wait_for_fan_out()  # special offers reach followers after commit
    # As the nightly job would: "people with your taste also loved…" on first start.
    computed = recommendations.compute(get_engine()) if market is not None else {}
    print(f"Demo data: {len(summary.user_ids)} people ({len(summary.maker_ids)} makers).")
    if market is not None:
        print(f"  {len(market.shop_ids)} shops, {len(market.listing_ids)} listings.")
        print(
            f"  {social.follows} follows, {social.posts} posts, {social.shares} shared"
            f" purchases, {social.comments} comments, {social.conversations} conversations,"
            f" {review_count} reviews, {offer_count} flash offers, {list_count} curated lists,"
            f" {wish_count} wishes."
        )
        print(
            f"  {points.entries} reward points entries, {points.vouchers} vouchers,"
            f" {points.claims} claimed."
        )
        print(
            f"  group prices on {groups.tiered_listings} listings,"
            f" {len(groups.open_ids or [])} open and {len(groups.reached_ids or [])} reached"
            " group orders."
        )
        print(f"  {team_count} teams with forum threads.")
        print(f"  {listening_count} things said in the makers' listening inboxes.")
        print(f"  recommendations computed for {computed.get('users', 0)} people.")
    for handle, email, *_ in NAMED:
        print(f"  sign in as {email} / {DEMO_PASSWORD}   (profile /u/{handle})")
    if moderator is not None:
        print(f"  moderator: {MODERATOR[1]} / {DEMO_PASSWORD}   (queue at /moderation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
