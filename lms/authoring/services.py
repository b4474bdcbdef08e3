"""Authoring modules in the browser: the rules. Every function takes the ``actor``, checks
what they may do, records an audit entry, flushes, and leaves the commit to the caller.

A module authored here is edited as a draft shaped like the course plugin folder it will
export to (``ModuleDraft.data``). Publishing writes that folder to a temporary directory,
checks it with ``load_course`` (what ``lms courses validate`` runs, without hooks) and stores
it with ``publish_course``: the draft becomes a new immutable version, learners stay on the
version they started or completed and are told that a newer one exists.
"""

import copy
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.assessment import gift
from lms.assessment.questions import Question
from lms.assessment.services import bank_path
from lms.authoring import packages
from lms.authoring.models import ModuleDraft
from lms.catalogue import authors
from lms.catalogue.models import MediaBlob, Module, ModuleAuthor, ModuleVersion
from lms.catalogue.queries import latest_version
from lms.catalogue.services import WEB, publish_course, version_files
from lms.core import audit, clock
from lms.core.errors import Invalid, NotFound, PermissionDenied
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.plugins import registry as installed
from lms.plugins.activity import ActivityAuthoring, Capability, Problem
from lms.plugins.manifest import (
    ACTIVITY_KEY,
    COMPETENCY_CODE,
    COURSE_ID,
    LOCALES,
    MAX_MEDIA_BYTES,
    SCHEMA,
    load_course,
)

