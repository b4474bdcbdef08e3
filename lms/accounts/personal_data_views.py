"""A person's own data: the page that explains it, and the ZIP of it."""

from flask import Response, render_template
from flask_login import current_user, login_required

from lms.accounts import bp, personal_data
from lms.accounts.forms import ConfirmForm
from lms.core.edge import commit


@bp.route("/account/data", methods=["GET", "POST"])
@login_required
def personal_data_export():
    """GET explains what the download holds; POST (audited) downloads it."""
    user = current_user._get_current_object()
    outcome = None
    if ConfirmForm().validate_on_submit():
        outcome = commit(lambda: personal_data.export(user, user))
    if outcome:
        return Response(
            outcome.value,
            mimetype="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="personal-data-{user.username}.zip"'
            },
        )
    return render_template("accounts/personal_data/export.html", form=ConfirmForm())
