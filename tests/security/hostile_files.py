"""Uploads built in memory: XLSX files whose shared strings unpack to hundreds of MiB, zips
with any entries (duplicates included), an SVG with a script, and the sample course as a
module zip to add them to."""

import base64
import io
import random
import string
import warnings
import zipfile
from pathlib import Path

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELATIONS}">
<Relationship Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{SHEET_NS}" xmlns:r="{RELATIONS}">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELATIONS}">
<Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
# The header row of a roster, its cells pointing into the shared strings.
SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1">
<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>
<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c>
</row></sheetData></worksheet>"""
HEADER = ("username", "full_name", "unit_code", "position_codes", "start_date")


def workbook(shared_strings: bytes, *, sheet: str = SHEET) -> bytes:
    """An XLSX package around this ``xl/sharedStrings.xml``, every part deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(shared_strings)
    return buffer.getvalue()


def shared_strings(filler_mib: float, *, text_length: int = 1, varied: bool = False) -> bytes:
    """The roster's header strings, then ``filler_mib`` MiB of strings of ``text_length``
    letters: the same letters, XML that deflates several hundredfold; or ``varied`` ones,
    which deflate about sixteenfold, within the limits a workbook is checked against. Short
    strings cost openpyxl the most time (an object each), long ones the most memory."""
    head = "".join(f"<si><t>{text}</t></si>" for text in HEADER)
    size = len(b"<si><t></t></si>") + text_length
    count = int(filler_mib * 1024 * 1024) // size
    if varied:
        letters = random.Random(16).choices(string.ascii_uppercase, k=count * text_length)
        texts = ("".join(letters[i : i + text_length]) for i in range(0, len(letters), text_length))
        filler = "".join(f"<si><t>{text}</t></si>" for text in texts).encode()
    else:
        filler = b"<si><t>" + b"A" * text_length + b"</t></si>"
        filler *= count
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}">{head}'.encode()
        + filler
        + b"</sst>"
    )


def shared_strings_bomb(unpacked_mib: int = 400, *, text_length: int = 1) -> bytes:
    """An XLSX of about a MiB whose shared strings unpack to ``unpacked_mib`` MiB."""
    return workbook(shared_strings(unpacked_mib, text_length=text_length))


def zip_of(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip with exactly these (name, bytes) entries, duplicates included."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": meant
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


SAMPLE_COURSE = Path(__file__).parents[1] / "data" / "courses" / "sample-course"
# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def module_files(*, image: tuple[str, bytes] = ("signing.png", PNG)) -> list[tuple[str, bytes]]:
    """The (name, bytes) entries of the sample course as a module zip under one top folder,
    with an id of its own (``zip-course``: the ``site`` fixture has the sample course) and
    its diagram replaced by ``image``."""
    name, data = image
    files = []
    for path in sorted(SAMPLE_COURSE.rglob("*")):
        relative = path.relative_to(SAMPLE_COURSE).as_posix()
        if path.is_file() and relative != "media/signing.svg":
            text = path.read_bytes().replace(b"signing.svg", name.encode())
            files.append((relative, text.replace(b'id = "sample-course"', b'id = "zip-course"')))
    return [(f"zip-course/{path}", data) for path, data in [*files, (f"media/{name}", data)]]
