"""Recommendations driven by people: computed by the job, stored, served with why."""

from __future__ import annotations

import pytest
from sqlmodel import select

from social_market.models import (
    NotInterested,
    Recommendation,
    RecommendationDirty,
    RecommendationRun,
    TasteNeighbour,
)
from social_market.services import blocks, favourites, follows, recommendations
from social_market.services.errors import NotAllowed, NotFound
from social_market.services.recommendations import NETWORK, POPULAR, TASTE
from tests.factories import buy, make_listing, make_shop, make_user


def _heart(db, user, *listings):
    for listing in listings:
        favourites.set_listing_favourite(
            session=db, user_id=user.id, listing_id=listing.id, on=True
        )


def _recs(db, user, limit=30):
    return recommendations.for_user(session=db, viewer_id=user.id, limit=limit)


def _ids(recs, reason=None):
    return [r.listing.id for r in recs if reason is None or r.reason == reason]


@pytest.fixture
def groups(db):
    """Two planted taste groups: three ceramics lovers (and one newcomer who loves two
    of their mugs), three toy lovers; each group's pieces in a shop of its own."""
    ceramics_shop, toys_shop = make_shop(db), make_shop(db)
    mugs = [make_listing(db, shop=ceramics_shop, title=f"Speckled mug {i}") for i in range(4)]
    toys = [make_listing(db, shop=toys_shop, title=f"Wooden bear {i}") for i in range(4)]
    potters = [make_user(db) for _ in range(3)]
    for person in potters:
        _heart(db, person, *mugs[:3])
    toy_people = [make_user(db) for _ in range(3)]
    for person in toy_people:
        _heart(db, person, *toys)
    newcomer = make_user(db)
    _heart(db, newcomer, mugs[0], mugs[1])
    return {
        "mugs": mugs,
        "toys": toys,
        "potters": potters,
        "toy_people": toy_people,
        "newcomer": newcomer,
        "ceramics_shop": ceramics_shop,
    }


def test_people_with_your_taste_recommend_what_their_group_loves_and_say_why(db, groups):
    result = recommendations.compute(db)
    assert result["users"] >= 7 and result["recommendations"] > 0
    mugs, newcomer = groups["mugs"], groups["newcomer"]
    recs = _recs(db, newcomer)
    first = recs[0]
    assert (first.listing.id, first.reason) == (mugs[2].id, TASTE)
    # Both of the newcomer's mugs were loved with it by all three potters; the lower id wins.
    assert first.anchor_title == mugs[0].title and first.support == 3
    assert first.anchor_url.startswith(f"/listing/{mugs[0].id}")
    assert recommendations.explain(first) == (
        f"Because 3 people who loved {mugs[0].title} also loved this"
    )
    # The toys are not the newcomer's taste: at most popular fill, after the mug.
    toy_ids = {t.id for t in groups["toys"]}
    assert not toy_ids & set(_ids(recs, TASTE))
    # A toy lover is offered nothing from the ceramics group on taste grounds.
    toy_recs = _recs(db, groups["toy_people"][0])
    assert not {m.id for m in mugs} & set(_ids(toy_recs, TASTE))


def test_already_loved_bought_and_own_shop_listings_are_never_recommended(db, groups):
    mugs, newcomer = groups["mugs"], groups["newcomer"]
    potter = groups["potters"][0]
    # The potter owns a shop whose piece the group loves, and bought one of the mugs.
    own_shop = make_shop(db, owner=potter)
    own_piece = make_listing(db, shop=own_shop, title="Potter's own bowl")
    for person in groups["potters"][1:]:
        _heart(db, person, own_piece)
    buy(db, potter, mugs[3])
    recommendations.compute(db)
    got = set(_ids(_recs(db, potter)))
    assert own_piece.id not in got
    assert not got & {m.id for m in mugs}  # hearted (0–2) or bought (3)
    assert not set(_ids(_recs(db, newcomer))) & {mugs[0].id, mugs[1].id}


def test_purchases_count_as_taste(db, groups):
    mugs, potters = groups["mugs"], groups["potters"]
    buyer = make_user(db)
    buy(db, buyer, mugs[0])
    recommendations.compute(db)
    recs = _recs(db, buyer)
    assert set(_ids(recs, TASTE)[:2]) == {mugs[1].id, mugs[2].id}
    assert all(r.anchor_title == mugs[0].title for r in recs if r.reason == TASTE)
    assert len(potters) == 3


