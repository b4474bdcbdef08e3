"""Certificates and training transcripts as PDF (fpdf2), laid out as Vietnamese official
documents are (Decree 30/2020/NĐ-CP: the issuing agency top left, the national heading and
motto top right with the place and date line under them, the signer bottom right), with a QR
code of the public verification page (segno), and signed (``signing``) when a key is
configured. Functions of their sheets: the caller loads the data and runs them inside an app
context with the reader's locale active, since every label is translated."""

import io
import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from fpdf import FPDF, Align, FontFace, XPos, YPos

from lms.certificates import signing

FONTS = Path(__file__).parent / "fonts"
SERIF = "DejaVuSerif"
SANS = "DejaVuSans"

NAVY = (24, 48, 92)
GOLD = (170, 134, 57)
INK = (33, 33, 33)
MUTED = (96, 96, 96)
RED = (190, 24, 24)
STRIPE = (242, 244, 248)

SEAL_RED = (200, 16, 46)

# Certificate page (A4 landscape, mm): the text column, and the top of the band at the foot
# that holds the QR code, the dates and the signer; the body above it is centred between
# the title and that band.
PAGE_LEFT, PAGE_RIGHT = 30, 267
TEXT_WIDTH = PAGE_RIGHT - PAGE_LEFT
FOOT_TOP = 140
QR_SIZE = 34  # includes the four-module quiet zone; the symbol itself stays above 28 mm
# The two columns of the heading and of the foot: agency (left), state and signer (right).
LEFT_COLUMN = (18, 118)
RIGHT_COLUMN = (146, 133)
MM = 72 / 25.4  # PDF points per millimetre

