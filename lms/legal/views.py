"""The public register of legal instruments: a list and a page per instrument, with each
one's status on a chosen day (today by default)."""

from flask import abort, render_template, request

from lms.core import clock
from lms.legal import bp, queries
from lms.legal.forms import RegisterDateForm


def _day(form: RegisterDateForm):
    form.validate()
    return form.on.data or clock.today()


@bp.route("/")
def instrument_list():
    form = RegisterDateForm(request.args)
    return render_template(
        "legal/instrument_list.html",
        form=form,
        day=_day(form),
        instruments=queries.instruments(),
        register_date=queries.register_date(),
    )


@bp.route("/<slug>")
def instrument_detail(slug: str):
    instrument = queries.instrument_by_slug(slug)
    if instrument is None:
        abort(404)
    form = RegisterDateForm(request.args)
    return render_template(
        "legal/instrument_detail.html",
        form=form,
        day=_day(form),
        instrument=instrument,
        related=queries.related(instrument),
    )
