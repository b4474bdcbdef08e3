"""The domains' blueprints and commands, a built-in plugin: the core registers its own
screens and ``lms`` commands through ``lms_blueprints`` and ``lms_cli``, the one way a
third party's plugin adds its own."""

from lms.plugins import hookimpl


@hookimpl
def lms_blueprints():
    from lms import (
        accounts,
        admin,
        assessment,
        authoring,
        catalogue,
        certificates,
        classes,
        learning,
        legal,
        needs,
        notifications,
        org,
        reports,
    )

    return [
        package.bp
        for package in (
            accounts,
            learning,
            catalogue,
            org,
            assessment,
            certificates,
            classes,
            notifications,
            needs,
            authoring,
            admin,
            reports,
            legal,
        )
    ]


@hookimpl
def lms_cli():
    from lms import cli
    from lms.accounts.cli import users_cli
    from lms.catalogue.cli import courses_cli
    from lms.classes.cli import classes_cli
    from lms.demo.cli import demo_command
    from lms.learning.cli import assignments_cli
    from lms.legal.cli import check_law_command
    from lms.notifications.cli import notifications_cli
    from lms.org import cli as _org_cli  # noqa: F401  (adds `lms users import`)

    # The register's check belongs with the courses it checks; the catalogue knows nothing of it.
    courses_cli.add_command(check_law_command)
    return [
        cli.init_command,
        users_cli,
        demo_command,
        courses_cli,
        assignments_cli,
        notifications_cli,
        classes_cli,
    ]
