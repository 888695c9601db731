"""Bulk marketplace data for benchmarks: many users, shops and listings, fast.

``build(engine, shops=50_000, listings=1_000_000, users=60_000, seed=1)`` fills an
already migrated, empty database. Rows go in through the real tables with the bare
driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL), so the search machinery of
migration 0004 is maintained exactly as in production: SQLite's triggers feed FTS5 row by
row, PostgreSQL computes each generated ``search_vector`` and updates the GIN index.

The text is made from word lists (Faker only names people and shops: it is too slow per
row for a million listings): 3–8 word titles from the category's vocabulary, about 30
words of description in which "handmade" is nearly always present, as on real
marketplaces, and one listing in six written in German.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from faker import Faker
from sqlalchemy.engine import Engine
from sqlmodel import Session

from social_market.services import categories, passwords, search

BATCH = 20_000
PASSWORD = "bulk-password"  # noqa: S105 - benchmark data only
COUNTRIES = ["DE"] * 40 + ["AT"] * 10 + ["FR"] * 10 + ["NL"] * 8 + ["GB"] * 12 + ["US"] * 10
COUNTRIES += ["IT", "ES", "PL", "SE", "DK", "BE", "CH", "IE", "CZ", "PT"]
STATES = ["active"] * 88 + ["sold_out"] * 4 + ["paused"] * 3 + ["draft"] * 3 + ["deleted"] * 2

# English and German nouns by top-level category (German ones in several forms).
NOUNS = {
    1: (
        "necklace pendant ring earrings bracelet chain locket bangle studs hoops cuff",
        "Kette Ketten Halskette Anhänger Ring Ringe Ohrringe Armband Armreif",
    ),
    2: (
        "scarf sweater cardigan beanie hat dress skirt mittens socks shawl jumper",
        "Schal Pullover Mütze Kleid Rock Handschuhe Socken Strickjacke",
    ),
    3: (
        "mug bowl vase plate candle cushion blanket throw planter teapot cup tray",
        "Tasse Schale Vase Teller Kerze Kissen Decke Übertopf Teekanne Becher",
    ),
    4: (
        "print painting watercolour photograph sculpture poster linocut etching",
        "Druck Gemälde Aquarell Fotografie Skulptur Poster Linolschnitt",
    ),
    5: (
        "bear bunny doll puzzle blocks train rattle puppet game",
        "Bär Hase Puppe Puzzle Bausteine Eisenbahn Rassel Spiel",
    ),
    6: (
        "card notebook journal envelope stationery bookmark planner",
        "Karte Notizbuch Tagebuch Umschlag Lesezeichen Kalender",
    ),
    7: (
        "tote backpack wallet purse pouch satchel bag clutch",
        "Tasche Rucksack Geldbörse Beutel Umhängetasche",
    ),
    8: ("hairclip scrunchie keyring headband brooch", "Haarspange Haargummi Schlüsselanhänger"),
    9: ("yarn fabric beads thread kit pattern skein", "Garn Stoff Perlen Faden Set Wolle"),
    10: ("veil garter invitation favour bouquet", "Schleier Einladung Strauß Ringkissen"),
}
ADJECTIVES = (
    "handmade small large rustic minimalist vintage modern hammered speckled chunky delicate "
    "organic hand-knitted hand-painted recycled personalised floral striped embroidered "
    "woven carved glazed matte bright soft cosy classic botanical",
    "handgemacht klein groß rustikal minimalistisch modern gehämmert zart gestrickt "
    "bemalt bestickt gewebt geschnitzt glasiert weich klassisch",
)
MATERIALS = (
    "silver gold brass copper wool merino alpaca linen cotton silk leather oak walnut "
    "cherry ceramic porcelain stoneware glass paper beeswax soy resin felt cork",
    "Silber Gold Messing Kupfer Wolle Leinen Baumwolle Seide Leder Eiche Nussbaum "
    "Keramik Porzellan Steinzeug Glas Papier Bienenwachs Filz",
)
COLOURS = (
    "blue green red yellow teal indigo ochre sage rose black white grey navy mustard",
    "blau grün rot gelb petrol indigo ocker salbei rosa schwarz weiß grau",
)
FILLER = (
    "made with care in my studio each piece is unique and may vary slightly from the photo "
    "perfect as a gift for friends family or yourself packed plastic free and shipped "
    "within a few days small batch slow craft durable everyday use",
    "mit Liebe in meiner Werkstatt gefertigt jedes Stück ist ein Unikat und kann leicht "
    "vom Foto abweichen ideal als Geschenk plastikfrei verpackt und schnell versendet",
)


def _words(pair: tuple[str, str], lang: int) -> list[str]:
    return pair[lang].split()


def _fmt(value: datetime | None, sqlite: bool):
    if value is None or not sqlite:
        return value
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


class _Rows:
    """Row generator for one table, shared by both drivers."""

    def __init__(self, engine: Engine, table: str, columns: str) -> None:
        self.engine, self.table, self.columns = engine, table, columns.split()

    def write(self, rows) -> None:
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            if self.engine.dialect.name == "postgresql":
                with (
                    driver.cursor() as cur,
                    cur.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in self.columns)
                sql = f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})"  # noqa: S608
                cur = driver.cursor()
                cur.execute("BEGIN")
                batch: list = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH:
                        cur.executemany(sql, batch)
                        batch.clear()
                cur.executemany(sql, batch)
                cur.execute("COMMIT")
            driver.commit()
        finally:
            raw.close()


def build(engine: Engine, *, shops: int, listings: int, users: int, seed: int) -> dict[str, int]:
    """Fill a migrated, empty database; returns the row counts written.

    Every shop has its own owner, so ``users`` is raised to ``shops`` when smaller.
    """
    rnd = random.Random(seed)
    fake = Faker(["en_GB", "de_DE"])
    fake.seed_instance(seed)
    sqlite = engine.dialect.name == "sqlite"
    users = max(users, shops)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds()
    pw_hash = passwords.hash_password(PASSWORD)

    def user_rows():
        for i in range(1, users + 1):
            created = _fmt(start + timedelta(seconds=span * i / (users + 1)), sqlite)
            handle = f"user{i}"
            name = fake.name() if i <= 5000 else f"{fake.first_name()} {i}"
            yield (
                i, f"{handle}@example.com", handle, handle, name[:60], "", "", "", None,
                pw_hash, None, created, created, created, None,
            )  # fmt: skip

    _Rows(
        engine,
        "user_account",
        "id email handle handle_key display_name bio location website avatar_key "
        "password_hash locale email_verified_at created_at updated_at deleted_at",
    ).write(user_rows())

    crafts = [w for pair in NOUNS.values() for w in pair[0].split()]
    shop_info: list[tuple[str, str]] = []

    def shop_rows():
        for i in range(1, shops + 1):
            suffix = rnd.choice(["Studio", "Atelier", "Werkstatt", "Works", "Co"])
            name = f"{fake.last_name()} {rnd.choice(crafts).title()} {suffix}"[:60]
            country = rnd.choice(COUNTRIES)
            shop_info.append((name, country))
            created = _fmt(start + timedelta(seconds=span * i / (shops + 1)), sqlite)
            yield (
                i, i, f"shop-{i}", name, "", fake.city()[:80] if i <= 5000 else "", country,
                "", "", "IBAN DE02 1203 0000 0000 2020 51", True, False, "EUR", 0,
                created, created,
            )  # fmt: skip

    _Rows(
        engine,
        "shop",
        "id owner_id slug name about city country shipping_policy returns_policy "
        "payment_details accepts_bank_transfer accepts_pickup currency favourite_count "
        "created_at updated_at",
    ).write(shop_rows())

    leaves = [c.id for c in categories.CATEGORIES.values() if not categories.children(c.id)]

    def listing_rows():
        for i in range(1, listings + 1):
            lang = 1 if rnd.random() < 1 / 6 else 0
            category = rnd.choice(leaves)
            top = category // 100 if category >= 100 else category
            nouns = _words(NOUNS[top], lang)
            adjectives, materials = _words(ADJECTIVES, lang), _words(MATERIALS, lang)
            colours = _words(COLOURS, lang)
            noun = rnd.choice(nouns)
            material = rnd.choice(materials)
            title_words = [
                *rnd.sample(adjectives, rnd.randint(1, 3)),
                rnd.choice(colours),
                material,
                noun,
            ]
            if rnd.random() < 0.4:
                title_words += ["with" if not lang else "mit", rnd.choice(materials)]
            title = " ".join(title_words[:8]).capitalize()[:140]
            tags = ",".join(sorted({noun.lower(), *(w.lower() for w in rnd.sample(nouns, 2))}))
            mats = ",".join(sorted({material.lower(), rnd.choice(materials).lower()}))
            description = " ".join(
                (["handmade"] if rnd.random() < 0.98 else [])
                + rnd.sample(_words(FILLER, lang), 20)
                + rnd.sample(adjectives + colours + nouns + materials, 10)
            )
            cents = round(math.exp(rnd.uniform(math.log(100), math.log(50_000))))
            made_to_order = rnd.random() < 0.15
            state = rnd.choice(STATES)
            quantity = 0 if made_to_order or state == "sold_out" else rnd.randint(1, 20)
            shop_id = rnd.randint(1, shops)
            shop_name, shop_country = shop_info[shop_id - 1]
            created = start + timedelta(seconds=span * i / (listings + 1))
            published = None if state == "draft" else created + timedelta(hours=rnd.randint(0, 72))
            key = f"bulk{i:07d}" if rnd.random() < 0.97 else None
            yield (
                i, shop_id, title, f"listing-{i}", description, cents, "EUR", quantity,
                made_to_order, rnd.randint(3, 30) if made_to_order else None, mats, tags,
                category, state, "de" if lang else "en", shop_name, shop_country, key,
                title if key else "", 0, rnd.randint(0, 200) if rnd.random() < 0.2 else 0,
                _fmt(created, sqlite), _fmt(created, sqlite), _fmt(published, sqlite),
                _fmt(created, sqlite) if state == "deleted" else None,
            )  # fmt: skip

    _Rows(
        engine,
        "listing",
        "id shop_id title slug description price_cents currency quantity made_to_order "
        "lead_time_days materials tags category_id state language shop_name shop_country "
        "cover_key cover_alt view_count favourite_count created_at updated_at published_at "
        "deleted_at",
    ).write(listing_rows())

    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            cur = driver.cursor()
            for table in ("user_account", "shop", "listing"):
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
                cur.execute(sql)
            driver.commit()
            # VACUUM, as autovacuum would soon after such a load: without it the first
            # reads of every row set its hint bits (writes) and index-only scans can't
            # skip the heap, which no long-running database shows.
            driver.autocommit = True
            for table in ("user_account", "shop", "listing"):
                cur.execute(f"VACUUM ANALYZE {table}")
            driver.autocommit = False
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    # Search ranks without the very common words, which it learns from these counts.
    with Session(engine) as session:
        search.refresh_common_terms(session)
        session.commit()
    return {"users": users, "shops": shops, "listings": listings}