def _network_case(db):
    me, anna, stranger = make_user(db), make_user(db, display_name="Anna"), make_user(db)
    follows.follow(session=db, actor_id=me.id, handle=anna.handle)
    vase = make_listing(db, title="Tall vase")
    _heart(db, anna, vase)
    _heart(db, stranger, make_listing(db, title="Stranger's pick"))
    return me, anna, vase


def test_people_you_follow_are_named_when_their_favourites_are_visible_to_you(db):
    me, anna, vase = _network_case(db)
    recommendations.compute(db)
    recs = _recs(db, me)
    network = [r for r in recs if r.reason == NETWORK]
    assert [r.listing.id for r in network] == [vase.id]
    assert [f.handle for f in network[0].friends] == [anna.handle]
    assert network[0].others == 0
    assert recommendations.explain(network[0]) == "Anna loved this"
    # Anna keeps her favourites to herself from now on: at once nobody is named...
    anna.privacy_favourites = 0
    db.add(anna)
    db.flush()
    assert not _ids(_recs(db, me), NETWORK)
    # ...and the next run no longer draws on them.
    recommendations.compute(db)
    assert not _ids(_recs(db, me), NETWORK)


def test_private_favourites_never_make_network_recommendations(db):
    me = make_user(db)
    private = make_user(db, privacy_favourites=0)
    follows.follow(session=db, actor_id=me.id, handle=private.handle)
    _heart(db, private, make_listing(db))
    recommendations.compute(db)
    assert not _ids(_recs(db, me), NETWORK)


def test_blocks_either_way_remove_network_recommendations(db):
    me, anna, vase = _network_case(db)
    recommendations.compute(db)
    assert _ids(_recs(db, me), NETWORK) == [vase.id]
    blocks.block(session=db, actor_id=anna.id, handle=me.handle)  # also ends the follow
    assert not _ids(_recs(db, me), NETWORK)  # at read time
    recommendations.compute(db)
    assert not _ids(_recs(db, me), NETWORK)


def test_a_blocked_makers_listings_are_not_recommended(db, groups):
    newcomer, mugs = groups["newcomer"], groups["mugs"]
    maker = db.get(type(newcomer), groups["ceramics_shop"].owner_id)
    recommendations.compute(db)
    assert mugs[2].id in _ids(_recs(db, newcomer))
    blocks.block(session=db, actor_id=maker.id, handle=newcomer.handle)
    assert mugs[2].id not in _ids(_recs(db, newcomer))  # at read time
    recommendations.compute(db)
    assert not set(_ids(_recs(db, newcomer))) & {m.id for m in mugs}


def test_not_interested_removes_at_once_and_is_never_recommended_again(db, groups):
    newcomer, mugs = groups["newcomer"], groups["mugs"]
    recommendations.compute(db)
    assert _recs(db, newcomer)[0].listing.id == mugs[2].id
    assert recommendations.not_interested(
        session=db, actor_id=newcomer.id, listing_id=f"{mugs[2].id}-speckled-mug"
    )
    recommendations.not_interested(session=db, actor_id=newcomer.id, listing_id=mugs[2].id)
    assert db.get(NotInterested, (newcomer.id, mugs[2].id)) is not None
    assert db.get(Recommendation, (newcomer.id, mugs[2].id)) is None
    assert db.get(RecommendationDirty, newcomer.id) is not None
    assert mugs[2].id not in _ids(_recs(db, newcomer))
    result = recommendations.compute_dirty(db)
    assert result["incremental"] and result["users"] == 1
    assert mugs[2].id not in _ids(_recs(db, newcomer))  # not even as popular fill
    assert db.get(RecommendationDirty, newcomer.id) is None
    recommendations.compute(db)
    assert mugs[2].id not in _ids(_recs(db, newcomer))
    # Undo brings it back with the next run.
    recommendations.undo_not_interested(session=db, actor_id=newcomer.id, listing_id=mugs[2].id)
    recommendations.compute_dirty(db)
    assert _recs(db, newcomer)[0].listing.id == mugs[2].id


