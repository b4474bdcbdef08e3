"""Manager dashboards: completion by unit, position and module, drill-down, exports."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from lms.reports import gradebook_views, qualification_views, views  # noqa: E402,F401  (registers the routes)
from lms.reports.links import people_link  # noqa: E402

bp.add_app_template_global(people_link)
