from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from lms.core.forms import Form

MAX_GIFT_BYTES = 1024 * 1024


class GiftUploadForm(Form):
    """A GIFT file to preview against a quiz's bank; nothing is saved from this form."""

    gift_file = FileField(_l("GIFT file (UTF-8 text, at most 1 MiB)"), [FileRequired()])
    language = SelectField(_l("Language of the questions"), choices=[])

    def gift_text(self) -> str | None:
        """The file's text, or None with an error on the field saying why it cannot be read."""
        data = self.gift_file.data.read(MAX_GIFT_BYTES + 1)
        if len(data) > MAX_GIFT_BYTES:
            self.gift_file.errors.append(_l("The file is larger than 1 MiB."))
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.gift_file.errors.append(_l("The file is not UTF-8 text: save it as UTF-8."))
            return None


class GiftImportForm(Form):
    """The previewed file, sent back to be imported."""

    gift = HiddenField(validators=[DataRequired()])
    language = HiddenField(validators=[DataRequired()])
