"""Every hook the core calls, with what it receives and returns, and an example.

Hook implementations live in installed distributions (entry-point group ``lms.plugins``),
in the core's own built-ins (registered exactly like a third party), or, for the hooks in
``COURSE_HOOKS``, in a course plugin's ``hooks.py``. Loading refuses an implementation of a
hook that is not declared here. docs/plugins.md lists every hook and which built-in
implements it. Mark implementations with ``hookimpl``::

    from lms.plugins import hookimpl

    @hookimpl
    def lms_activity_types():
        return [VideoActivity()]
"""

import pluggy

hookspec = pluggy.HookspecMarker("lms")

# The hooks a course's own hooks.py may implement: the ones called while it is loaded.
COURSE_HOOKS = frozenset({"lms_course_validate", "lms_markdown_extensions"})


@hookspec
def lms_activity_types():
    """Return a list of ``ActivityType`` objects (see ``lms.plugins.activity``).

    Two types with one ``type_id`` stop the application from starting.

        @hookimpl
        def lms_activity_types():
            return [LessonActivity()]
    """


@hookspec
def lms_markdown_extensions():
    """Return Python-Markdown extensions to add when lessons and question texts are rendered.

    Their output still goes through the sanitiser. A lesson is rendered in its own language
    (``flask_babel.get_locale()`` is it while the extension runs), so an extension that writes
    words writes them in it. Course-scoped when in ``hooks.py`` (lessons only).

        @hookimpl
        def lms_markdown_extensions():
            return ["abbr"]  # the legal register adds its citations: lms.legal.plugin
    """


@hookspec
def lms_course_validate(course):
    """Check a parsed course; return a list of ``Problem`` (empty when fine).

    Called by ``lms courses validate`` and ``sync`` after the built-in checks. Course-scoped
    when in ``hooks.py``.

        @hookimpl
        def lms_course_validate(course):
            if len(course.activities) < 3:
                return [Problem("manifest.toml", "activities", "at least 3 lessons")]
            return []
    """


@hookspec
def lms_completion_rules():
    """Return a list of ``CompletionRule`` objects (see ``lms.plugins.completion``).

    A manifest may name any installed rule in ``[completion]``; loading refuses one that no
    plugin provides. Two rules with one ``name`` stop the application from starting.

        @hookimpl
        def lms_completion_rules():
            return [AnyTwoActivities()]
    """


@hookspec
def lms_blueprints():
    """Return Flask blueprints to register on the application.

    @hookimpl
    def lms_blueprints():
        return [reports_extra.bp]
    """


@hookspec
def lms_cli():
    """Return click commands or groups to add to the ``lms`` command.

    This is the one way commands reach ``lms``: each of the core's domains returns its own
    from its ``cli.py``, registered in the ``lms.plugins`` entry-point group like any
    plugin. Groups of one name, whoever returns them, become one group holding the
    commands of each, so a plugin adds a command to another's group by returning a group
    of that name with the command in it. The group that has a help text gives it; a group
    made only to carry commands has none. A library's group is joined the same way (the
    core's ``lms db backup`` joins Flask-Migrate's ``db``). Two commands of one name
    (``lms users import`` twice) stop the application.

        @hookimpl
        def lms_cli():
            return [courses_cli]  # lms courses list, lms courses sync, ...

        # lms users import, in the group ``users`` that lms.accounts.cli returns:
        @hookimpl
        def lms_cli():
            return [click.Group("users", commands=[import_users])]
    """


@hookspec
def lms_template_hook(name, context):
    """Return HTML (``markupsafe.Markup``) to insert in the named slot of a page, or None.

    Slots: ``module-sidebar`` (context: module, version, progress), ``lesson-footer``
    (context: activity).

        @hookimpl
        def lms_template_hook(name, context):
            if name == "module-sidebar":
                return Markup(render_template("myplugin/sidebar.html", **context))
    """


@hookspec
def lms_question_types():
    """Return a list of ``QuestionType`` objects (see ``lms.plugins.question``).

    Each grades its own questions; two types with one ``type_id`` stop the application.

        @hookimpl
        def lms_question_types():
            return [OrderingQuestion()]
    """


@hookspec
def lms_jobs():
    """Return the tasks and periodic tasks to run on the job queue: ``lms.core.jobs.Task``
    objects, made with ``jobs.task`` and ``jobs.periodic`` (see ``lms/core/jobs.py``).

    Every application binds them to its queue, and ``lms worker`` runs them. Two tasks of one
    name stop the application.

        @hookimpl
        def lms_jobs():
            return [import_roster, resume_imports]  # lms.org.jobs
    """
