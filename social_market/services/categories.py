"""The fixed category tree. Ids are stable forever: listings and URLs store them.

Names are catalogue msgids (translated where shown); slugs are for URLs.
"""

from __future__ import annotations

from dataclasses import dataclass

from social_market.i18n.catalog import N_
from social_market.services.errors import InvalidInput


@dataclass(frozen=True)
class Category:
    id: int
    slug: str
    name: str
    parent_id: int | None = None


# Top level categories have ids 1..99; children are parent*100 + n.
_TREE: list[tuple[int, str, str, list[tuple[int, str, str]]]] = [
    (
        1,
        "jewellery",
        N_("Jewellery"),
        [
            (101, "necklaces", N_("Necklaces")),
            (102, "earrings", N_("Earrings")),
            (103, "rings", N_("Rings")),
            (104, "bracelets", N_("Bracelets")),
        ],
    ),
    (
        2,
        "clothing",
        N_("Clothing"),
        [
            (201, "knitwear", N_("Knitwear")),
            (202, "dresses-skirts", N_("Dresses & skirts")),
            (203, "kids-clothing", N_("Children's clothing")),
            (204, "hats-scarves", N_("Hats & scarves")),
        ],
    ),
    (
        3,
        "home-living",
        N_("Home & living"),
        [
            (301, "ceramics", N_("Ceramics & pottery")),
            (302, "textiles", N_("Cushions & textiles")),
            (303, "candles", N_("Candles")),
            (304, "furniture", N_("Furniture & wood")),
        ],
    ),
    (
        4,
        "art",
        N_("Art"),
        [
            (401, "prints", N_("Prints")),
            (402, "paintings", N_("Paintings")),
            (403, "photography", N_("Photography")),
            (404, "sculpture", N_("Sculpture")),
        ],
    ),
    (
        5,
        "toys",
        N_("Toys"),
        [
            (501, "soft-toys", N_("Soft toys")),
            (502, "wooden-toys", N_("Wooden toys")),
            (503, "games-puzzles", N_("Games & puzzles")),
        ],
    ),
    (
        6,
        "paper-goods",
        N_("Paper goods"),
        [
            (601, "cards", N_("Cards")),
            (602, "notebooks", N_("Notebooks & journals")),
            (603, "stationery", N_("Stationery")),
        ],
    ),
    (
        7,
        "bags",
        N_("Bags"),
        [
            (701, "totes", N_("Tote bags")),
            (702, "backpacks", N_("Backpacks")),
            (703, "wallets", N_("Wallets & purses")),
        ],
    ),
    (
        8,
        "accessories",
        N_("Accessories"),
        [
            (801, "hair", N_("Hair accessories")),
            (802, "keyrings", N_("Keyrings")),
        ],
    ),
    (
        9,
        "craft-supplies",
        N_("Craft supplies"),
        [
            (901, "yarn", N_("Yarn & fibre")),
            (902, "fabric", N_("Fabric")),
            (903, "beads", N_("Beads")),
        ],
    ),
    (
        10,
        "weddings",
        N_("Weddings"),
        [],
    ),
]

CATEGORIES: dict[int, Category] = {}
for _id, _slug, _name, _children in _TREE:
    CATEGORIES[_id] = Category(_id, _slug, _name)
    for _cid, _cslug, _cname in _children:
        CATEGORIES[_cid] = Category(_cid, _cslug, _cname, _id)

BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES.values()}
TOP_LEVEL: list[Category] = [c for c in CATEGORIES.values() if c.parent_id is None]


def children(category_id: int) -> list[Category]:
    return [c for c in CATEGORIES.values() if c.parent_id == category_id]


def get(category_id: int) -> Category | None:
    return CATEGORIES.get(category_id)


def check_category(value: object, *, field: str = "category_id") -> int:
    """A known category id from form input (int or digit string), or InvalidInput."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value not in CATEGORIES:
        raise InvalidInput("Please choose a category from the list.", field=field)
    return value


def with_descendants(category_id: int) -> list[int]:
    """The category and every category below it (for search filters)."""
    if category_id not in CATEGORIES:
        return []
    return [category_id, *(c.id for c in children(category_id))]


def path(category_id: int) -> list[Category]:
    """Top-level first, e.g. [Jewellery, Rings]."""
    out: list[Category] = []
    current = CATEGORIES.get(category_id)
    while current is not None:
        out.insert(0, current)
        current = CATEGORIES.get(current.parent_id) if current.parent_id else None
    return out
