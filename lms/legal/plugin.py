"""The legal register's built-in plugin (entry point ``legal`` of group ``lms.plugins``):
citations render through ``lms_markdown_extensions`` and are checked, with the legal
numbers content writes, through ``lms_course_validate`` — so neither the plugins nor the
catalogue need to know about the register."""

from lms.legal import citations, register
from lms.plugins import hookimpl, registry


def course_texts(course) -> dict[str, str]:
    """The text files of a course as read (path → text): what its activities store,
    exported the way ``lms courses export`` writes them, and its banks as written."""
    files: dict[str, str] = {}
    for spec in course.activities:
        activity_type = registry().activity_type(spec.type_id)
        # An activity that did not parse has nothing to export; its problems are reported.
        if activity_type is not None and spec.content:
            files.update(activity_type.export(spec.content)[1])
    files.update({path: data.decode("utf-8") for path, data in course.other_files.items()})
    return files


@hookimpl
def lms_markdown_extensions():
    return [citations.CitationExtension()]


@hookimpl
def lms_course_validate(course):
    known = register.current()
    return [*known.problems, *citations.problems(course_texts(course), known)]
