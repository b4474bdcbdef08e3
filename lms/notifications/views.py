"""A person's notifications."""

from flask import redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from lms.core.edge import commit
from lms.core.forms import Form
from lms.core.paging import paginate_rows
from lms.notifications import bp, services


@bp.app_context_processor
def unread_notifications():
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": services.unread_count(current_user)}


@bp.route("/notifications")
@login_required
def index():
    page = paginate_rows(services.notifications_of(current_user))
    locale = str(get_locale())
    return render_template(
        "notifications/notification_list.html",
        page=page,
        messages={row[0].id: services.text(row[0], locale) for row in page.items},
        form=Form(),
        email_on=services.email_enabled(),
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    if Form().validate_on_submit():
        commit(lambda: services.mark_all_read(current_user))
    return redirect(url_for("notifications.index"))
