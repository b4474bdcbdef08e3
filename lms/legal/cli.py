import sys

import click
from flask.cli import with_appcontext

from lms.core import clock
from lms.legal import services
from lms.legal.register import Status
from lms.plugins import hookimpl


def _reason(stale: services.StaleCitation, day) -> str:
    instrument = stale.instrument
    if instrument is None:
        return f"{stale.citation.number} is not in the register"
    if stale.citation.former:
        state = "not yet in force" if stale.status is Status.NOT_YET else "in force"
        return f"{instrument.number} is cited as a former instrument but is {state} on {day}"
    if stale.status is Status.NOT_YET:
        starts = instrument.in_force_from
        return f"{instrument.number} is not in force on {day} (in force from {starts})"
    replaced = (
        f"; replaced by {', '.join(instrument.replaced_by)}" if instrument.replaced_by else ""
    )
    return (
        f"{instrument.number} is not in force on {day} "
        f"(last day in force {instrument.in_force_until}{replaced})"
    )


@click.command("check-law")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to check (default: today), e.g. 2026-12-07.",
)
@with_appcontext
def check_law_command(as_of) -> None:
    """List every citation, in each module's latest version, of an instrument not in force
    on a day: replaced or expired, not yet in force, or missing from the register (as loaded
    by sync). Exit 1 when any is left that no review of the version answered for."""
    day = as_of.date() if as_of else clock.today()
    found = services.stale_citations(day)
    for stale in found:
        where = f"{stale.module.slug}: {stale.citation.path}:{stale.citation.line}"
        line = f"{where}: {_reason(stale, day)}"
        if stale.covered_by is not None:
            reviewed = clock.local_date(stale.covered_by.reviewed_at)
            line += f" [kept by the review of {reviewed}]"
        click.echo(line)
    open_ = [stale for stale in found if stale.covered_by is None]
    click.echo(
        f"{len(found)} citation(s) not in force on {day} in "
        f"{len({stale.module.id for stale in found})} module(s); "
        f"{len(found) - len(open_)} kept by a review, {len(open_)} to review."
    )
    sys.exit(1 if open_ else 0)


@hookimpl
def lms_cli():
    # Joins the ``courses`` group of lms.catalogue.cli (see lms.plugins.spec.lms_cli): the
    # register checks the courses, which know nothing of it.
    return [click.Group("courses", commands=[check_law_command])]