ALL_REQUIRED = "all-required"
# What a trainer may upload into a lesson, recognised from the first bytes of the file.
UPLOAD_TYPES = {
    "image/png": (".png", (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": (".jpg", (b"\xff\xd8\xff",)),
    "image/gif": (".gif", (b"GIF87a", b"GIF89a")),
    "application/pdf": (".pdf", (b"%PDF-",)),
}
_UNSAFE_NAME = re.compile(r"[^a-z0-9-]+")


class DraftProblems(Invalid):
    """A draft or an upload that cannot be published: ``problems`` lists every one."""

    def __init__(self, message, problems: list[Problem]):
        super().__init__(message)
        self.problems = problems


@dataclass
class DraftView:
    """A draft read for the pages: the manifest table, text files and media."""

    manifest: dict
    files: dict[str, str]
    media: dict[str, str]
    activities: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, data: dict) -> "DraftView":
        return cls(data["manifest"], data["files"], data["media"], data["manifest"]["activities"])

    def activity(self, key: str) -> dict:
        for table in self.activities:
            if table["key"] == key:
                return table
        raise NotFound(_l("This activity is not in the module."))


# Who may edit: the rule of lms.catalogue.authors ------------------------------------------


def ensure_editable(actor, module: Module) -> None:
    """Raise ``NotFound`` unless ``actor`` may read ``module`` (``lms.catalogue.authors``),
    ``PermissionDenied`` when it comes from a course plugin on disk, which nobody changes
    here, and ``NotFound`` unless they manage it."""
    authors.ensure_reads(actor, module)
    if module.source != WEB:
        raise PermissionDenied(
            _l(
                "This module comes from a course plugin on disk and is read-only here: "
                "duplicate it to edit a copy."
            )
        )
    authors.ensure_manages(actor, module)


def add_coauthor(actor, module: Module, username: str) -> User:
    """The owner (or an admin) adds a trainer as co-author."""
    ensure_editable(actor, module)
    owner = db.session.get(ModuleAuthor, {"module_id": module.id, "user_id": actor.id})
    if not actor.has_any_role([Role.ADMIN]) and not (owner and owner.is_owner):
        raise PermissionDenied(_l("Only the module's owner may add co-authors."))
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None or not user.is_active or not user.has_any_role([Role.TRAINER, Role.ADMIN]):
        raise Invalid(_l("No active trainer has that username."))
    if db.session.get(ModuleAuthor, {"module_id": module.id, "user_id": user.id}) is not None:
        raise Invalid(_l("%(name)s is already an author of this module.", name=user.full_name))
    db.session.add(ModuleAuthor(module_id=module.id, user_id=user.id, added_at=clock.now()))
    audit.record(actor, "module.coauthor_added", module, user=user.username)
    return user


# Creating ---------------------------------------------------------------------------------


def _check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not COURSE_ID.match(slug):
        raise Invalid(_l("The id takes 3 to 64 lowercase letters, digits and dashes."))
    if db.session.scalar(sa.select(Module.id).where(Module.slug == slug)) is not None:
        raise Invalid(_l("A module with this id already exists: choose another id."))
    return slug


def _new_module(actor, slug: str) -> Module:
    # A module is hidden from learners (retired) until its first version is published.
    module = Module(slug=slug, source=WEB, retired_at=clock.now())
    db.session.add(module)
    db.session.flush()
    db.session.add(
        ModuleAuthor(module_id=module.id, user_id=actor.id, is_owner=True, added_at=clock.now())
    )
    return module


def manifest_fields(
    *,
    slug: str,
    languages: list[str],
    title: dict,
    summary: dict,
    estimated_minutes: int,
    competencies: list[dict],
    completion_rule: str = ALL_REQUIRED,
) -> dict:
    languages = [language for language in LOCALES if language in languages]
    if not languages:
        raise Invalid(_l("Choose at least one language."))
    for language in languages:
        if not (title.get(language) or "").strip() or not (summary.get(language) or "").strip():
            raise Invalid(_l("Give a title and a summary in every language of the module."))
    for item in competencies:
        if not COMPETENCY_CODE.match(item["code"]) or not 1 <= item["level"] <= 5:
            raise Invalid(_l('Competencies are written as code:level, such as "DG.1:2".'))
    return {
        "schema": SCHEMA,
        "id": slug,
        "version": "1.0.0",
        "languages": languages,
        "title": {language: title[language].strip() for language in languages},
        "summary": {language: summary[language].strip() for language in languages},
        "estimated_minutes": estimated_minutes,
        "review_required": False,
        "competencies": competencies,
        "completion": {"rule": completion_rule},
    }


def create_module(actor, *, slug: str, **fields) -> Module:
    """A new web module owned by ``actor``, with an empty draft."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    slug = _check_slug(slug)
    manifest = {**manifest_fields(slug=slug, **fields), "activities": []}
    module = _new_module(actor, slug)
    _put_draft(actor, module, {"manifest": manifest, "files": {}, "media": {}}, base=None)
    audit.record(actor, "module.created", module, slug=slug)
    return module


def duplicate(actor, module: Module, slug: str) -> Module:
    """A web copy of ``module``'s latest version under a new id, owned by ``actor``, who
    must be allowed to read ``module`` (``NotFound`` otherwise)."""
    authors.ensure_reads(actor, module)
    slug = _check_slug(slug)
    version = latest_version(module.id)
    if version is None:
        raise NotFound(_l("This module has no published version to copy."))
    manifest, files, media = version_files(version, installed())
    manifest["id"] = slug
    copy_module = _new_module(actor, slug)
    _put_draft(actor, copy_module, {"manifest": manifest, "files": files, "media": media}, None)
    audit.record(actor, "module.duplicated", copy_module, source=module.slug)
    return copy_module


# Drafts -----------------------------------------------------------------------------------


def draft_of(module: Module) -> ModuleDraft | None:
    return db.session.get(ModuleDraft, module.id)


def _put_draft(actor, module: Module, data: dict, base) -> ModuleDraft:
    draft = ModuleDraft(
        module_id=module.id,
        data=data,
        base_version_id=base.id if base else None,
        updated_at=clock.now(),
        updated_by_id=actor.id,
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def working_copy(module: Module) -> DraftView:
    """The draft, else the latest version read as a draft (nothing is written)."""
    draft = draft_of(module)
    if draft is not None:
        return DraftView.of(draft.data)
    manifest, files, media = version_files(latest_version(module.id), installed())
    return DraftView(manifest, files, media, manifest["activities"])


def _edit(actor, module: Module, action: str, change, **details):
    """Apply ``change(data)`` to the module's draft (made from the latest version when there
    is none) and record it; returns what ``change`` returned."""
    ensure_editable(actor, module)
    draft = draft_of(module)
    if draft is None:
        latest = latest_version(module.id)
        manifest, files, media = version_files(latest, installed())
        draft = _put_draft(
            actor, module, {"manifest": manifest, "files": files, "media": media}, latest
        )
    data = copy.deepcopy(draft.data)
    result = change(DraftView.of(data))
    draft.data = data
    draft.updated_at = clock.now()
    draft.updated_by_id = actor.id
    audit.record(actor, action, module, **details)
    db.session.flush()
    return result


def update_settings(actor, module: Module, **fields) -> None:
    def change(view: DraftView):
        previous = view.manifest
        manifest = manifest_fields(slug=module.slug, **fields)
        manifest["version"] = previous.get("version", "1.0.0")
        manifest["review_required"] = previous.get("review_required", False)
        dropped = set(previous["languages"]) - set(manifest["languages"])
        added = set(manifest["languages"]) - set(previous["languages"])
        for table in view.activities:
            for language in added:
                table["title"].setdefault(language, table["title"][previous["languages"][0]])
            for language in dropped:
                table["title"].pop(language, None)
            authoring = authoring_of(table["type"])
            for path in authoring.files(table, sorted(dropped)) if authoring else []:
                view.files.pop(path, None)
        view.manifest.update(manifest)

    _edit(actor, module, "module.settings_saved", change)


def _titles(view: DraftView, title: dict) -> dict:
    titles = {language: (title.get(language) or "").strip() for language in _languages(view)}
    if not all(titles.values()):
        raise Invalid(_l("Give a title in every language of the module."))
    return titles


def _languages(view: DraftView) -> list[str]:
    return view.manifest["languages"]


def authoring_of(type_id: str) -> ActivityAuthoring | None:
    """How the installed type ``type_id`` is written in the browser; None when it cannot
    be (not authorable, or not installed)."""
    activity_type = installed().activity_type(type_id)
    if activity_type is None or Capability.AUTHORABLE not in activity_type.capabilities:
        return None
    return activity_type.authoring


def authorable(view: DraftView, key: str) -> tuple[dict, ActivityAuthoring]:
    """The table of the activity ``key`` and its type's authoring; ``NotFound`` when the
    activity is not there or its type cannot be written in the browser."""
    table = view.activity(key)
    authoring = authoring_of(table["type"])
    if authoring is None:
        raise NotFound(_l("This activity cannot be edited in the browser."))
    return table, authoring


def add_activity(actor, module: Module, *, type_id: str, key: str, title: dict) -> str:
    key = key.strip().lower()
    authoring = authoring_of(type_id)
    if authoring is None:
        raise Invalid(_l("Choose a type of activity that can be written in the browser."))
    if not ACTIVITY_KEY.match(key):
        raise Invalid(_l("The key takes lowercase letters, digits and dashes."))

    def change(view: DraftView):
        if any(table["key"] == key for table in view.activities):
            raise Invalid(_l("Another activity of this module has this key."))
        fields, files = authoring.new(key, _languages(view))
        table = {"key": key, "type": type_id, "title": _titles(view, title), **fields}
        view.activities.append(table)
        for path, text in files.items():
            view.files.setdefault(path, text)

    _edit(actor, module, "module.activity_added", change, key=key, type=type_id)
    return key


def move_activity(actor, module: Module, key: str, offset: int) -> None:
    def change(view: DraftView):
        table = view.activity(key)
        index = view.activities.index(table)
        target = min(max(index + offset, 0), len(view.activities) - 1)
        view.activities.insert(target, view.activities.pop(index))

    _edit(actor, module, "module.activity_moved", change, key=key, offset=offset)


def remove_activity(actor, module: Module, key: str) -> None:
    def change(view: DraftView):
        table = view.activity(key)
        view.activities.remove(table)
        authoring = authoring_of(table["type"])
        for path in authoring.files(table, _languages(view)) if authoring else []:
            view.files.pop(path, None)

    _edit(actor, module, "module.activity_removed", change, key=key)


def save_activity(actor, module: Module, key: str, *, title: dict, values: dict) -> None:
    """Save what the activity's editor posted: its title and the values of its type's
    authoring fields, which the type turns into its manifest fields and files."""

    def change(view: DraftView):
        table, authoring = authorable(view, key)
        table["title"] = _titles(view, title)
        fields, files = authoring.from_form(table, values, _languages(view))
        table.update(fields)
        view.files.update(files)

    type_id = working_copy(module).activity(key)["type"]
    _edit(actor, module, f"{type_id}.saved", change, key=key)


def sniff(data: bytes) -> str | None:
    """The upload type that the content (not the name) shows, or None."""
    for content_type, (_suffix, magics) in UPLOAD_TYPES.items():
        if data.startswith(magics):
            return content_type
    return None


def upload_media(actor, module: Module, filename: str, data: bytes) -> str:
    """Store an image or PDF for the module's lessons; returns its path under ``media/``.

    The type comes from the content: a file whose bytes are not a PNG, JPEG, GIF or PDF is
    refused whatever its name says, as is one larger than 5 MiB or an empty one."""
    ensure_editable(actor, module)
    if not data:
        raise Invalid(_l("The file is empty."))
    if len(data) > MAX_MEDIA_BYTES:
        raise Invalid(_l("The file is larger than 5 MiB: make it smaller and upload it again."))
    content_type = sniff(data)
    if content_type is None:
        raise Invalid(
            _l(
                "This file is not a PNG, JPEG or GIF image or a PDF document (its content was "
                "checked, not its name), so it was not uploaded."
            )
        )
    suffix = UPLOAD_TYPES[content_type][0]
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0].lower()
    stem = _UNSAFE_NAME.sub("-", stem).strip("-")[:60] or "file"
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(MediaBlob, digest) is None:
        db.session.add(
            MediaBlob(sha256=digest, content_type=content_type, size=len(data), data=data)
        )

    def change(view: DraftView):
        path = f"{stem}{suffix}"
        number = 1
        while view.media.get(path) not in (None, digest):
            number += 1
            path = f"{stem}-{number}{suffix}"
        view.media[path] = digest
        return path

    return _edit(actor, module, "media.uploaded", change, name=filename, size=len(data))


# Quizzes ----------------------------------------------------------------------------------


def _quiz(view: DraftView, key: str) -> dict:
    """The table of an activity with a question bank (``Capability.GRADED``)."""
    table = view.activity(key)
    if not installed().can(table["type"], Capability.GRADED):
        raise NotFound(_l("This activity is not a quiz."))
    return table


def questions_of(view: DraftView, key: str, language: str) -> list[Question]:
    """The draft's questions of a quiz in one language (the bank's GIFT text, parsed)."""
    table = _quiz(view, key)
    text = view.files.get(bank_path(table["bank"], language), "")
    return gift.parse(text) if text.strip() else []


def _normalised(question: Question) -> Question:
    """The question as its bank will read it back; a question GIFT cannot write is refused."""
    try:
        return gift.parse(gift.dump([question]))[0]
    except gift.GiftError as error:
        details = "; ".join(str(problem.message) for problem in error.problems)
        raise Invalid(_l("This question cannot be saved: %(error)s", error=details)) from None
    except (ValueError, IndexError) as error:
        raise Invalid(_l("This question cannot be saved: %(error)s", error=str(error))) from None


def save_question(
    actor, module: Module, key: str, language: str, index: int | None, question: Question
) -> int:
    """Add (``index`` None) or replace a question of a quiz's bank; returns its index."""
    question = _normalised(question)

    def change(view: DraftView):
        if language not in _languages(view):
            raise NotFound(_l("This module is not written in that language."))
        questions = questions_of(view, key, language)
        if index is None:
            questions.append(question)
            position = len(questions) - 1
        elif 0 <= index < len(questions):
            questions[index] = question
            position = index
        else:
            raise NotFound(_l("This question does not exist."))
        view.files[bank_path(_quiz(view, key)["bank"], language)] = gift.dump(questions)
        return position

    action = "question.added" if index is None else "question.edited"
    return _edit(actor, module, action, change, key=key, language=language)


