"""The domains' blueprints, a built-in plugin: the core registers its own screens through
``lms_blueprints``, the one way a third party's plugin adds its own. (Each domain's commands
come through ``lms_cli`` from its own ``cli.py``, an entry point of its own.)"""

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