NATIONAL_HEADING = {
    "vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "en": "SOCIALIST REPUBLIC OF VIET NAM",
}
MOTTO = {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"}


@dataclass(frozen=True)
class Letterhead:
    """The official frame of a document, in the reader's language. ``agency`` empty means
    the sheet's issuer; ``signed_by`` is the signing certificate's name when PDFs are
    signed (the page then prints it beside the visible signature)."""

    heading: str = NATIONAL_HEADING["vi"]
    motto: str = MOTTO["vi"]
    governing_body: str = ""
    agency: str = ""
    place: str = ""
    signer_title: str = ""
    signer_name: str = ""
    seal_png: bytes | None = None
    signed_by: str | None = None


@dataclass(frozen=True)
class CertificateSheet:
    kind: str  # "module" or "position"
    holder_name: str
    achievement: str  # module title, or position name for a position certificate
    position: str | None  # the holder's job position
    unit: str | None
    modules: list[tuple[str, int]]  # (module title, version number) the certificate rests on
    hours: float
    issued_on: date
    expires_on: date | None
    serial: str
    verify_url: str
    issuer: str
    revoked: bool = False
    code: str = ""  # the verification code, kept in the PDF's metadata
    letterhead: Letterhead = Letterhead()


@dataclass(frozen=True)
class TranscriptRow:
    module: str
    version: int
    completed_on: date
    hours: float
    expires_on: date | None
    certificate_serial: str | None
    status: str  # already translated


@dataclass(frozen=True)
class TranscriptSheet:
    holder_name: str
    username: str
    positions: list[str]  # "Position — Unit"
    rows: list[TranscriptRow]
    generated_on: date
    issuer: str
    letterhead: Letterhead = Letterhead()


class _Document(FPDF):
    """A4 with the embedded DejaVu fonts (they carry every Vietnamese letter) and metadata."""

    def __init__(self, orientation: str, *, title: str, subject: str, author: str):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for family in (SERIF, SANS):
            self.add_font(family, "", FONTS / f"{family}.ttf")
            self.add_font(family, "B", FONTS / f"{family}-Bold.ttf")
        self.set_title(_nfc(title))
        self.set_author(_nfc(author))
        self.set_subject(_nfc(subject))
        self.set_lang(str(get_locale()))

    def normalize_text(self, text: str) -> str:
        # Names typed on some keyboards arrive decomposed (e + combining marks); the fonts and
        # the text layer of the PDF want the precomposed letters, which Vietnamese uses.
        return super().normalize_text(_nfc(text))

    def style(self, family: str, size: float, color=INK, bold: bool = False) -> None:
        self.set_font(family, "B" if bold else "", size)
        self.set_text_color(*color)

    def shrink_to(self, text: str, width: float, smallest: float) -> None:
        """Step the current font size down, no lower than ``smallest``, until ``text`` fits
        on one line of a cell ``width`` wide."""
        while (
            self.font_size_pt > smallest and self.get_string_width(text) > width - 2 * self.c_margin
        ):
            self.set_font_size(self.font_size_pt - 0.5)

    def fitted_line(self, text: str, *, smallest: float, leading: float = 1.3) -> None:
        """Centre ``text`` on one line of the text column in the current style, shrunk down to
        ``smallest`` points if need be; text still too long wraps."""
        self.shrink_to(text, TEXT_WIDTH, smallest)
        # Wrap into lines of even length, so a long name does not end with one stray word.
        length = self.get_string_width(text)
        lines = max(1, math.ceil(length / (TEXT_WIDTH - 2 * self.c_margin)))
        width = min(TEXT_WIDTH, length / lines * 1.1 + 2 * self.c_margin)
        self.set_x((self.w - width) / 2)
        self.multi_cell(width, self.font_size * leading, text, align=Align.C, new_x=XPos.LMARGIN)


def certificate_pdf(sheet: CertificateSheet) -> bytes:
    """One A4 landscape page: who earned what, when, until when, how to verify it, and who
    signed it; signed with the configured key."""
    pdf = _Document(
        "landscape",
        title=f"{_('Certificate')} {sheet.serial} — {sheet.holder_name}",
        subject=sheet.achievement,
        author=_agency(sheet.letterhead, sheet.issuer),
    )
    if sheet.code:
        pdf.set_keywords(f"{signing.CODE_KEYWORD}{sheet.code}")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    _frame(pdf)
    top = _official_heading(pdf, sheet.letterhead, sheet.issuer, sheet.serial, sheet.issued_on)
    _certificate_title(pdf, sheet, top)
    _centred_body(pdf, sheet)
    _certificate_facts(pdf, sheet)
    _qr_block(pdf, sheet.verify_url)
    spot = _signer_block(pdf, sheet.letterhead, RIGHT_COLUMN, FOOT_TOP + 4)
    if sheet.revoked:
        _revoked_mark(pdf)
    return _signed(pdf, spot, _("Certificate %(serial)s", serial=sheet.serial), sheet.letterhead)


def _signed(pdf: "_Document", spot: signing.Spot | None, reason: str, head: Letterhead) -> bytes:
    data = bytes(pdf.output())
    if spot is None:
        return data
    return signing.sign(data, spot, reason=reason, location=head.place)


def _agency(head: Letterhead, issuer: str) -> str:
    return head.agency or issuer


def _frame(pdf: _Document) -> None:
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.4)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11.5, 11.5, pdf.w - 23, pdf.h - 23)


def _official_heading(
    pdf: _Document,
    head: Letterhead,
    issuer: str,
    number: str | None,
    day: date,
    *,
    top: float = 17,
    size: float = 11.5,
    left: tuple[float, float] = LEFT_COLUMN,
    right: tuple[float, float] = RIGHT_COLUMN,
) -> float:
    """The two columns of an official document's heading (Decree 30/2020/NĐ-CP, appendix I):
    the governing body over the issuing agency, a short rule and the number on the left; the
    national heading over the motto, a rule as long as the motto and the place and date line
    in italics on the right. Returns where the page continues."""
    x, width = left
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.set_xy(x, top)
    if head.governing_body:
        pdf.style(SERIF, size, INK)
        _column_line(pdf, head.governing_body.upper(), x, width, smallest=8)
    pdf.style(SERIF, size, INK, bold=True)
    agency = _agency(head, issuer).upper()
    _column_line(pdf, agency, x, width, smallest=8)
    rule = min(pdf.get_string_width(agency), width) / 3
    y = pdf.get_y() + 0.8
    pdf.line(x + width / 2 - rule / 2, y, x + width / 2 + rule / 2, y)
    left_end = y
    if number:
        pdf.set_xy(x, y + 2.5)
        pdf.style(SERIF, size - 0.5, INK)
        _column_line(pdf, _("No.: %(number)s", number=number), x, width, smallest=8)
        left_end = pdf.get_y()

    x, width = right
    pdf.set_xy(x, top)
    if head.heading:
        pdf.style(SERIF, size, INK, bold=True)
        _column_line(pdf, head.heading.upper(), x, width, smallest=8)
    y = pdf.get_y()
    if head.motto:
        pdf.style(SERIF, size + 1, INK, bold=True)
        _column_line(pdf, head.motto, x, width, smallest=8)
        motto = min(pdf.get_string_width(head.motto), width)
        y = pdf.get_y() + 0.8
        pdf.line(x + width / 2 - motto / 2, y, x + width / 2 + motto / 2, y)
    pdf.set_xy(x, y + 2.5)
    pdf.style(SERIF, size, INK)
    # Italics by slanting the upright serif: an italic font of its own would cost every
    # document its parsing and subsetting (fpdf2 reads each font anew per document).
    line = pdf.get_y() + pdf.font_size * 1.3
    with pdf.skew(ax=12, x=x + width / 2, y=line):
        _column_line(pdf, place_and_date(head.place, day), x, width, smallest=8)
    return max(left_end, pdf.get_y())


