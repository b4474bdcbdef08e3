from flask import render_template
from flask_login import current_user, login_required

from lms.core import clock
from lms.learning import bp
from lms.org import queries as org_queries


@bp.route("/")
@login_required
def home():
    user = current_user._get_current_object()
    return render_template(
        "learning/home.html",
        assignments=org_queries.current_assignments(user, on=clock.today()),
        managed_units=org_queries.managed_units(user),
    )
