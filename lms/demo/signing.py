"""The demo's certificates look and verify like a real agency's: the Hai Phong Department
of Home Affairs as issuer, a made-up signer, a sample seal, and a self-signed signing key in
the instance folder, configured there so `lms run` signs every certificate and transcript."""

from pathlib import Path

from flask import current_app

from lms.accounts.models import User
from lms.certificates import letterhead, signing
from lms.demo.seal import seal_png

AGENCY = {"vi": "Sở Nội vụ", "en": "Department of Home Affairs"}
TEXTS = {
    "governing_body": {
        "vi": "Ủy ban nhân dân thành phố Hải Phòng",
        "en": "Hai Phong City People's Committee",
    },
    "agency": AGENCY,
    "place": {"vi": "Hải Phòng", "en": "Hai Phong"},
    "signer_title": {"vi": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "en": "P.P. DIRECTOR\nDEPUTY DIRECTOR"},
}
SIGNER = "Nguyễn Văn An"  # made up
SIGNER_CN = "Sở Nội vụ thành phố Hải Phòng (DEMO)"
CONFIG_LINES = """
# Added by `lms demo`: certificates are signed with the demo's self-signed test key.
LMS_SIGNING_KEY = "signing/{key}"
LMS_SIGNING_CERT = "signing/{cert}"
"""


def seed_letterhead(admin: User) -> bool:
    """The demo city's layout, once: later edits on the admin page are kept."""
    if letterhead.settings() is not None:
        return False
    texts = {**letterhead.values().texts, **TEXTS}
    letterhead.update(admin, texts, SIGNER)
    letterhead.set_seal(admin, seal_png("Sở Nội vụ thành phố Hải Phòng"))
    return True


def configure_signing() -> Path | None:
    """Make a test key in the instance folder and name it in the instance's config.py,
    unless signing is configured already. Returns the certificate when it made or named
    one now."""
    if signing.is_configured():
        return None
    instance = Path(current_app.instance_path)
    folder = instance / "signing"
    key, cert = folder / signing.KEY_FILE, folder / signing.CERT_FILE
    made = False
    if not (key.exists() and cert.exists()):
        signing.make_test_key(folder, common_name=SIGNER_CN)
        made = True
    config = instance / "config.py"
    existing = config.read_text() if config.exists() else ""
    if "LMS_SIGNING_" not in existing:
        config.write_text(existing + CONFIG_LINES.format(key=key.name, cert=cert.name))
        made = True
    return cert if made else None
