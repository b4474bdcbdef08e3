from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.certificates import signing
from lms.plugins import hookimpl


@click.group("certificates")
def certificates_cli() -> None:
    """Certificates: signing keys."""


@certificates_cli.command("make-test-key")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the key and certificate to (default: the instance folder's signing/).",
)
@click.option("--name", help="The signer's name in the certificate (default: the issuer).")
@with_appcontext
def make_test_key(out: Path | None, name: str | None) -> None:
    """Make a self-signed signing key and certificate, for a demo or tests only."""
    folder = out or Path(current_app.instance_path) / "signing"
    name = name or current_app.config["LMS_CERTIFICATE_ISSUER"]
    key, cert = signing.make_test_key(folder, common_name=name)
    click.echo(f"Key: {key}\nCertificate: {cert}")
    click.echo(
        "Self-signed: Adobe and Foxit show the signature as valid only once this certificate "
        "is trusted. To sign with it, set:"
    )
    click.echo(f"  LMS_SIGNING_KEY={key.resolve()}\n  LMS_SIGNING_CERT={cert.resolve()}")


@hookimpl
def lms_cli():
    return [certificates_cli]