def _column_line(pdf: _Document, text: str, x: float, width: float, *, smallest: float) -> None:
    pdf.shrink_to(text, width, smallest)
    pdf.set_x(x)
    pdf.multi_cell(width, pdf.font_size * 1.3, text, align=Align.C, new_x=XPos.LEFT)


def place_and_date(place: str, day: date) -> str:
    """The date line: "Hải Phòng, ngày 05 tháng 3 năm 2026" (days below 10 and the months
    January and February with a leading zero, as Decree 30/2020 asks); in English
    "Hai Phong, 5 March 2026"."""
    if str(get_locale()) == "vi":
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        when = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    else:
        when = format_date(day, "d MMMM y")
    return f"{place}, {when}" if place else when[:1].upper() + when[1:]


def _certificate_title(pdf: _Document, sheet: CertificateSheet, top: float) -> None:
    pdf.set_y(top + 5)
    pdf.style(SERIF, 28, NAVY, bold=True)
    pdf.fitted_line(_("Certificate").upper(), smallest=22)
    pdf.style(SANS, 11, MUTED)
    subtitle = _("Job position training") if sheet.kind == "position" else _("Module completion")
    pdf.fitted_line(subtitle.upper(), smallest=9)


def _centred_body(pdf: _Document, sheet: CertificateSheet) -> None:
    """Draw the holder and the achievement centred between the title and the foot band; a
    rehearsal, which fpdf2 rewinds afterwards, measures how tall they come out."""
    top = pdf.get_y() + 4
    with pdf.offset_rendering():
        pdf.set_y(top)
        _certificate_body(pdf, sheet)
        height = pdf.get_y() - top
    pdf.set_y(top + max(0, (FOOT_TOP - 6 - top - height) / 2))
    _certificate_body(pdf, sheet)


def _certificate_body(pdf: _Document, sheet: CertificateSheet) -> None:
    pdf.style(SERIF, 13, MUTED)
    pdf.fitted_line(_("awarded to"), smallest=13)
    pdf.style(SERIF, 28, INK, bold=True)
    pdf.fitted_line(sheet.holder_name, smallest=18, leading=1.2)
    pdf.set_y(pdf.get_y() + 1)
    if holder := " — ".join(part for part in (sheet.position, sheet.unit) if part):
        pdf.style(SANS, 11, MUTED)
        pdf.fitted_line(holder, smallest=8)
    pdf.set_y(pdf.get_y() + 5)
    if sheet.kind == "position":
        _position_achievement(pdf, sheet)
    else:
        _module_achievement(pdf, sheet)


def _module_achievement(pdf: _Document, sheet: CertificateSheet) -> None:
    pdf.style(SERIF, 13, INK)
    pdf.fitted_line(_("has completed the module"), smallest=13)
    pdf.style(SERIF, 18, NAVY, bold=True)
    pdf.fitted_line(sheet.achievement, smallest=12, leading=1.25)
    pdf.style(SANS, 11, MUTED)
    details = [_("Version %(version)s", version=version) for _title, version in sheet.modules]
    details.append(_hours_text(sheet.hours))
    pdf.fitted_line(" · ".join(details), smallest=8, leading=1.6)


