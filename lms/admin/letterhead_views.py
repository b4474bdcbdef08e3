"""Admin screens of the certificates' official layout: the agency, place and signer texts,
the seal or signature image, and a sample certificate to see the result."""

from datetime import timedelta

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.admin import bp
from lms.admin.forms import ConfirmForm
from lms.certificates import letterhead, pdf, signing
from lms.core import clock
from lms.core.db import end_read_transaction
from lms.core.edge import commit
from lms.core.errors import Invalid
from lms.core.forms import Form, submit
from lms.extensions import db

LABELS = {
    "heading": _l("National heading"),
    "motto": _l("Motto"),
    "governing_body": _l("Governing body (above the agency)"),
    "agency": _l("Issuing agency"),
    "place": _l("Place (of the date line)"),
    "signer_title": _l("Signer's title (one or two lines, e.g. “KT. GIÁM ĐỐC”, “PHÓ GIÁM ĐỐC”)"),
}
LANGUAGES = {"vi": _l("in Vietnamese"), "en": _l("in English")}


def _label(name: str, language: str) -> str:
    return f"{LABELS[name]} ({LANGUAGES[language]})"


def _text_field(name: str, language: str):
    label = LazyString(_label, name, language)  # translated when the page renders
    validators = [Length(max=letterhead.TEXTS[name])]
    if name == "agency" and language == "vi":
        validators.insert(0, DataRequired())
    else:
        validators.insert(0, Optional())
    if name == "signer_title":
        return TextAreaField(label, validators=validators, render_kw={"rows": 2})
    return StringField(label, validators=validators)


class LetterheadForm(Form):
    signer_name = StringField(_l("Signer's full name"), validators=[Optional(), Length(max=200)])


for _name in letterhead.TEXTS:
    for _language in LANGUAGES:
        setattr(LetterheadForm, f"{_name}_{_language}", _text_field(_name, _language))


class SealForm(Form):
    image = FileField(
        _l("Seal or signature image (PNG)"),
        validators=[FileRequired(_l("Choose a PNG image."))],
        render_kw={"accept": "image/png"},
    )


def _page(form=None, seal_form=None, status: int = 200):
    if form is None:
        current = letterhead.values()
        form = LetterheadForm(
            formdata=None,
            signer_name=current.signer_name,
            **{
                f"{name}_{lang}": text
                for name, by_language in current.texts.items()
                for lang, text in by_language.items()
            },
        )
    return render_template(
        "admin/letterhead.html",
        form=form,
        seal_form=seal_form or SealForm(formdata=None),
        remove_form=ConfirmForm(formdata=None),
        names=list(letterhead.TEXTS),
        has_seal=letterhead.seal_png() is not None,
        signed_by=signing.signer_name(),
        max_kb=letterhead.SEAL_MAX_BYTES // 1024,
        low=letterhead.SEAL_MIN_PIXELS,
        high=letterhead.SEAL_MAX_PIXELS,
    ), status


@bp.route("/certificates/layout", methods=["GET", "POST"])
def letterhead_settings():
    form = LetterheadForm()
    if not form.is_submitted():
        return _page()
    texts = {
        name: {lang: form[f"{name}_{lang}"].data or "" for lang in LANGUAGES}
        for name in letterhead.TEXTS
    }
    actor = current_user._get_current_object()
    if submit(form, lambda: letterhead.update(actor, texts, form.signer_name.data or "")):
        flash(_("The certificates' layout is saved."), "success")
        return redirect(url_for("admin.letterhead_settings"))
    return _page(form=form, status=422)


@bp.route("/certificates/layout/seal", methods=["POST"])
def letterhead_seal():
    seal_form = SealForm()
    if not seal_form.validate_on_submit():
        return _page(seal_form=seal_form, status=422)
    data = seal_form.image.data.stream.read(letterhead.SEAL_MAX_BYTES + 1)
    end_read_transaction(db.session)
    try:
        letterhead.check_seal(data)
    except Invalid as error:
        seal_form.image.errors.append(error.message)
        return _page(seal_form=seal_form, status=422)
    actor = current_user._get_current_object()
    if commit(lambda: letterhead.set_seal(actor, data), form=seal_form):
        flash(_("The seal image is saved."), "success")
        return redirect(url_for("admin.letterhead_settings"))
    return _page(seal_form=seal_form, status=422)


@bp.route("/certificates/layout/seal/remove", methods=["POST"])
def letterhead_seal_remove():
    actor = current_user._get_current_object()
    if submit(ConfirmForm(), lambda: letterhead.remove_seal(actor)):
        flash(_("The seal image is removed."), "success")
    return redirect(url_for("admin.letterhead_settings"))


@bp.route("/certificates/layout/seal.png")
def letterhead_seal_image():
    data = letterhead.seal_png()
    if data is None:
        return Response(status=204)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.route("/certificates/layout/sample.pdf")
def letterhead_sample():
    """A certificate for a made-up holder, laid out and signed as real ones are."""
    today = clock.today()
    sheet = pdf.CertificateSheet(
        kind="module",
        holder_name=_("Sample Holder"),
        achievement=_("Sample module"),
        position=None,
        unit=None,
        modules=[(_("Sample module"), 1)],
        hours=2,
        issued_on=today,
        expires_on=today + timedelta(days=730),
        serial=f"{today.year}-000000",
        verify_url=url_for("certificates.verify_form", _external=True),
        issuer=letterhead.for_locale().agency,
        letterhead=letterhead.for_locale(),
    )
    return Response(
        pdf.certificate_pdf(sheet),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="sample-certificate.pdf"'},
    )
