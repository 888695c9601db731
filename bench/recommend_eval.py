"""Offline evaluation of the recommender: does it find what people would love?

    .venv/bin/python bench/recommend_eval.py [--small] [--seed N]

Builds its own marketplace in a private SQLite database (demo/bulk.py: people, shops,
listings) and plants five taste groups over the top-level categories (jewellery,
clothing, home: ceramics and linen, art, toys). Each person belongs to one group (one
in five to a second one too) and loves 8–60 listings: mostly their group's, where a
few pieces are much more loved than the rest, some bestsellers that every group
loves, and some noise from anywhere. Some of the loved pieces are bought (and some
of those reviewed with 4–5 stars), people follow others (mostly of their group), and
some say "not interested" to pieces of other groups.

Then 20% of each person's favourites are hidden, ``recommendations.compute`` runs on
the rest, and the top 10 stored recommendations of everyone with at least five
favourites are scored against the hidden ones, beside two baselines that get the
same data and the same exclusions (own favourites, purchases, dismissals, own shop):
- popularity: the ten most loved active listings;
- random: ten random active listings.

Reports precision@10 and recall@10 of each, averaged over people (recall against
the person's hidden favourites). Target: precision@10 at least 2× popularity's.
For scale, an *oracle* that knows everyone's planted groups and the plant's
probabilities ranks by them: no recommender can expect to do better on this data
(precision is bounded by how many favourites are hidden, about four each, and by how
flat the taste within a group is), so ``share_of_oracle`` says how much is left.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from common import analyze, emit, private_environment

TARGET_RATIO = 2.0
GROUPS = {"jewellery": 1, "clothing": 2, "ceramics & linen": 3, "art": 4, "toys": 5}
K = 10


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sqlite_engine(prefix: str):
    from social_market import migrations
    from social_market.db import make_engine

    path = Path(tempfile.mkdtemp(prefix=prefix)) / "bench.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(url)
    return make_engine(url)


def listing_table(engine) -> dict[str, np.ndarray]:
    """id, shop id, owner, top-level category, price and whether active, by listing."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.id, l.shop_id, s.owner_id, l.category_id, l.price_cents,"
                " CASE WHEN l.state = 'active' THEN 1 ELSE 0 END"
                " FROM listing l JOIN shop s ON s.id = l.shop_id ORDER BY l.id"
            )
        ).all()
    a = np.array(rows, dtype=np.int64)
    top = np.where(a[:, 3] >= 100, a[:, 3] // 100, a[:, 3])
    return {
        "id": a[:, 0],
        "shop": a[:, 1],
        "owner": a[:, 2],
        "category": a[:, 3],
        "top": top,
        "price": a[:, 4],
        "active": a[:, 5] == 1,
    }


def write_interactions(
    engine,
    listings: dict[str, np.ndarray],
    *,
    favourites: np.ndarray,
    purchases: np.ndarray,
    good_reviews: np.ndarray,
    follows: np.ndarray,
    dismissed: np.ndarray,
) -> None:
    """Insert (person, listing) favourites, purchases (one delivered order each),
    4–5 star reviews of the purchases at ``good_reviews`` (indexes), (follower, followee)
    follows and (person, listing) "not interested", with the bare driver (demo/bulk.py)."""
    from social_market.demo import bulk

    sqlite = engine.dialect.name == "sqlite"
    now = datetime(2026, 11, 1, tzinfo=UTC)
    at = bulk._fmt(now, sqlite)
    row_of = {int(lid): i for i, lid in enumerate(listings["id"].tolist())}
    rnd = random.Random(11)

    bulk._Rows(engine, "favourite_listing", "user_id listing_id created_at").write(
        (int(u), int(listing), at) for u, listing in favourites.tolist()
    )
    if len(purchases):

        def orders():
            for n, (buyer, lid) in enumerate(purchases.tolist(), start=1):
                i = row_of[lid]
                cents = int(listings["price"][i])
                yield (
                    n, f"SM-B{n:08d}", f"bench{n}", buyer, int(listings["shop"][i]), "delivered",
                    "bank_transfer", "EUR", cents, 490, cents + 490, "B", "Weg 1", "", "10115",
                    "Berlin", "DE", "Shop", "IBAN", "", "", at, at, at, at, at,
                )  # fmt: skip

        bulk._Rows(
            engine,
            "shop_order",
            "id reference checkout_id buyer_id shop_id status payment_method currency "
            "items_cents shipping_cents total_cents ship_name ship_line1 ship_line2 "
            "ship_postcode ship_city ship_country shop_name payment_details tracking_number "
            "cancel_reason placed_at paid_at shipped_at delivered_at updated_at",
        ).write(orders())

        def lines():
            for n, (_buyer, lid) in enumerate(purchases.tolist(), start=1):
                cents = int(listings["price"][row_of[lid]])
                yield (n, n, lid, f"Piece {lid}", None, cents, 1, cents, False, None)

        bulk._Rows(
            engine,
            "order_line",
            "id order_id listing_id title photo_key unit_price_cents quantity "
            "line_total_cents made_to_order lead_time_days",
        ).write(lines())

        def reviews():
            for n in good_reviews.tolist():
                buyer, lid = purchases[n].tolist()
                shop = int(listings["shop"][row_of[lid]])
                rating = rnd.choice((4, 5, 5))
                yield (n + 1, n + 1, lid, shop, buyer, rating, "Lovely", at, "", 0)

        bulk._Rows(
            engine,
            "review",
            "order_line_id order_id listing_id shop_id author_id rating body created_at "
            "reply_body helpful_count",
        ).write(reviews())
    bulk._Rows(engine, "follow", "follower_id followee_id created_at").write(
        (int(a), int(b), at) for a, b in follows.tolist()
    )
    bulk._Rows(engine, "not_interested", "user_id listing_id created_at").write(
        (int(u), int(listing), at) for u, listing in dismissed.tolist()
    )
    from sqlalchemy import text

    with engine.begin() as conn:
        # The home page's "most loved" (and the never-computed fallback) read this count.
        conn.execute(
            text(
                "UPDATE listing SET favourite_count = (SELECT count(*) FROM favourite_listing f"
                " WHERE f.listing_id = listing.id)"
            )
        )
        if engine.dialect.name == "postgresql":
            for table in ("shop_order", "order_line"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
    analyze(
        engine,
        (
            "listing",
            "favourite_listing",
            "shop_order",
            "order_line",
            "review",
            "follow",
            "not_interested",
        ),
    )


def _plant(listings: dict[str, np.ndarray], users: int, shops: int, seed: int) -> dict:
    """Everyone's loved pieces, by taste group; returns what to write and what to hide."""
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    active_ids = listings["id"][listings["active"]]
    active_top = listings["top"][listings["active"]]
    by_group = {}
    for name, top in GROUPS.items():
        ids = active_ids[active_top == top].copy()
        rng.shuffle(ids)
        # A few pieces of each group are much more loved than the rest (Zipf-like).
        weights = 1.0 / (np.arange(len(ids)) + 5.0)
        by_group[name] = (ids, weights / weights.sum())
    bestsellers = rng.choice(active_ids, size=30, replace=False)
    names = list(GROUPS)
    member: dict[int, list[str]] = {}
    loved: dict[int, list[int]] = {}
    for person in range(1, users + 1):
        groups = [rnd.choice(names)]
        if rnd.random() < 0.2:
            groups.append(rnd.choice([n for n in names if n != groups[0]]))
        member[person] = groups
        n = int(np.clip(rng.lognormal(3.0, 0.6), 8, 60))
        picks: set[int] = set()
        while len(picks) < n:
            roll = rnd.random()
            if roll < 0.75:
                ids, w = by_group[rnd.choice(groups) if rnd.random() < 0.8 else groups[0]]
                picks.add(int(rng.choice(ids, p=w)))
            elif roll < 0.88:
                picks.add(int(rnd.choice(bestsellers)))
            else:
                picks.add(int(rnd.choice(active_ids)))
        loved[person] = sorted(picks)
    favourites, purchases, hidden = [], [], {}
    for person, items in loved.items():
        items = list(items)
        rnd.shuffle(items)
        bought = items[: rnd.randint(0, 3)]
        faves = items[len(bought) :]
        n_hide = round(0.2 * len(faves)) if len(faves) >= 5 else 0
        hidden[person] = set(faves[:n_hide])
        favourites += [(person, lid) for lid in faves[n_hide:]]
        purchases += [(person, lid) for lid in bought]
    good_reviews = np.array(
        [i for i in range(len(purchases)) if rnd.random() < 0.5], dtype=np.int64
    )
    follows = set()
    people_of = {name: [p for p in member if name in member[p]] for name in names}
    for person, groups in member.items():
        for _ in range(rnd.randint(3, 15)):
            pool = people_of[groups[0]] if rnd.random() < 0.7 else range(1, users + 1)
            other = rnd.choice(pool)
            if other != person:
                follows.add((person, other))
    dismissed = set()
    for person, groups in member.items():
        if rnd.random() < 0.1:
            others = [n for n in names if n not in groups]
            ids, w = by_group[rnd.choice(others)]
            for lid in rng.choice(ids, size=2, p=w).tolist():
                dismissed.add((person, int(lid)))
    return {
        "favourites": np.array(favourites, dtype=np.int64),
        "purchases": np.array(purchases, dtype=np.int64).reshape(-1, 2),
        "good_reviews": good_reviews,
        "follows": np.array(sorted(follows), dtype=np.int64).reshape(-1, 2),
        "dismissed": np.array(sorted(dismissed), dtype=np.int64).reshape(-1, 2),
        "hidden": hidden,
        "shops": shops,
        "oracle": _oracle(member, by_group, bestsellers, active_ids),
    }


def _oracle(member, by_group, bestsellers, active_ids) -> dict[int, list[tuple[float, int]]]:
    """Each person's listings by the probability the plant gave them (the best any
    recommender could do on this data, knowing everyone's groups): top 200."""
    out = {}
    base = {int(lid): 0.12 / len(active_ids) for lid in active_ids.tolist()}
    for lid in bestsellers.tolist():
        base[int(lid)] += 0.13 / len(bestsellers)
    for person, groups in member.items():
        p = dict(base)
        shares = {groups[0]: 1.0} if len(groups) == 1 else {groups[0]: 0.6, groups[1]: 0.4}
        for name, share in shares.items():
            ids, w = by_group[name]
            for lid, wi in zip(ids.tolist(), w.tolist(), strict=True):
                p[lid] += 0.75 * share * wi
        out[person] = sorted(((-v, lid) for lid, v in p.items()))[:200]
    return out


def _score(lists: dict[int, list[int]], hidden: dict[int, set[int]]) -> dict:
    precision, recall = [], []
    for person, want in hidden.items():
        got = lists.get(person, [])[:K]
        hits = len(want.intersection(got))
        precision.append(hits / K)
        recall.append(hits / len(want))
    return {
        "precision_at_10": round(float(np.mean(precision)), 4),
        "recall_at_10": round(float(np.mean(recall)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    private_environment()
    from sqlalchemy import text

    from social_market.demo import bulk
    from social_market.services import recommendations

    users, shops, n_listings = (800, 150, 3_000) if args.small else (3_000, 500, 12_000)
    started = time.perf_counter()
    engine = sqlite_engine("sm-bench-receval-")
    bulk.build(engine, shops=shops, listings=n_listings, users=users, seed=args.seed)
    listings = listing_table(engine)
    plan = _plant(listings, users, shops, args.seed)
    write_interactions(
        engine,
        listings,
        favourites=plan["favourites"],
        purchases=plan["purchases"],
        good_reviews=plan["good_reviews"],
        follows=plan["follows"],
        dismissed=plan["dismissed"],
    )
    build_s = time.perf_counter() - started
    _log(f"built in {build_s:.1f} s: {len(plan['favourites'])} favourites kept")

    run = recommendations.compute(engine)
    _log(f"computed: {run}")
    hidden = {p: h for p, h in plan["hidden"].items() if h}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT user_id, listing_id, reason FROM recommendation"
                " WHERE rank < :k ORDER BY user_id, rank"
            ),
            {"k": K},
        ).all()
    served: dict[int, list[int]] = {}
    reasons: dict[str, int] = {}
    for uid, lid, reason in rows:
        served.setdefault(uid, []).append(lid)
        if uid in hidden:
            reasons[reason] = reasons.get(reason, 0) + 1

    # Baselines on the same data with the same exclusions.
    rnd = random.Random(args.seed)
    train: dict[int, set[int]] = {}
    for table in ("favourites", "purchases", "dismissed"):
        for uid, lid in plan[table].tolist():
            train.setdefault(uid, set()).add(lid)
    counts: dict[int, int] = {}
    for table in ("favourites", "purchases"):
        for _uid, lid in plan[table].tolist():
            counts[lid] = counts.get(lid, 0) + 1
    active = set(listings["id"][listings["active"]].tolist())
    owner = dict(zip(listings["id"].tolist(), listings["owner"].tolist(), strict=True))
    ranked = sorted((lid for lid in counts if lid in active), key=lambda x: (-counts[x], x))
    active_list = sorted(active)
    popular_lists, random_lists, oracle_lists = {}, {}, {}
    for person in hidden:
        seen = train.get(person, set())
        popular_lists[person] = [
            lid for lid in ranked[: K + len(seen) + 50] if lid not in seen and owner[lid] != person
        ][:K]
        picks: list[int] = []
        while len(picks) < K:
            lid = rnd.choice(active_list)
            if lid not in seen and owner[lid] != person and lid not in picks:
                picks.append(lid)
        random_lists[person] = picks
        oracle_lists[person] = [
            lid for _, lid in plan["oracle"][person] if lid not in seen and owner[lid] != person
        ][:K]

    ours = _score(served, hidden)
    popularity = _score(popular_lists, hidden)
    rand = _score(random_lists, hidden)
    oracle = _score(oracle_lists, hidden)
    ratio = ours["precision_at_10"] / max(popularity["precision_at_10"], 1e-9)
    total = sum(reasons.values()) or 1
    emit(
        {
            "bench": "recommend_eval",
            "size": {
                "users": users,
                "shops": shops,
                "listings": n_listings,
                "favourites_kept": len(plan["favourites"]),
                "purchases": len(plan["purchases"]),
                "follows": len(plan["follows"]),
                "not_interested": len(plan["dismissed"]),
                "people_evaluated": len(hidden),
                "hidden_favourites": sum(len(h) for h in hidden.values()),
            },
            "recommender": ours,
            "popularity": popularity,
            "random": rand,
            "oracle": oracle,
            "share_of_oracle": round(
                ours["precision_at_10"] / max(oracle["precision_at_10"], 1e-9), 2
            ),
            "ratio_to_popularity": round(ratio, 2),
            "top10_reasons": {k: round(v / total, 3) for k, v in sorted(reasons.items())},
            "compute_s": run.get("seconds"),
            "build_s": round(build_s, 1),
            "target": {"precision_ratio_to_popularity": TARGET_RATIO},
            "met": ratio >= TARGET_RATIO,
        }
    )


if __name__ == "__main__":
    main()
