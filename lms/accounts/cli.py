import click
from flask.cli import with_appcontext

from lms.accounts import services
from lms.core.errors import Invalid
from lms.core.permissions import Role
from lms.extensions import db
from lms.plugins import hookimpl


@click.group("users")
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name, e.g. 'Nguyễn Văn An'.")
@click.option("--email", default=None)
@click.option(
    "--role",
    "roles",
    multiple=True,
    default=[Role.LEARNER.value],
    show_default=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles.",
)
@click.option("--locale", default="vi", type=click.Choice(["vi", "en"]), show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="LMS_NEW_USER_PASSWORD",
    help="Prompted when omitted (or LMS_NEW_USER_PASSWORD).",
)
@with_appcontext
def create_user(username, full_name, email, roles, locale, password) -> None:
    """Create a user with the given roles."""
    try:
        user = services.create_user(
            None,
            username=username,
            full_name=full_name,
            password=password,
            email=email,
            locale=locale,
            roles=roles,
        )
    except Invalid as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Created user {user.username} with roles: {', '.join(sorted(user.role_set))}.")


@hookimpl
def lms_cli():
    return [users_cli]
