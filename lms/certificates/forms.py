from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from lms.certificates.verification import MAX_UPLOAD_BYTES
from lms.core.forms import Form


class VerifyFileForm(Form):
    """A credential (JSON) or certificate PDF to check; nothing is saved from it."""

    file = FileField(
        _l("Credential file (.json) or certificate PDF, at most 5 MiB"),
        [FileRequired(_l("Choose the file to check."))],
    )

    def content(self) -> bytes | None:
        """The file's bytes, or None with an error on the field when it is too large."""
        data = self.file.data.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            self.file.errors.append(_l("The file is larger than 5 MiB."))
            return None
        return data
