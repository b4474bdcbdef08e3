"""``lms api``: API clients from the command line (the admin page does the same)."""

import click
from flask.cli import with_appcontext

from lms.api import services
from lms.core.errors import DomainError
from lms.extensions import db
from lms.org import queries as org_queries
from lms.plugins import hookimpl


@click.group("api")
def api_cli() -> None:
    """The REST API's clients."""


@api_cli.command("create-client")
@click.option("--name", required=True, help="Who calls: the province's HR system, ...")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(services.SCOPES)),
    help="A scope it may ask for (repeat).",
)
@click.option(
    "--unit",
    "unit_codes",
    multiple=True,
    help="Code of a unit whose subtree it reaches (repeat); none: the whole tree.",
)
@with_appcontext
def create_client(name, scopes, unit_codes) -> None:
    """Create a client; prints its client_id and secret (shown once)."""
    units = []
    for code in unit_codes:
        unit = org_queries.unit_by_code(code)
        if unit is None:
            raise click.UsageError(f"--unit {code}: no such unit")
        units.append(unit)
    try:
        client, secret = services.create_client(None, name=name, scopes=scopes, units=units)
    except DomainError as error:
        raise click.UsageError(str(error.message)) from error
    db.session.commit()
    click.echo(f"client_id: {client.client_id}")
    click.echo(f"client_secret: {secret}")


@api_cli.command("revoke-client")
@click.argument("client_id")
@with_appcontext
def revoke_client(client_id) -> None:
    """Revoke a client and every token it holds."""
    client = services.client_by_client_id(client_id)
    if client is None:
        raise click.UsageError(f"{client_id}: no such client (or revoked already)")
    services.revoke_client(None, client)
    db.session.commit()
    click.echo(f"Revoked {client.client_id} ({client.name}).")


@hookimpl
def lms_cli():
    return [api_cli]