def remove_question(actor, module: Module, key: str, language: str, index: int) -> None:
    def change(view: DraftView):
        questions = questions_of(view, key, language)
        if not 0 <= index < len(questions):
            raise NotFound(_l("This question does not exist."))
        del questions[index]
        path = bank_path(_quiz(view, key)["bank"], language)
        view.files[path] = gift.dump(questions) if questions else ""

    _edit(actor, module, "question.removed", change, key=key, language=language, index=index)


def import_gift(actor, module: Module, key: str, language: str, text: str) -> int:
    """Add every question of a GIFT file to the draft's bank; ``GiftError`` lists the
    problems by line and nothing is added. Returns how many were added."""
    added = gift.parse(text)

    def change(view: DraftView):
        if language not in _languages(view):
            raise NotFound(_l("This module is not written in that language."))
        questions = questions_of(view, key, language) + added
        view.files[bank_path(_quiz(view, key)["bank"], language)] = gift.dump(questions)

    _edit(actor, module, "bank.imported", change, key=key, language=language, count=len(added))
    return len(added)


# Publishing -------------------------------------------------------------------------------


def draft_problems(view: DraftView) -> list[Problem]:
    """What the plugin format would allow but learners could not use."""
    problems = []
    if not view.activities:
        problems.append(Problem("manifest.toml", "activities", _l("add at least one activity")))
    for table in view.activities:
        authoring = authoring_of(table["type"])
        if authoring is not None:
            problems += authoring.problems(table, view.files, _languages(view))
    return problems


