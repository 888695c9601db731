"""Profiles and avatars: editing, validation, image safety, finding people."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from social_market.services import profiles
from social_market.services.errors import InvalidInput, NotAllowed
from social_market.settings import get_settings
from tests.factories import make_user


def _image(fmt="PNG", size=(640, 480), exif=False) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, (90, 140, 200))
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        ex[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS
        kwargs["exif"] = ex
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _huge_png(width=20000, height=20000) -> bytes:
    """A valid PNG header claiming 20000x20000 pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * (width * 3)
    idat = zlib.compress(row * 50, 9)  # a few rows are enough to look real
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_update_profile_saves_clean_text(db):
    user = make_user(db, handle="painter")
    profile = profiles.update_profile(
        session=db,
        user_id=user.id,
        display_name="  Paula\u200b Painter ",
        bio="Line one\r\n\r\n\r\n\r\nLine two\u0007",
        location="Zürich",
        website="paula.example.ch/shop",
    )
    assert profile.display_name == "Paula\u200b Painter"
    assert profile.bio == "Line one\n\nLine two"
    assert profile.website == "https://paula.example.ch/shop"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("website", "javascript:alert(1)"),
        ("website", "ftp://example.com"),
        ("website", "http://localhost"),
        ("bio", "x" * 501),
        ("bio", "x" * 1_000_000),
        ("display_name", "y" * 61),
        ("location", {"not": "text"}),
    ],
)
def test_bad_profile_fields_are_refused_and_nothing_changes(db, field, value):
    user = make_user(db, handle="careful", bio="before")
    fields = {"display_name": "Name", "bio": "after", "location": "", "website": ""}
    fields[field] = value
    with pytest.raises(InvalidInput) as err:
        profiles.update_profile(session=db, user_id=user.id, **fields)
    assert err.value.field == field
    db.refresh(user)
    assert user.bio == "before"


def test_fields_left_out_keep_their_values(db):
    user = make_user(db, handle="partial", bio="keep me", location="Wien")
    profile = profiles.update_profile(
        session=db, user_id=user.id, display_name="New Name", bio=None, location=None, website=None
    )
    assert (profile.display_name, profile.bio, profile.location) == ("New Name", "keep me", "Wien")


def test_profile_edits_need_a_signed_in_user(db):
    with pytest.raises(NotAllowed):
        profiles.update_profile(
            session=db, user_id=None, display_name="x", bio="", location="", website=""
        )


def test_avatar_is_reencoded_in_two_sizes_under_a_random_name_without_metadata(db):
    user = make_user(db, handle="selfie")
    profile = profiles.set_avatar(session=db, user_id=user.id, data=_image("JPEG", exif=True))
    root = get_settings().upload_dir
    for size, path in ((96, profile.avatar_url), (400, profile.avatar_url_large)):
        assert path.startswith("avatars/") and path.endswith(f"_{size}.webp")
        stored = Image.open(root / path)
        assert stored.format == "WEBP" and stored.size == (size, size)
        assert not stored.getexif()
        assert "selfie" not in path


def test_replacing_an_avatar_removes_the_old_files_after_commit(db):
    user = make_user(db, handle="changing")
    first = profiles.set_avatar(session=db, user_id=user.id, data=_image())
    db.commit()
    profiles.set_avatar(session=db, user_id=user.id, data=_image("WEBP"))
    db.commit()
    assert not (get_settings().upload_dir / first.avatar_url).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is plain text pretending to be a png", "not an image"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not an image"),
        (b"x" * (5 * 1024 * 1024 + 1), "at most 5 MB"),
    ],
)
def test_files_that_are_not_acceptable_images_are_refused(db, data, message):
    user = make_user(db, handle="uploader")
    with pytest.raises(InvalidInput, match=message):
        profiles.set_avatar(session=db, user_id=user.id, data=data)
    db.refresh(user)
    assert user.avatar_key is None


def test_a_20000_by_20000_png_is_refused_before_it_is_decoded(db):
    user = make_user(db, handle="bomber")
    with pytest.raises(InvalidInput, match="too many pixels"):
        profiles.set_avatar(session=db, user_id=user.id, data=_huge_png())


def test_other_image_formats_like_bmp_are_refused(db):
    user = make_user(db, handle="bmpfan")
    with pytest.raises(InvalidInput, match="JPEG, PNG, WebP or GIF"):
        profiles.set_avatar(session=db, user_id=user.id, data=_image("BMP"))


def test_profile_lookup_ignores_case_and_hides_deleted_and_unconfirmed(db):
    make_user(db, handle="MixedCase")
    make_user(db, handle="pending", verified=False)
    assert profiles.get_profile(session=db, handle="mixedcase").handle == "MixedCase"
    assert profiles.get_profile(session=db, handle="@MIXEDCASE") is not None
    assert profiles.get_profile(session=db, handle="pending") is None
    assert profiles.get_profile(session=db, handle="nobody") is None
    assert profiles.get_profile(session=db, handle=None) is None


def test_search_people_by_handle_prefix_or_name_with_wildcards_escaped(db):
    make_user(db, handle="knitwit", display_name="Kim Knit")
    make_user(db, handle="potter", display_name="Pat 100% Clay")
    assert [p.handle for p in profiles.search_people(session=db, query="knit")] == ["knitwit"]
    assert [p.handle for p in profiles.search_people(session=db, query="100%")] == ["potter"]
    assert [p.handle for p in profiles.search_people(session=db, query="%")] == ["potter"]
    assert profiles.search_people(session=db, query=["x"]) == []


def test_newest_profiles_and_member_count(db):
    before = profiles.count_members(session=db)
    make_user(db, handle="latest")
    assert profiles.count_members(session=db) == before + 1
    assert profiles.newest_profiles(session=db, limit=1)[0].handle == "latest"
