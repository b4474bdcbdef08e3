import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from lms.accounts.models import User
from lms.catalogue.services import sync_courses
from lms.core import clock
from lms.core.errors import Invalid
from lms.demo import data
from lms.demo import history as history_module
from lms.demo import signing as demo_signing
from lms.extensions import db
from lms.learning import summaries
from lms.org.reference import seed_reference_data
from lms.plugins import hookimpl, registry
from lms.plugins.courses import discover


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Build the demo city (idempotent) and print where and how to sign in."""
    upgrade()
    seed_reference_data()
    password = current_app.config["LMS_DEMO_PASSWORD"]
    try:
        summary = data.build(password)
    except Invalid as error:
        raise click.ClickException(f"LMS_DEMO_PASSWORD: {error.message}") from error
    courses = sync_courses(*discover(current_app.config["LMS_COURSE_DIRS"]), registry())
    data.seed_standards()
    history = None
    if history_module.already_built():
        curriculum_items = data.seed_curricula()
    else:
        # The curricula are set, and six months of learning replayed, at their own moments.
        seeded = []
        history = history_module.build(clock.today(), lambda: seeded.append(data.seed_curricula()))
        curriculum_items = sum(seeded)
    admin = db.session.scalars(db.select(User).where(User.username == "admin")).one()
    demo_signing.seed_letterhead(admin)
    # The dashboards read summary rows for today; the daily job rebuilds them after this.
    summaries.rebuild()
    db.session.commit()
    signing_cert = demo_signing.configure_signing()
    for course_id, problems in courses.failed.items():
        click.echo(f"warning: course {course_id} not loaded: {problems[0]}", err=True)
    click.echo(
        f"Modules: {len(courses.created)} created, {len(courses.updated)} updated, "
        f"{len(courses.unchanged)} unchanged."
    )
    click.echo(
        f"Demo ready: {summary.units_added} units, {summary.users_added} users and "
        f"{summary.assignments_added} position assignments added; "
        f"{curriculum_items} curriculum items added."
    )
    if history is not None:
        figures = ", ".join(f"{value} {name}" for name, value in sorted(history.counts.items()))
        click.echo(f"History of six months: {history.people_added} more staff; {figures}.")
    if signing_cert is not None:
        click.echo(
            f"Certificates are signed with a self-signed demo key ({signing_cert}), "
            "configured in the instance folder's config.py."
        )
    port = current_app.config["LMS_PORT"]
    click.echo(f"\nSign in at http://127.0.0.1:{port}/login\n")
    click.echo(f"Every demo account has the password: {password}")
    for username in data.SHOWCASE:
        user = db.session.scalars(db.select(User).where(User.username == username)).one()
        roles = ", ".join(sorted(user.role_set))
        click.echo(f"  {username:<18} {user.full_name:<24} {roles}")
    click.echo(f"  ...and {len(data.PEOPLE) - len(data.SHOWCASE)} more (see Admin → Users).")


@hookimpl
def lms_cli():
    return [demo_command]