def test_not_interested_damps_what_its_lovers_also_loved(db, groups):
    newcomer, mugs, toys = groups["newcomer"], groups["mugs"], groups["toys"]
    # The newcomer also loves one toy, so the toy group's other pieces come up...
    _heart(db, newcomer, toys[0])
    recommendations.compute(db)
    before = {r.listing.id: i for i, r in enumerate(_recs(db, newcomer))}
    assert toys[1].id in before
    # ...until they say a toy is not for them: the people who loved it no longer count
    # as taste neighbours, and what they loved is no longer offered on taste grounds.
    recommendations.not_interested(session=db, actor_id=newcomer.id, listing_id=toys[1].id)
    recommendations.compute_dirty(db)
    recs = _recs(db, newcomer)
    assert _ids(recs, TASTE) == [mugs[2].id]
    assert toys[1].id not in _ids(recs)


def test_listings_no_longer_active_are_filtered_when_read(db, groups):
    newcomer, mugs = groups["newcomer"], groups["mugs"]
    recommendations.compute(db)
    assert _recs(db, newcomer)[0].listing.id == mugs[2].id
    mugs[2].state = "paused"
    db.add(mugs[2])
    db.flush()
    assert mugs[2].id not in _ids(_recs(db, newcomer))
    # Hearted since the run: no longer offered either.
    other = _recs(db, newcomer)[0].listing.id
    favourites.set_listing_favourite(session=db, user_id=newcomer.id, listing_id=other, on=True)
    assert other not in _ids(_recs(db, newcomer))


def test_incremental_run_recomputes_only_dirty_people(db, groups):
    recommendations.compute(db)
    newcomer, potter, mugs = groups["newcomer"], groups["potters"][0], groups["mugs"]

    def stamps():
        return dict(
            db.exec(
                select(Recommendation.user_id, Recommendation.computed_at).where(
                    Recommendation.rank == 0
                )
            ).all()
        )

    before = stamps()
    _heart(db, newcomer, mugs[2])
    recommendations.mark_dirty(db, newcomer.id)
    result = recommendations.compute_dirty(db)
    assert (result["incremental"], result["users"]) == (True, 1)
    after = stamps()
    assert after[newcomer.id] > before[newcomer.id]
    assert all(after[u] == before[u] for u in before if u != newcomer.id)
    assert mugs[2].id not in _ids(_recs(db, newcomer))
    assert db.exec(select(RecommendationDirty)).all() == []
    runs = db.exec(select(RecommendationRun).order_by(RecommendationRun.id)).all()  # type: ignore[arg-type]
    assert [(r.incremental, r.users) for r in runs][-1] == (True, 1)
    assert runs[-1].finished_at is not None
    # Nothing dirty: nothing to do.
    assert recommendations.compute_dirty(db) == {"incremental": True, "users": 0}
    # An explicit list works too; unknown ids are ignored.
    assert recommendations.compute(db, user_ids=[potter.id, 10**9, "x"])["users"] == 1


def test_a_change_during_a_run_keeps_the_person_dirty(db, groups):
    newcomer = groups["newcomer"]
    recommendations.mark_dirty(db, newcomer.id)
    first = db.get(RecommendationDirty, newcomer.id).since
    recommendations.mark_dirty(db, newcomer.id)  # an upsert that moves "since" forward
    db.expire_all()
    assert db.get(RecommendationDirty, newcomer.id).since >= first
    rows = db.exec(
        select(RecommendationDirty).where(RecommendationDirty.user_id == newcomer.id)
    ).all()
    assert len(rows) == 1


def test_people_never_computed_get_what_is_popular(db, groups):
    fresh = make_user(db)
    recs = _recs(db, fresh, limit=4)
    assert len(recs) == 4 and {r.reason for r in recs} == {POPULAR}
    assert recommendations.explain(recs[0]) == "Popular on Social Market"
    assert recommendations.for_user(session=db, viewer_id=None) == []