def check(view: DraftView, registry):
    """Check the draft exactly as ``lms courses validate`` checks a folder (no hooks run).
    Returns the course and every problem."""
    problems = draft_problems(view)
    with packages.folder(view.manifest, view.files, view.media) as root:
        course, found = load_course(root, registry, allow_hooks=False)
    return course, problems + found


def publish(actor, module: Module, registry) -> ModuleVersion:
    """Make the draft the module's new immutable version and delete the draft.

    Raises ``DraftProblems`` listing every problem (nothing is published), ``Invalid`` when
    the draft has nothing new."""
    ensure_editable(actor, module)
    draft = draft_of(module)
    if draft is None:
        raise Invalid(_l("There are no changes to publish."))
    course, problems = check(DraftView.of(draft.data), registry)
    if problems:
        raise DraftProblems(_l("The module was not published: fix the problems listed."), problems)
    if publish_course(course, WEB, actor=actor) == "unchanged":
        raise Invalid(_l("The draft is the same as the published version: nothing to publish."))
    db.session.delete(draft)
    db.session.flush()
    return latest_version(module.id)


def discard(actor, module: Module) -> None:
    ensure_editable(actor, module)
    draft = draft_of(module)
    if draft is None:
        raise Invalid(_l("There is no draft to discard."))
    if draft.base_version_id is None and latest_version(module.id) is None:
        raise Invalid(_l("This module has never been published: its draft is all there is."))
    db.session.delete(draft)
    audit.record(actor, "module.draft_discarded", module)
    db.session.flush()


