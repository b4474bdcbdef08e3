"""The official layout of certificates and transcripts, as admins set it: who issues them
(the agency under its governing body), where (the place of the date line), who signs
(title and name) and the seal or signature image."""

import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from lms.accounts.models import User
from lms.certificates import pdf, signing
from lms.certificates.models import LetterheadSettings
from lms.core import audit, clock
from lms.core.errors import Invalid
from lms.core.permissions import Role, ensure_role
from lms.extensions import db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SEAL_MAX_BYTES = 1024 * 1024
SEAL_MIN_PIXELS = 64
SEAL_MAX_PIXELS = 2000

# The texts admins edit, each in Vietnamese and English, with their longest length.
TEXTS = {
    "heading": 200,
    "motto": 200,
    "governing_body": 200,
    "agency": 200,
    "place": 100,
    "signer_title": 200,
}


def settings() -> LetterheadSettings | None:
    return db.session.get(LetterheadSettings, 1)


@dataclass(frozen=True)
class Values:
    """The editable texts: ``texts[name][language]`` and the signer's name."""

    texts: dict[str, dict[str, str]]
    signer_name: str


def values() -> Values:
    """What the settings page shows: the stored texts, else the defaults (the national
    heading and motto, the configured issuer as the agency)."""
    row = settings()
    if row is not None:
        return Values(
            texts={
                name: {lang: getattr(row, f"{name}_{lang}") for lang in ("vi", "en")}
                for name in TEXTS
            },
            signer_name=row.signer_name,
        )
    issuer = current_app.config["LMS_CERTIFICATE_ISSUER"]
    texts = {name: {"vi": "", "en": ""} for name in TEXTS}
    texts["heading"] = dict(pdf.NATIONAL_HEADING)
    texts["motto"] = dict(pdf.MOTTO)
    texts["agency"] = {"vi": issuer, "en": ""}
    return Values(texts=texts, signer_name="")


def for_locale(locale: str | None = None) -> pdf.Letterhead:
    """The letterhead in ``locale`` (the request's by default), English texts left empty
    falling back to the Vietnamese, with the signer's name when PDFs are signed."""
    locale = locale or str(get_locale())
    current = values()
    texts = {
        name: (by_language.get(locale) or by_language.get("vi") or "").strip()
        for name, by_language in current.texts.items()
    }
    row = settings()
    return pdf.Letterhead(
        **texts,
        signer_name=current.signer_name,
        seal_png=row.seal_png if row is not None else None,
        signed_by=signing.signer_name(),
    )


def _row(actor: User) -> LetterheadSettings:
    row = settings()
    if row is None:
        current = values()
        row = LetterheadSettings(
            id=1,
            signer_name=current.signer_name,
            updated_at=clock.now(),
            **{
                f"{name}_{lang}": text
                for name, by_language in current.texts.items()
                for lang, text in by_language.items()
            },
        )
        db.session.add(row)
    row.updated_at = clock.now()
    row.updated_by_id = actor.id
    return row


def update(actor: User, texts: dict[str, dict[str, str]], signer_name: str) -> None:
    """Store the layout's texts. Admins only; ``Invalid`` when the Vietnamese agency is
    empty or a text is too long."""
    ensure_role(actor, Role.ADMIN)
    clean = {
        name: {lang: (texts.get(name, {}).get(lang) or "").strip() for lang in ("vi", "en")}
        for name in TEXTS
    }
    if not clean["agency"]["vi"]:
        raise Invalid(_l("Give the name of the issuing agency."))
    for name, longest in TEXTS.items():
        if any(len(text) > longest for text in clean[name].values()):
            raise Invalid(_l("A text is longer than %(num)d characters.", num=longest))
    signer_name = signer_name.strip()[:200]
    row = _row(actor)
    for name, by_language in clean.items():
        for lang, text in by_language.items():
            setattr(row, f"{name}_{lang}", text)
    row.signer_name = signer_name
    db.session.flush()
    audit.record(actor, "certificates.letterhead_updated", row, agency=clean["agency"]["vi"])


def check_seal(data: bytes) -> tuple[int, int]:
    """The width and height of a seal or signature image, or ``Invalid`` saying why it is
    refused: not a PNG, larger than 1 MB, too small or too large in pixels, or damaged."""
    if len(data) > SEAL_MAX_BYTES:
        raise Invalid(
            _l("The image is larger than %(size)s MB.", size=SEAL_MAX_BYTES // (1024 * 1024))
        )
    if not data.startswith(PNG_MAGIC):
        raise Invalid(_l("The image must be a PNG file."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise Invalid(_l("The image must be a PNG file."))
            width, height = image.size
            # Checked before decoding: a small file can declare a huge canvas.
            if not (
                SEAL_MIN_PIXELS <= width <= SEAL_MAX_PIXELS
                and SEAL_MIN_PIXELS <= height <= SEAL_MAX_PIXELS
            ):
                raise Invalid(
                    _l(
                        "The image must be between %(low)d and %(high)d pixels wide and "
                        "high; this one is %(width)d × %(height)d.",
                        low=SEAL_MIN_PIXELS,
                        high=SEAL_MAX_PIXELS,
                        width=width,
                        height=height,
                    )
                )
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise Invalid(_l("The image cannot be read: it is not a valid PNG file.")) from error
    # fpdf2 embeds it in every PDF: it must decode there too.
    try:
        scratch = pdf.FPDF()
        scratch.add_page()
        scratch.image(io.BytesIO(data), x=0, y=0, w=10)
    except Exception as error:  # fpdf2 raises several kinds for one bad file
        raise Invalid(_l("The image cannot be read: it is not a valid PNG file.")) from error
    return width, height


def set_seal(actor: User, data: bytes) -> None:
    """Replace the seal or signature image (a PNG, ideally with a transparent background).
    Admins only; ``Invalid`` from ``check_seal`` keeps the current image."""
    ensure_role(actor, Role.ADMIN)
    width, height = check_seal(data)
    row = _row(actor)
    row.seal_png = data
    db.session.flush()
    audit.record(
        actor, "certificates.seal_uploaded", row, bytes=len(data), width=width, height=height
    )


def remove_seal(actor: User) -> None:
    ensure_role(actor, Role.ADMIN)
    row = _row(actor)
    row.seal_png = None
    db.session.flush()
    audit.record(actor, "certificates.seal_removed", row)


def seal_png() -> bytes | None:
    row = settings()
    return row.seal_png if row is not None else None