def test_cold_start_lists_are_topped_up_with_popular_pieces(db, groups):
    fresh = make_user(db)
    recommendations.compute(db)
    recs = _recs(db, fresh)
    assert recs and {r.reason for r in recs} == {POPULAR}
    # The mugs the three potters loved come before the pieces nobody loved.
    assert {r.listing.id for r in recs[:3]} <= {m.id for m in groups["mugs"][:3]} | {
        t.id for t in groups["toys"]
    }


def test_taste_neighbours_are_people_to_follow(db, groups):
    newcomer, potters = groups["newcomer"], groups["potters"]
    for person in potters:
        person.privacy_favourites = 2
        db.add(person)
    db.flush()
    recommendations.compute(db)
    stored = db.exec(select(TasteNeighbour).where(TasteNeighbour.user_id == newcomer.id)).all()
    assert {n.neighbour_id for n in stored} >= {p.id for p in potters}
    found = recommendations.taste_neighbours(session=db, viewer_id=newcomer.id)
    assert {p.id for p, _ in found} == {p.id for p in potters}
    assert {shared for _, shared in found} == {2}
    # Followed, blocked, not findable or with favourites kept to followers: not suggested.
    follows.follow(session=db, actor_id=newcomer.id, handle=potters[0].handle)
    blocks.block(session=db, actor_id=potters[1].id, handle=newcomer.handle)
    potters[2].privacy_favourites = 1
    db.add(potters[2])
    db.flush()
    assert recommendations.taste_neighbours(session=db, viewer_id=newcomer.id) == []
    with pytest.raises(NotAllowed):
        recommendations.taste_neighbours(session=db, viewer_id=None)


def test_not_interested_rejects_bad_input(db, groups):
    newcomer = groups["newcomer"]
    draft = make_listing(db, state="draft")
    for forged in (None, "x", -1, 10**20, draft.id, 2**31 - 1, ["1"]):
        with pytest.raises(NotFound):
            recommendations.not_interested(session=db, actor_id=newcomer.id, listing_id=forged)
    with pytest.raises(NotAllowed):
        recommendations.not_interested(session=db, actor_id=None, listing_id=groups["mugs"][0].id)
    with pytest.raises(NotFound):
        recommendations.undo_not_interested(session=db, actor_id=newcomer.id, listing_id="x")
    with pytest.raises(TypeError):
        recommendations.compute(db, user_ids="1,2")


def test_deleted_accounts_leave_no_rows(db, groups):
    newcomer, potter = groups["newcomer"], groups["potters"][0]
    recommendations.compute(db)
    recommendations.not_interested(
        session=db, actor_id=newcomer.id, listing_id=groups["mugs"][3].id
    )
    recommendations.erase_for_deleted_account(session=db, user_id=newcomer.id)
    for model, column in (
        (Recommendation, Recommendation.user_id),
        (NotInterested, NotInterested.user_id),
        (RecommendationDirty, RecommendationDirty.user_id),
        (TasteNeighbour, TasteNeighbour.user_id),
        (TasteNeighbour, TasteNeighbour.neighbour_id),
    ):
        assert db.exec(select(model).where(column == newcomer.id)).all() == []
    assert db.exec(select(Recommendation).where(Recommendation.user_id == potter.id)).all()


def test_favourites_purchases_follows_and_blocks_mark_people_for_the_next_run(db):
    from social_market.services import blocks, favourites, follows
    from tests.factories import buy, open_shop_for, publish_listing

    maker, fan, friend = make_user(db), make_user(db), make_user(db)
    open_shop_for(db, maker)
    piece = publish_listing(db, maker, title="Oak board", quantity="5")

    def dirty() -> set[int]:
        return set(db.exec(select(RecommendationDirty.user_id)))

    db.exec(RecommendationDirty.__table__.delete())  # type: ignore[attr-defined]
    favourites.set_listing_favourite(session=db, user_id=fan.id, listing_id=piece.id, on=True)
    assert dirty() == {fan.id}
    buy(db, friend, piece)
    assert friend.id in dirty()
    db.exec(RecommendationDirty.__table__.delete())  # type: ignore[attr-defined]
    follows.follow(session=db, actor_id=fan.id, handle=friend.handle)
    assert dirty() == {fan.id}
    blocks.block(session=db, actor_id=friend.id, handle=fan.handle)
    assert dirty() == {fan.id, friend.id}
