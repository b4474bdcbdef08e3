"""Learning: what a civil servant must learn and how far they are."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from lms.learning import bulk_views, views  # noqa: E402,F401  (registers the routes)


@bp.record_once
def _keep_summaries_current(_state) -> None:
    from lms.extensions import db
    from lms.learning import summaries

    summaries.listen(db.session)
