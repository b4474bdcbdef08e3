"""The domains' blueprints and tasks, a built-in plugin: the core registers its own screens
through ``lms_blueprints`` and its background and periodic tasks (each domain's ``jobs.py``)
through ``lms_jobs``, the ways a third party's plugin adds its own. (Each domain's commands
come through ``lms_cli`` from its own ``cli.py``, an entry point of its own.)"""

from lms.plugins import hookimpl


@hookimpl
def lms_blueprints():
    from lms import (
        accounts,
        admin,
        api,
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
            api,
        )
    ]


@hookimpl
def lms_jobs():
    from lms.accounts import jobs as accounts
    from lms.assessment import jobs as assessment
    from lms.classes import jobs as classes
    from lms.learning import jobs as learning
    from lms.needs import jobs as needs
    from lms.notifications import jobs as notifications
    from lms.org import jobs as org

    # Importing lms.xapi also connects its receivers to the learning events.
    from lms.xapi import jobs as xapi

    return [
        org.import_roster,
        org.resume_imports,
        learning.daily_sync,
        learning.bulk_assign,
        needs.refresh,
        classes.hourly_reminders,
        assessment.close_overdue,
        notifications.send_email,
        accounts.send_password_reset,
        accounts.purge_sign_ins,
        xapi.send,
    ]
