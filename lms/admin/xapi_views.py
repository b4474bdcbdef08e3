"""Admin screen of the xAPI statements on their way to each Learning Record Store: waiting,
to be tried again, sent and given up (docs/xapi.md)."""

from flask import current_app, render_template

from lms.admin import bp
from lms.xapi import delivery, services


@bp.route("/xapi")
def xapi():
    return render_template(
        "admin/xapi_status.html",
        counts=delivery.counts(),
        xapi_on=services.enabled(),
        max_tries=current_app.config["LMS_XAPI_MAX_TRIES"],
    )