# Export and import ------------------------------------------------------------------------


def version_of(module: Module, number: int | None) -> ModuleVersion:
    if number is None:
        version = latest_version(module.id)
    else:
        version = db.session.scalar(
            sa.select(ModuleVersion).where(
                ModuleVersion.module_id == module.id, ModuleVersion.number == number
            )
        )
    if version is None:
        raise NotFound(_l("This version does not exist."))
    return version


def export_zip(actor, module: Module, version: ModuleVersion, registry) -> bytes:
    """The version as a zip of its plugin folder (what ``lms courses validate`` accepts)."""
    authors.ensure_reads(actor, module)
    manifest, files, media = version_files(version, registry)
    audit.record(actor, "module.exported", module, version=version.number)
    return packages.to_zip(manifest, files, media)


def import_zip(actor, data: bytes, registry) -> Module:
    """Publish a module from an uploaded plugin zip: every problem of the archive and of the
    course is listed (``DraftProblems``) before anything is saved. A module whose id is new
    is created, owned by ``actor``; an existing web module the actor edits gets a new
    version; a module from a course plugin on disk is refused."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    if len(data) > packages.MAX_ZIP_BYTES:
        raise DraftProblems(
            _l("The module was not imported: fix the problems listed."),
            [
                Problem(
                    packages.ZIP,
                    "(size)",
                    _l(
                        "the zip is larger than %(limit)d MiB",
                        limit=packages.MAX_ZIP_BYTES // (1024 * 1024),
                    ),
                )
            ],
        )
    with tempfile.TemporaryDirectory(prefix="lms-import-") as temporary:
        root = Path(temporary) / "course"
        root.mkdir()
        problems = packages.unzip(data, root)
        course, found = load_course(root, registry, allow_hooks=False)
    problems += found
    module = None
    if course is not None:
        module = db.session.scalar(sa.select(Module).where(Module.slug == course.id))
        if module is not None and module.source != WEB:
            problems.append(
                Problem("manifest.toml", "id", _l("a module from a course plugin has this id"))
            )
        elif module is not None and not authors.manages(actor, module):
            problems.append(
                Problem("manifest.toml", "id", _l("another author's module has this id"))
            )
    if problems or course is None:
        raise DraftProblems(_l("The module was not imported: fix the problems listed."), problems)
    if module is None:
        module = _new_module(actor, course.id)
    elif draft_of(module) is not None:
        raise Invalid(_l("This module has a draft: publish or discard it before importing."))
    outcome = publish_course(course, WEB, actor=actor)
    audit.record(actor, "module.imported", module, outcome=outcome, hash=course.content_hash)
    return module
