"""Safe handling of uploaded images: limits, real type, re-encoding, random names.

The uploaded bytes are never stored as they came: Pillow decodes them (after size
and pixel-count checks that stop decompression bombs), and we write fresh WebP
files without metadata under server-made names.
"""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from social_market.services.errors import InvalidInput
from social_market.settings import get_settings

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Pillow warns above this and refuses above twice this, before decoding any pixel.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class StoredImage:
    key: str  # random base name; files are <folder>/<key>_<size>.webp

    def path(self, folder: str, size: int) -> Path:
        return get_settings().upload_dir / folder / f"{self.key}_{size}.webp"


def _open_checked(data: bytes) -> Image.Image:
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput("That upload is not a file.", field="image")
    if len(data) == 0:
        raise InvalidInput("That file is empty.", field="image")
    if len(data) > MAX_BYTES:
        raise InvalidInput("Images can be at most 5 MB.", field="image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in ALLOWED_FORMATS:
                raise InvalidInput("Please upload a JPEG, PNG, WebP or GIF image.", field="image")
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    "That image has too many pixels (at most 40 megapixels).", field="image"
                )
            img.verify()  # structural check; the image must be reopened afterwards
            img = Image.open(io.BytesIO(data))
            img.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            "That image has too many pixels (at most 40 megapixels).", field="image"
        ) from None
    except UnidentifiedImageError:
        raise InvalidInput("That file is not an image we can read.", field="image") from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidInput("That image file is damaged or incomplete.", field="image") from None
    return img


def store_square_image(data: bytes, *, folder: str, sizes: Iterable[int]) -> StoredImage:
    """Validate ``data`` and store it cropped square, once per size, as WebP.

    Raises:
        InvalidInput: with a message for the person who uploaded it.
    """
    img = _open_checked(data)
    img = ImageOps.exif_transpose(img)
    img = img.convert("RGBA") if img.mode in ("P", "LA", "RGBA") else img.convert("RGB")
    stored = StoredImage(key=secrets.token_urlsafe(16))
    target = get_settings().upload_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        square = ImageOps.fit(img, (size, size), method=Image.Resampling.LANCZOS)
        # A fresh image object carries no EXIF/XMP/ICC from the upload.
        clean = Image.new(square.mode, square.size)
        clean.paste(square)
        clean.save(stored.path(folder, size), format="WEBP", quality=85, method=4)
    return stored


def store_image(
    data: bytes,
    *,
    folder: str,
    square: Iterable[int] = (),
    fit: Iterable[int] = (),
    crop: Iterable[tuple[int, int]] = (),
) -> tuple[StoredImage, int, int]:
    """Validate ``data`` and store WebP variants under one random key.

    ``square`` sizes are cropped square (grids), ``fit`` sizes keep the aspect ratio
    within a box of that many pixels (never enlarged), ``crop`` sizes are cropped to an
    exact width x height (banners; the file is named by its width). Returns the stored
    key and the original's width and height.
    """
    img = _open_checked(data)
    img = ImageOps.exif_transpose(img)
    img = img.convert("RGBA") if img.mode in ("P", "LA", "RGBA") else img.convert("RGB")
    stored = StoredImage(key=secrets.token_urlsafe(16))
    target = get_settings().upload_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    variants: list[tuple[int, Image.Image]] = []
    for size in square:
        variants.append((size, ImageOps.fit(img, (size, size), method=Image.Resampling.LANCZOS)))
    for size in fit:
        copy = img.copy()
        copy.thumbnail((size, size), Image.Resampling.LANCZOS)
        variants.append((size, copy))
    for width, height in crop:
        variants.append(
            (width, ImageOps.fit(img, (width, height), method=Image.Resampling.LANCZOS))
        )
    for size, variant in variants:
        clean = Image.new(variant.mode, variant.size)
        clean.paste(variant)
        clean.save(stored.path(folder, size), format="WEBP", quality=85, method=4)
    return stored, img.width, img.height


def delete_stored(key: str | None, *, folder: str, sizes: Iterable[int]) -> None:
    if not key:
        return
    for size in sizes:
        StoredImage(key).path(folder, size).unlink(missing_ok=True)