def _position_achievement(pdf: _Document, sheet: CertificateSheet) -> None:
    pdf.style(SERIF, 13, INK)
    if sheet.unit:
        sentence = _(
            "has completed every module required for the position %(position)s in %(unit)s",
            position=sheet.achievement,
            unit=sheet.unit,
        )
    else:
        sentence = _(
            "has completed every module required for the position %(position)s",
            position=sheet.achievement,
        )
    pdf.fitted_line(sentence, smallest=11)
    pdf.set_y(pdf.get_y() + 2)
    _module_list(pdf, sheet.modules)
    pdf.style(SANS, 10, MUTED)
    pdf.fitted_line(_hours_text(sheet.hours), smallest=10, leading=1.8)


def _module_list(pdf: _Document, modules: list[tuple[str, int]]) -> None:
    """The modules in one column, or two when there are many, all in the largest size at
    which every entry fits its column; an entry too long even then wraps under itself."""
    columns = 1 if len(modules) <= 4 else 2
    gap, bullet = 8, 4
    width = (TEXT_WIDTH - gap * (columns - 1)) / columns - bullet
    entries = [
        _("%(module)s (version %(version)s)", module=title, version=version)
        for title, version in modules
    ]
    pdf.style(SANS, 10.5)
    for entry in entries:
        pdf.shrink_to(entry, width, smallest=8.5)
    if columns == 1:
        longest = max((pdf.get_string_width(entry) for entry in entries), default=0)
        width = min(width, longest + 2 * pdf.c_margin)
    left = (pdf.w - columns * (width + bullet) - gap * (columns - 1)) / 2
    for start in range(0, len(entries), columns):
        top = bottom = pdf.get_y()
        for column, entry in enumerate(entries[start : start + columns]):
            pdf.set_xy(left + column * (width + bullet + gap), top)
            pdf.cell(bullet, pdf.font_size * 1.45, "•", align=Align.R)
            pdf.multi_cell(width, pdf.font_size * 1.45, entry, align=Align.L)
            bottom = max(bottom, pdf.get_y())
        pdf.set_y(bottom + 0.6)


def _hours_text(hours: float) -> str:
    return _("Estimated learning time: %(hours)s hours", hours=_number(hours))


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.#")


