"""Admin screen of notification e-mail that did not go out: given up, or waiting to be tried
again, with the server's reason and the tries made; and trying it again now."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField

from lms.admin import bp
from lms.core.edge import commit
from lms.core.forms import Form
from lms.core.paging import paginate_rows
from lms.extensions import db
from lms.notifications import queries, services
from lms.notifications.models import Notification

STATES = (queries.GIVEN_UP, queries.RETRYING)


class RetryEmailForm(Form):
    """Retry one notification's e-mail (its id), or every given-up one (no id)."""

    notification = HiddenField()


@bp.route("/email")
def email():
    state = request.args.get("state")
    state = state if state in STATES else None
    page = paginate_rows(queries.undelivered_email(state))
    locale = str(get_locale())
    return render_template(
        "admin/email_list.html",
        page=page,
        state=state,
        counts=queries.email_counts(),
        messages={row[0].id: services.text_or_kind(row[0], locale) for row in page.items},
        email_on=services.email_enabled(),
        max_tries=current_app.config["LMS_EMAIL_MAX_TRIES"],
        form=RetryEmailForm(formdata=None),
    )


@bp.route("/email/retry", methods=["POST"])
def email_retry():
    form = RetryEmailForm()
    if form.validate_on_submit():
        notification = None
        if form.notification.data:
            if not form.notification.data.isdigit():
                abort(404)
            notification = db.get_or_404(Notification, int(form.notification.data))
        done = commit(lambda: services.retry_email(current_user, notification))
        if done and done.value:
            flash(
                ngettext(
                    "%(num)d e-mail will be tried again at the next send.",
                    "%(num)d e-mails will be tried again at the next send.",
                    done.value,
                ),
                "success",
            )
        elif done:
            flash(_("Nothing to try again."), "info")
    return redirect(url_for("admin.email", state=request.args.get("state")))
