"""The recommendation job: reads everyone's interactions, computes with numpy and
scipy, writes the stored rows. The design is explained in services/recommendations.py
(the serving side, which never imports numpy: web workers only read stored rows).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sqlalchemy import delete, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from social_market.models import (
    Recommendation,
    RecommendationDirty,
    RecommendationRun,
    TasteNeighbour,
    utcnow,
)
from social_market.models.social import FOLLOWERS
from social_market.services.ids import as_id, id_in
from social_market.services.recommendations import (
    _ACTIVE,
    _FETCH,
    _LOCK_KEY,
    _OTHER,
    CHUNK_CELLS,
    DISMISS_PENALTY,
    FRIENDS_NAMED,
    GOOD_RATING,
    MAX_INCREMENTAL,
    MAX_NETWORK,
    MAX_WEIGHT,
    NEIGHBOURS,
    NETWORK,
    NETWORK_EVERY,
    PER_USER,
    POPULAR,
    POPULAR_POOL,
    STORED_NEIGHBOURS,
    TASTE,
    WEIGHT_FAVOURITE,
    WEIGHT_GOOD_REVIEW,
    WEIGHT_PURCHASE,
)

log = logging.getLogger(__name__)


Source = Engine | Session | Callable[[], contextlib.AbstractContextManager[Session]]


@contextlib.contextmanager
def _session(source: Source, *, write: bool) -> Iterator[Session]:
    """A session from an engine (committed when writing), a given session (the caller
    commits: tests), or a factory such as ``db.session_scope``."""
    if isinstance(source, Session):
        yield source
        if write:
            source.flush()
    elif isinstance(source, Engine):
        with Session(source, expire_on_commit=False) as session:
            yield session
            if write:
                session.commit()
    else:
        with source() as session:
            yield session


@contextlib.contextmanager
def _run_lock(source: Source) -> Iterator[bool]:
    """On PostgreSQL with an engine: one run at a time across app workers."""
    if not isinstance(source, Engine) or source.dialect.name != "postgresql":
        yield True
        return
    with source.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar()
        conn.commit()
        try:
            yield bool(got)
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()


def compute(source: Source, *, user_ids: object = None) -> dict:
    """Compute and store recommendations and taste neighbours.

    ``user_ids`` None: a full run for everybody. Otherwise an incremental run for those
    people only (still against everyone's interactions). Either way the people computed
    leave the dirty set, unless they changed again after the data was read.

    Returns figures: people computed, rows written, seconds (load, model, write).
    """
    with _run_lock(source) as locked:
        if not locked:
            return {"skipped": "another run is in progress"}
        return _compute(source, user_ids)


def compute_dirty(source: Source) -> dict:
    """The incremental job: recompute the people marked dirty (a full run when there
    are very many of them)."""
    with _session(source, write=False) as session:
        ids = list(session.exec(select(RecommendationDirty.user_id).limit(MAX_INCREMENTAL + 1)))
    if not ids:
        return {"incremental": True, "users": 0}
    return compute(source, user_ids=None if len(ids) > MAX_INCREMENTAL else ids)


def _compute(source: Source, user_ids: object) -> dict:
    started_at = utcnow()
    t0 = time.perf_counter()
    incremental = user_ids is not None
    wanted: list[int] = []
    if incremental:
        if not isinstance(user_ids, list | tuple | set | frozenset):
            raise TypeError("user_ids must be a collection of ids")
        wanted = sorted({i for i in (as_id(u) for u in user_ids) if i is not None})
    with _session(source, write=False) as session:
        data = _load(session.connection())
    t1 = time.perf_counter()
    if incremental:
        known = np.asarray([u for u in wanted if u < data.n_users], dtype=np.int64)
        targets = known[data.active_user[known]] if known.size else known
    else:
        targets = np.flatnonzero(data.active_user)
    recs, neighbours = _recommend(data, targets, started_at)
    t2 = time.perf_counter()
    with _session(source, write=True) as session:
        conn = session.connection()
        if incremental:
            for part in range(0, len(wanted), 5_000):
                ids = wanted[part : part + 5_000]
                for model in (Recommendation, TasteNeighbour):
                    conn.execute(delete(model).where(id_in(session, model.user_id, ids)))  # type: ignore[attr-defined]
                conn.execute(
                    delete(RecommendationDirty).where(
                        id_in(session, RecommendationDirty.user_id, ids),
                        RecommendationDirty.since <= started_at,  # type: ignore[operator]
                    )
                )
        else:
            conn.execute(delete(Recommendation))
            conn.execute(delete(TasteNeighbour))
            conn.execute(delete(RecommendationDirty).where(RecommendationDirty.since <= started_at))  # type: ignore[operator]
        _insert(
            conn,
            "recommendation",
            "user_id listing_id rank score reason anchor_listing_id support friend_ids computed_at",
            recs,
        )
        _insert(conn, "taste_neighbour", "user_id neighbour_id score shared", neighbours)
        seconds = time.perf_counter() - t0
        session.add(
            RecommendationRun(
                started_at=started_at,
                finished_at=utcnow(),
                incremental=incremental,
                users=len(targets),
                seconds=round(seconds, 3),
            )
        )
    t3 = time.perf_counter()
    result = {
        "incremental": incremental,
        "users": len(targets),
        "recommendations": len(recs),
        "neighbours": len(neighbours),
        "load_s": round(t1 - t0, 3),
        "model_s": round(t2 - t1, 3),
        "write_s": round(t3 - t2, 3),
        "seconds": round(t3 - t0, 3),
    }
    log.info("recommendations: %s", result)
    return result


# --- loading ------------------------------------------------------------------------


@dataclass
class _Data:
    n_users: int
    n_items: int
    active_user: np.ndarray  # bool per user id: not deleted, not suspended
    item_state: np.ndarray  # int8 per listing id: _ACTIVE, _SOLD_OUT or _OTHER
    owner: np.ndarray  # int64 per listing id: its shop's owner (0: none)
    weights: sp.csr_array  # people × listings: favourite 1, purchase 2, good review +1
    favourites: sp.csr_array  # people × listings, 1 = favourited
    dismissed: sp.csr_array  # people × listings, 1 = not interested
    follows: sp.csr_array  # people × people they follow and may hear from
    shown: sp.csr_array  # people × listings their followers may see they loved
    blocked: dict[int, np.ndarray]  # person → people blocked either way


def _rows(conn: Connection, sql: str, width: int) -> np.ndarray:
    """All rows of an all-integer query as an (n, width) int64 array, fetched in parts
    (a server-side cursor on PostgreSQL, so the driver never holds them all)."""
    # The bare driver cursor, in the connection's transaction: plain tuples, no Row
    # objects (a million of them would cost more than the query).
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cur = driver.cursor(name="recommendations_load")  # type: ignore[union-attr]
    else:
        cur = driver.cursor()  # type: ignore[union-attr]
    parts = []
    try:
        cur.execute(sql)
        while chunk := cur.fetchmany(_FETCH):
            parts.append(np.array(chunk, dtype=np.int64).reshape(-1, width))
    finally:
        cur.close()
    return np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.int64)


def _matrix(pairs: np.ndarray, shape: tuple[int, int], values: np.ndarray | float = 1.0):
    data = np.full(len(pairs), values, dtype=np.float32)
    m = sp.coo_array((data, (pairs[:, 0], pairs[:, 1])), shape=shape).tocsr()
    m.sum_duplicates()
    return m


def _binary(m: sp.csr_array) -> sp.csr_array:
    out = m.copy()
    out.data[:] = 1.0
    out.eliminate_zeros()
    return out


def _load(conn: Connection) -> _Data:
    users = _rows(
        conn,
        "SELECT id, privacy_favourites,"
        " CASE WHEN deleted_at IS NULL AND suspended_at IS NULL THEN 1 ELSE 0 END"
        " FROM user_account",
        3,
    )
    listings = _rows(
        conn,
        "SELECT l.id, CASE l.state WHEN 'active' THEN 1 WHEN 'sold_out' THEN 2 ELSE 0 END,"
        " s.owner_id FROM listing l JOIN shop s ON s.id = l.shop_id",
        3,
    )
    n_users = int(users[:, 0].max()) + 1 if len(users) else 1
    n_items = int(listings[:, 0].max()) + 1 if len(listings) else 1
    active_user = np.zeros(n_users, dtype=bool)
    active_user[users[:, 0]] = users[:, 2] == 1
    shows_followers = np.zeros(n_users, dtype=bool)
    shows_followers[users[:, 0]] = users[:, 1] >= FOLLOWERS
    item_state = np.zeros(n_items, dtype=np.int8)
    item_state[listings[:, 0]] = listings[:, 1]
    owner = np.zeros(n_items, dtype=np.int64)
    owner[listings[:, 0]] = listings[:, 2]

    def of_active(pairs: np.ndarray) -> np.ndarray:
        return pairs[active_user[pairs[:, 0]]] if len(pairs) else pairs

    shape = (n_users, n_items)
    fav = of_active(_rows(conn, "SELECT user_id, listing_id FROM favourite_listing", 2))
    bought = of_active(
        _rows(
            conn,
            "SELECT o.buyer_id, ol.listing_id FROM order_line ol"
            " JOIN shop_order o ON o.id = ol.order_id"
            " WHERE o.status <> 'cancelled' AND ol.listing_id IS NOT NULL",
            2,
        )
    )
    reviewed = of_active(
        _rows(
            conn,
            "SELECT author_id, listing_id FROM review"  # noqa: S608 - a constant
            f" WHERE rating >= {GOOD_RATING} AND hidden_at IS NULL",
            2,
        )
    )
    shared = of_active(
        _rows(
            conn,
            "SELECT user_id, listing_id FROM shared_purchase"
            " WHERE listing_id IS NOT NULL AND audience >= 1",
            2,
        )
    )
    dismissed = of_active(_rows(conn, "SELECT user_id, listing_id FROM not_interested", 2))
    follows = _rows(conn, "SELECT follower_id, followee_id FROM follow", 2)
    blocks = _rows(conn, "SELECT blocker_id, blocked_id FROM block", 2)
    mutes = _rows(conn, "SELECT muter_id, muted_id FROM mute", 2)

    weights = (
        _matrix(fav, shape, WEIGHT_FAVOURITE)
        + _binary(_matrix(bought, shape)) * WEIGHT_PURCHASE
        + _binary(_matrix(reviewed, shape)) * WEIGHT_GOOD_REVIEW
    ).tocsr()
    np.minimum(weights.data, MAX_WEIGHT, out=weights.data)
    favourites = _matrix(fav, shape)
    # What followers may see someone loved: favourites (when shown to followers),
    # purchases they shared, good reviews (public anyway). Never plain purchases.
    visible_fav = fav[shows_followers[fav[:, 0]]] if len(fav) else fav
    shown = _binary(_matrix(np.concatenate([visible_fav, shared, reviewed]), shape))

    # Follows one may hear from: both active, not blocked either way, not muted.
    hidden_pairs = set()
    for a, b in blocks.tolist():
        hidden_pairs.update(((a, b), (b, a)))
    for a, b in mutes.tolist():
        hidden_pairs.add((a, b))
    if len(follows):
        ok = active_user[follows[:, 0]] & active_user[follows[:, 1]]
        if hidden_pairs:
            ok &= np.fromiter(
                ((a, b) not in hidden_pairs for a, b in follows.tolist()),
                dtype=bool,
                count=len(follows),
            )
        follows = follows[ok]
    blocked: dict[int, set[int]] = {}
    for a, b in blocks.tolist():
        blocked.setdefault(a, set()).add(b)
        blocked.setdefault(b, set()).add(a)
    return _Data(
        n_users=n_users,
        n_items=n_items,
        active_user=active_user,
        item_state=item_state,
        owner=owner,
        weights=weights,
        favourites=favourites,
        dismissed=_binary(_matrix(dismissed, shape)),
        follows=_binary(_matrix(follows, (n_users, n_users))),
        shown=shown,
        blocked={k: np.fromiter(v, dtype=np.int64) for k, v in blocked.items()},
    )


# --- the model ----------------------------------------------------------------------


def _recommend(data: _Data, targets: np.ndarray, now: datetime) -> tuple[list, list]:
    """Recommendation and taste-neighbour rows for ``targets`` (people ids)."""
    weights, dismissed = data.weights, data.dismissed
    loved = _binary(weights)  # people × listings, 1 = loved in some way
    loved_t = loved.T.tocsr()  # listings × people: who loved it
    lovers = np.asarray(loved.sum(axis=0)).ravel()
    people = max(1, int(data.active_user.sum()))
    rarity = np.log1p(people / np.maximum(lovers, 1)).astype(np.float32)
    taste = ((weights - dismissed) @ sp.diags_array(rarity)).tocsr()
    norms = np.sqrt(np.asarray(taste.multiply(taste).sum(axis=1)).ravel())
    taste = (sp.diags_array(1 / np.maximum(norms, 1e-9).astype(np.float32)) @ taste).tocsr()
    taste_t = taste.T.tocsr()
    # Damping by "not interested": per dismissed listing, 1 / its lovers.
    dismissed_share = (dismissed @ sp.diags_array(1 / np.maximum(lovers, 1))).tocsr()
    shown_t = data.shown.T.tocsr()

    is_active = data.item_state == _ACTIVE
    anchor_ok = data.item_state != _OTHER
    order = np.lexsort((-np.arange(data.n_items), -lovers))
    popular = order[is_active[order] & (lovers[order] > 0)][:POPULAR_POOL]
    if len(popular) < POPULAR_POOL:  # nothing loved yet: newest active listings
        rest = np.flatnonzero(is_active)[::-1]
        popular = np.concatenate([popular, rest[~np.isin(rest, popular)]])[:POPULAR_POOL]

    stamp = now
    tie_scale = float(lovers.max(initial=0)) + 1.0  # popularity breaks network ties
    recs: list[tuple] = []
    neighbour_rows: list[tuple] = []
    seen = np.zeros(data.n_items, dtype=bool)  # the person's own and dismissed listings
    following = np.zeros(data.n_users, dtype=bool)  # whom the person follows
    n_users = data.n_users
    chunk = max(1, CHUNK_CELLS // max(n_users, 1))
    k = min(NEIGHBOURS, max(n_users - 1, 1))
    for start in range(0, len(targets), chunk):
        rows = targets[start : start + chunk]
        n = len(rows)
        sims = (taste[rows] @ taste_t).toarray()
        sims[np.arange(n), rows] = 0.0
        top = np.argpartition(sims, -k, axis=1)[:, -k:]
        top_sims = np.take_along_axis(sims, top, axis=1)
        del sims
        keep = top_sims > 1e-6
        nbrs = sp.csr_array(
            (top_sims[keep], top[keep], np.concatenate([[0], np.cumsum(keep.sum(axis=1))])),
            shape=(n, n_users),
        )
        votes = (nbrs @ weights).tocsr()
        votes.sort_indices()
        vote_norm = np.asarray(nbrs.sum(axis=1)).ravel()
        chunk_dismissed = dismissed_share[rows]
        damp = ((chunk_dismissed @ loved_t) @ loved).tocsr() if chunk_dismissed.nnz else None
        network = (data.follows[rows] @ data.shown).tocsr()
        network.sort_indices()
        neighbour_rows.extend(_neighbour_rows(data, rows, top, top_sims, keep))

        for r, user in enumerate(rows.tolist()):
            own = loved.indices[loved.indptr[user] : loved.indptr[user + 1]]
            gone = dismissed.indices[dismissed.indptr[user] : dismissed.indptr[user + 1]]
            seen[own] = True
            seen[gone] = True
            bad_owners = data.blocked.get(user)

            def allowed(cols: np.ndarray, user=user, bad_owners=bad_owners) -> np.ndarray:
                mask = is_active[cols] & ~seen[cols]
                owners = data.owner[cols]
                mask &= owners != user
                if bad_owners is not None:
                    mask &= ~np.isin(owners, bad_owners)
                return mask

            # Taste: what the neighbours loved, damped by "not interested".
            lo, hi = votes.indptr[r], votes.indptr[r + 1]
            cols, vals = votes.indices[lo:hi], votes.data[lo:hi] / max(vote_norm[r], 1e-9)
            if damp is not None and gone.size and cols.size:
                d_cols = damp.indices[damp.indptr[r] : damp.indptr[r + 1]]
                d_vals = damp.data[damp.indptr[r] : damp.indptr[r + 1]]
                dv = np.zeros(cols.size, dtype=np.float32)
                pos = np.minimum(np.searchsorted(cols, d_cols), cols.size - 1)
                hit = cols[pos] == d_cols
                dv[pos[hit]] = d_vals[hit]
                vals = vals * (1 - DISMISS_PENALTY * np.minimum(dv, 1.0))
            mask = allowed(cols) & (vals > 0)
            cols, vals = cols[mask], vals[mask]
            best = _top(cols, vals, PER_USER)
            taste_items = [(int(cols[i]), float(vals[i])) for i in best]
            anchors = _anchors(loved_t, own[anchor_ok[own]], [j for j, _ in taste_items])

            # Network: what people one follows loved, most of them first.
            lo, hi = network.indptr[r], network.indptr[r + 1]
            ncols, nvals = network.indices[lo:hi], network.data[lo:hi]
            mask = allowed(ncols)
            ncols, nvals = ncols[mask], nvals[mask]
            # Ties (mostly one friend each) go to what suits the person's taste best.
            affinity = np.zeros(ncols.size, dtype=np.float32)
            if cols.size and ncols.size:
                pos = np.minimum(np.searchsorted(cols, ncols), cols.size - 1)
                hit = cols[pos] == ncols
                affinity[hit] = vals[pos[hit]]
            key = nvals + affinity / (MAX_WEIGHT + 1) + lovers[ncols] / tie_scale / 1000
            nbest = _top(ncols, key, MAX_NETWORK)
            followed = data.follows.indices[
                data.follows.indptr[user] : data.follows.indptr[user + 1]
            ]
            following[followed] = True
            net: dict[int, tuple[int, str]] = {}
            for i in nbest:
                j = int(ncols[i])
                lovers_j = shown_t.indices[shown_t.indptr[j] : shown_t.indptr[j + 1]]
                who = lovers_j[following[lovers_j]]
                net[j] = (len(who), ",".join(str(f) for f in who[:FRIENDS_NAMED].tolist()))
            following[followed] = False

            picked = _mix(taste_items, list(net), anchors, net)
            rank = len(picked)
            if rank < PER_USER:
                taken = {row[0] for row in picked}
                fill = popular[allowed(popular)]
                for j in fill.tolist():
                    if rank >= PER_USER:
                        break
                    if j not in taken:
                        picked.append((j, float(lovers[j]), POPULAR, None, int(lovers[j]), ""))
                        rank += 1
            recs.extend(
                (user, j, i, round(score, 6), reason, anchor, support, friends, stamp)
                for i, (j, score, reason, anchor, support, friends) in enumerate(picked)
            )
            seen[own] = False
            seen[gone] = False
    return recs, neighbour_rows


def _top(cols: np.ndarray, vals: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` best values, best first (ties: lower listing id)."""
    part = np.argpartition(-vals, n)[:n] if cols.size > n else np.arange(cols.size)
    return part[np.lexsort((cols[part], -vals[part]))]


def _anchors(loved_t: sp.csr_array, own: np.ndarray, items: list[int]) -> dict[int, tuple]:
    """For each recommended listing: the person's own listing most loved together with
    it, and by how many people (item–item co-occurrence, only for these pairs)."""
    if not items or not own.size:
        return {}
    together = (loved_t[own] @ loved_t[np.asarray(items)].T).toarray()
    best = together.argmax(axis=0)
    counts = together[best, np.arange(len(items))]
    return {j: (int(own[b]), int(c)) for j, b, c in zip(items, best, counts, strict=True) if c > 0}


def _mix(
    taste: list[tuple[int, float]],
    network: list[int],
    anchors: dict[int, tuple],
    net: dict[int, tuple[int, str]],
) -> list[tuple]:
    """Taste first, every third place for the network; a listing both hold is
    explained by the network. Rows: (listing, score, reason, anchor, support, friends)."""
    out: list[tuple] = []
    taken: set[int] = set()
    ti = ni = 0
    while len(out) < PER_USER and (ti < len(taste) or ni < len(network)):
        if ni < len(network) and (
            ti >= len(taste) or len(out) % NETWORK_EVERY == NETWORK_EVERY - 1
        ):
            j, score = network[ni], float(net[network[ni]][0])
            ni += 1
        else:
            j, score = taste[ti]
            ti += 1
        if j in taken:
            continue
        taken.add(j)
        if j in net:
            count, friends = net[j]
            out.append((j, score, NETWORK, None, count, friends))
        else:
            anchor, support = anchors.get(j, (None, 0))
            out.append((j, score, TASTE, anchor, support, ""))
    return out


def _neighbour_rows(data, rows, top, top_sims, keep) -> list[tuple]:
    """The closest ``STORED_NEIGHBOURS`` of each person, with favourites in common."""
    out_users, out_nbrs, out_scores = [], [], []
    for r, user in enumerate(rows.tolist()):
        ok = keep[r]
        cand, scores = top[r][ok], top_sims[r][ok]
        best = np.lexsort((cand, -scores))[:STORED_NEIGHBOURS]
        out_users.extend([user] * len(best))
        out_nbrs.extend(cand[best].tolist())
        out_scores.extend(scores[best].tolist())
    if not out_users:
        return []
    fav = data.favourites
    shared = np.asarray(
        fav[np.asarray(out_users)].multiply(fav[np.asarray(out_nbrs)]).sum(axis=1)
    ).ravel()
    return [
        (u, v, round(float(s), 6), int(c))
        for u, v, s, c in zip(out_users, out_nbrs, out_scores, shared, strict=True)
    ]


# --- writing ------------------------------------------------------------------------


def _insert(conn: Connection, table: str, columns: str, rows: list[tuple]) -> None:
    """Bulk insert in the current transaction: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = columns.split()
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with (
            driver.cursor() as cur,  # type: ignore[union-attr]
            cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    if "computed_at" in names:  # as SQLAlchemy stores DateTime on SQLite: naive UTC
        at, text_of = names.index("computed_at"), {}
        for r in rows[:1]:
            text_of[r[at]] = r[at].strftime("%Y-%m-%d %H:%M:%S.%f")  # one stamp per run
        rows = [
            (*r[:at], text_of.get(r[at]) or r[at].strftime("%Y-%m-%d %H:%M:%S.%f"), *r[at + 1 :])
            for r in rows
        ]
    marks = ", ".join("?" for _ in names)
    cur = driver.cursor()  # type: ignore[union-attr]
    try:
        for part in range(0, len(rows), 50_000):
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608 - fixed names
                rows[part : part + 50_000],
            )
    finally:
        cur.close()