def _certificate_facts(pdf: _Document, sheet: CertificateSheet) -> None:
    """Beside the QR code: the dates and status, and how to check the certificate."""
    facts = [(_("Date of issue"), format_date(sheet.issued_on, "long"), INK)]
    if sheet.revoked:
        # Said in plain text as well as stamped: the diagonal stamp does not survive text
        # extraction or a screen reader.
        facts.append((_("Status"), _("Revoked").upper(), RED))
    elif sheet.expires_on:
        facts.append((_("Valid until"), format_date(sheet.expires_on, "long"), INK))
    else:
        facts.append((_("Valid until"), _("No expiry"), INK))
    x, width = FACTS_X, LEFT_COLUMN[0] + LEFT_COLUMN[1] - FACTS_X
    y = FOOT_TOP + 6
    for label, value, color in facts:
        pdf.set_xy(x, y)
        pdf.style(SANS, 8, MUTED)
        pdf.cell(width, 4, label.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.style(SANS, 10.5, color, bold=True)
        pdf.shrink_to(value, width, smallest=8)
        pdf.cell(width, 5, value)
        y += 10.5
    pdf.set_xy(x, y + 1)
    pdf.style(SANS, 7.5, MUTED)
    notice = _(
        "Issued electronically. Scan the QR code or open the address below it to check "
        "that this certificate is genuine and still valid."
    )
    pdf.multi_cell(width, 3.6, notice, align=Align.L)


QR_X = LEFT_COLUMN[0] + 4
FACTS_X = QR_X + QR_SIZE + 4


def _qr_block(pdf: _Document, url: str) -> None:
    png = io.BytesIO()
    segno.make_qr(url, error="m").save(png, kind="png", scale=10, border=4)
    pdf.image(png, x=QR_X, y=FOOT_TOP + 4, w=QR_SIZE, h=QR_SIZE)
    # The address in print too, for checking without a phone; the code that ends it gets a
    # line of its own so it is never split.
    width = LEFT_COLUMN[1] - 4
    base, slash, code = url.rstrip("/").rpartition("/")
    pdf.set_xy(QR_X + 1, FOOT_TOP + 4 + QR_SIZE - 0.5)
    for text, size, bold in ((base + slash, 6.5, False), (code, 8.5, True)):
        pdf.style(SANS, size, MUTED, bold=bold)
        pdf.shrink_to(text, width, smallest=5)
        pdf.cell(width, pdf.font_size * 1.4, text, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)


SEAL_HEIGHT = 28
SEAL_WIDTH = 62
SIGNATURE_BOX = (70, 9.5)


def _signer_block(
    pdf: _Document, head: Letterhead, column: tuple[float, float], top: float
) -> signing.Spot | None:
    """The signer's title, the seal or signature image, the visible digital signature (who
    signed, and the signing time the signature field shows), and the signer's name, centred
    in ``column`` from ``top``. Returns where the signature field goes, or None when PDFs
    are not signed."""
    x, width = column
    centre = x + width / 2
    pdf.set_xy(x, top)
    pdf.style(SERIF, 11.5, INK, bold=True)
    for line in (head.signer_title or "").upper().splitlines():
        _column_line(pdf, line.strip(), x, width, smallest=8)
    image_top = pdf.get_y() + 1.5
    if head.seal_png:
        pdf.image(
            io.BytesIO(head.seal_png),
            x=centre - SEAL_WIDTH / 2,
            y=image_top,
            w=SEAL_WIDTH,
            h=SEAL_HEIGHT,
            keep_aspect_ratio=True,
        )
    spot = None
    box_top = image_top + SEAL_HEIGHT - 5  # the frame overlaps the foot of the seal
    if head.signed_by:
        spot = _signature_box(pdf, head.signed_by, centre, box_top)
    pdf.set_xy(x, box_top + SIGNATURE_BOX[1] + 2)
    if head.signer_name:
        pdf.style(SERIF, 12, INK, bold=True)
        _column_line(pdf, head.signer_name, x, width, smallest=9)
    return spot


def _has_signer_block(head: Letterhead) -> bool:
    return bool(head.signer_title or head.signer_name or head.seal_png or head.signed_by)


def _signature_box(pdf: _Document, signed_by: str, centre: float, top: float) -> signing.Spot:
    """A red frame as Vietnamese e-signed documents show one: "Signed by" on the first line,
    "Signing time:" on the second, followed by the signature field, whose appearance pyHanko
    draws with the time it signs at."""
    width, height = SIGNATURE_BOX
    left = centre - width / 2
    pdf.set_draw_color(*SEAL_RED)
    pdf.set_line_width(0.35)
    pdf.rect(left, top, width, height)
    pdf.set_xy(left + 1.5, top + 0.8)
    pdf.style(SANS, 6.8, SEAL_RED, bold=True)
    signer = _("Digitally signed by: %(signer)s", signer=signed_by)
    pdf.shrink_to(signer, width - 2, smallest=5)
    pdf.cell(width - 3, 3.8, signer, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.style(SANS, 6.8, SEAL_RED)
    label = _("Signing time:") + " "
    pdf.cell(pdf.get_string_width(label) + 0.5, 3.8, label)
    field_left = pdf.get_x() + 0.8
    field_top = pdf.get_y()
    box = (
        field_left * MM,
        (pdf.h - field_top - 3.8) * MM,
        (left + width - 1) * MM,
        (pdf.h - field_top) * MM,
    )
    return signing.Spot(page=pdf.page_no() - 1, box=tuple(round(v, 2) for v in box))


def _revoked_mark(pdf: _Document) -> None:
    """A large diagonal stamp across the page: a revoked certificate must not pass for a
    valid one, even printed in black and white."""
    mark = _("Revoked").upper()
    pdf.style(SANS, 80, RED, bold=True)
    pdf.shrink_to(mark, pdf.w - 60, smallest=40)
    width = pdf.get_string_width(mark)
    with pdf.local_context(fill_opacity=0.3), pdf.rotation(20, x=pdf.w / 2, y=pdf.h / 2):
        pdf.text(pdf.w / 2 - width / 2, pdf.h / 2 + pdf.font_size / 3, mark)


class _Transcript(_Document):
    """Portrait pages whose footer names the issuer, the date and the page number."""

    def __init__(self, sheet: TranscriptSheet):
        super().__init__(
            "portrait",
            title=f"{_('Training transcript')} — {sheet.holder_name}",
            subject=sheet.username,
            author=_agency(sheet.letterhead, sheet.issuer),
        )
        generated = _("Generated on %(date)s", date=format_date(sheet.generated_on, "long"))
        agency = _agency(sheet.letterhead, sheet.issuer)
        self.footer_text = " · ".join(part for part in (agency, generated) if part)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.style(SANS, 8, MUTED)
        self.cell(self.epw * 0.75, 5, self.footer_text)
        page = _("Page %(page)s of %(total)s", page=self.page_no(), total=self.str_alias_nb_pages)
        self.cell(self.epw * 0.25, 5, page, align=Align.R)


def transcript_pdf(sheet: TranscriptSheet) -> bytes:
    """A4 portrait, as many pages as the rows need, the table heading repeated on each."""
    pdf = _Transcript(sheet)
    pdf.add_page()
    _transcript_heading(pdf, sheet)
    _transcript_table(pdf, sheet.rows)
    pdf.ln(3)
    pdf.style(SANS, 10, INK, bold=True)
    total = sum(row.hours for row in sheet.rows)
    pdf.cell(0, 6, _("Total learning hours: %(hours)s", hours=_number(total)), align=Align.R)
    spot = None
    if _has_signer_block(sheet.letterhead):
        # The signer's block keeps together: on a new page when the table leaves no room.
        if pdf.get_y() + TRANSCRIPT_SIGNER_HEIGHT > pdf.page_break_trigger:
            pdf.add_page()
        spot = _signer_block(pdf, sheet.letterhead, TRANSCRIPT_RIGHT, pdf.get_y() + 8)
    return _signed(pdf, spot, _("Training transcript"), sheet.letterhead)


TRANSCRIPT_LEFT = (12, 88)
TRANSCRIPT_RIGHT = (100, 98)
TRANSCRIPT_SIGNER_HEIGHT = 62


def _transcript_heading(pdf: _Transcript, sheet: TranscriptSheet) -> None:
    top = _official_heading(
        pdf,
        sheet.letterhead,
        sheet.issuer,
        None,
        sheet.generated_on,
        top=15,
        size=10.5,
        left=TRANSCRIPT_LEFT,
        right=TRANSCRIPT_RIGHT,
    )
    pdf.set_xy(pdf.l_margin, top + 6)
    pdf.style(SERIF, 18, NAVY, bold=True)
    pdf.multi_cell(0, 9, _("Training transcript").upper(), align=Align.C)
    pdf.ln(4)
    facts = [
        (_("Full name"), sheet.holder_name),
        (_("Username"), sheet.username),
        (_("Job positions"), "\n".join(sheet.positions) or "—"),
    ]
    for label, value in facts:
        pdf.style(SANS, 9.5, MUTED)
        pdf.cell(38, 5.5, label)
        pdf.style(SANS, 10, INK, bold=True)
        pdf.multi_cell(0, 5.5, value, align=Align.L, new_x=XPos.LMARGIN)
    pdf.ln(4)


def _transcript_table(pdf: _Transcript, rows: list[TranscriptRow]) -> None:
    headings = (
        _("Module"),
        _("Version"),
        _("Completed on"),
        _("Hours"),
        _("Valid until"),
        _("Certificate no."),
        _("Status"),
    )
    pdf.style(SANS, 8)
    with pdf.table(
        col_widths=(58, 15, 20, 13, 21, 23, 30),
        text_align=("LEFT", "CENTER", "CENTER", "RIGHT", "CENTER", "CENTER", "LEFT"),
        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=NAVY),
        cell_fill_color=STRIPE,
        cell_fill_mode="ROWS",
        line_height=4.5,
        padding=(1.2, 1.2),
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for row in rows:
            table.row(_transcript_cells(row))


def _transcript_cells(row: TranscriptRow) -> tuple[str, ...]:
    return (
        row.module,
        str(row.version),
        _numeric_date(row.completed_on),
        _number(row.hours),
        _numeric_date(row.expires_on) if row.expires_on else _("No expiry"),
        row.certificate_serial or "—",
        row.status,
    )


def _numeric_date(day: date) -> str:
    # The locale's own numeric order with the whole year ("5/3/2026"): the "short" format
    # keeps two digits of the year, and the longer ones do not fit a table column.
    return format_date(day, get_locale().datetime_skeletons["yMd"].pattern)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
