"""Course folders from outside hands: every file is read where it really is and only from
inside its folder, files that are not text are problems rather than crashes, and two
sources with one id stop the sync before it writes anything."""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.catalogue.services import WEB, publish_course
from lms.extensions import db
from lms.learning.models import ModuleAssignment
from lms.plugins import registry
from lms.plugins.manifest import load_course
from lms.testing.courses import sync, write_course

SAMPLE = Path(__file__).parents[1] / "data" / "courses" / "sample-course"
LESSON = Path("lessons") / "vi" / "01-lesson-1.md"
SECRET = "root:x:0:0:SECRET-OUTSIDE-THE-COURSE"


@pytest.fixture
def outside(tmp_path):
    """A folder beside the course folders, holding what a course must never read."""
    folder = tmp_path / "elsewhere"
    (folder / "vi").mkdir(parents=True)
    (folder / "en").mkdir()
    for name in ("passwd", "vi/01-lesson-1.md", "en/01-lesson-1.md"):
        (folder / name).write_text(f"## {SECRET}\n", encoding="utf-8")
    (folder / "logo.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><!-- {SECRET} -->')
    return folder


@pytest.fixture
def courses(tmp_path):
    folder = tmp_path / "courses"
    write_course(folder, "linked-course")
    return folder


def validate(app, *paths):
    return app.test_cli_runner().invoke(args=["courses", "validate", *map(str, paths)])


def stored_texts(app) -> str:
    with app.app_context():
        contents = db.session.scalars(sa.select(Activity.content)).all()
        manifests = db.session.scalars(sa.select(ModuleVersion.manifest)).all()
    return repr(contents) + repr(manifests)


def replace_with_link(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    path.symlink_to(target, target_is_directory=target.is_dir())


@pytest.mark.parametrize(
    ("link", "target", "reported"),
    [
        (LESSON, "passwd", "lessons/vi/01-lesson-1.md: (path):"),
        (Path("lessons"), ".", "lessons/vi/01-lesson-1.md: (path):"),
        (Path("lessons/vi"), "vi", "lessons/vi/01-lesson-1.md: (path):"),
        (Path("manifest.toml"), "passwd", "manifest.toml: (path):"),
        (Path("media/logo.svg"), "logo.svg", "media/logo.svg: (path):"),
        (Path("media"), ".", "media: (path):"),
        (Path("README.md"), "passwd", "README.md: (path):"),
        (Path("banks/secret.vi.gift"), "passwd", "banks/secret.vi.gift: (path):"),
    ],
)
def test_a_link_out_of_the_course_folder_is_refused_and_nothing_is_stored(
    app, courses, outside, link, target, reported
):
    root = courses / "linked-course"
    (root / "media").mkdir()
    (root / "banks").mkdir()
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    if not (root / link).exists():
        (root / link).write_text("")
    replace_with_link(root / link, outside / target)

    result = validate(app, root)
    assert result.exit_code == 1, result.output
    assert any(reported in line for line in result.stdout.splitlines()), result.stdout

    report = sync(app, courses)
    assert "linked-course" in report.failed and not report.created
    assert SECRET not in stored_texts(app)


def test_a_course_already_synced_gets_no_version_from_a_link_out(app, courses, outside):
    sync(app, courses)
    replace_with_link(courses / "linked-course" / LESSON, outside / "passwd")
    report = sync(app, courses)
    assert "linked-course" in report.failed and not report.updated and not report.retired
    assert SECRET not in stored_texts(app)


def test_links_that_stay_inside_the_course_folder_are_followed(app, courses):
    root = courses / "linked-course"
    shutil.copy(SAMPLE / "media" / "signing.svg", root / "flow.svg")
    (root / "media").mkdir()
    (root / "media" / "flow.svg").symlink_to(root / "flow.svg")
    (root / "media" / "again").symlink_to(root / "media", target_is_directory=True)
    english = root / "lessons" / "en" / "01-lesson-1.md"
    english.write_text("## Lesson 1\n\n![The flow](../../media/flow.svg)\n")
    (root / "lessons" / "vi" / "01-lesson-1.md").unlink()
    (root / "lessons" / "vi" / "01-lesson-1.md").symlink_to(english)

    assert validate(app, root).exit_code == 0
    with app.app_context():
        course, problems = load_course(root, registry())
    assert problems == []
    assert list(course.media) == ["flow.svg"], "the link back to media/ is read once"
    assert course.activities[0].content["source"]["vi"].startswith("## Lesson 1")


def test_a_hooks_file_linked_out_of_the_folder_is_refused_and_never_run(app, courses, outside):
    ran = outside / "ran"
    (outside / "hooks.py").write_text(f"open({str(ran)!r}, 'w').close()\n")
    (courses / "linked-course" / "hooks.py").symlink_to(outside / "hooks.py")
    result = validate(app, courses / "linked-course")
    assert result.exit_code == 1
    assert "hooks.py: (path):" in result.stdout
    assert not ran.exists()


@pytest.mark.parametrize(
    ("path", "content"),
    [
        (LESSON, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"),
        (LESSON, "## Bài 1\n\x00\x00\n".encode()),
        (Path("manifest.toml"), b"\xff\xfeschema = 1\n"),
        (Path("README.md"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        (Path("banks/notes.vi.gift"), "Câu {T}".encode("cp1258")),
    ],
    ids=["png-as-lesson", "nul-in-lesson", "utf16-manifest", "doc-as-readme", "cp1258-bank"],
)
def test_a_file_that_is_not_utf8_text_is_a_problem_not_a_crash(app, courses, path, content):
    target = courses / "linked-course" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    result = validate(app, courses / "linked-course")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path.as_posix()}: (encoding):" in result.stdout
    report = sync(app, courses)
    assert "linked-course" in report.failed


def test_a_bank_that_is_not_utf8_is_reported_once(app, tmp_path):
    folder = tmp_path / "courses"
    write_course(folder, "with-quiz")
    bank = folder / "with-quiz" / "banks" / "checks.vi.gift"
    bank.parent.mkdir()
    bank.write_bytes(b"::Q:: \xff {T}")
    (folder / "with-quiz" / "banks" / "checks.en.gift").write_text("::Q:: True? {T}\n")
    manifest = folder / "with-quiz" / "manifest.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[[activities]]\nkey = "check"\ntype = "quiz"\nbank = "checks"\n'
        + '[activities.title]\nvi = "Kiểm tra"\nen = "Check"\n'
    )
    result = validate(app, folder / "with-quiz")
    assert result.exit_code == 1
    assert result.stdout.count("banks/checks.vi.gift: (encoding):") == 1, result.stdout


def test_two_folders_with_one_id_fail_validation_and_both_are_checked(
    app, courses, tmp_path, monkeypatch
):
    shutil.copytree(courses / "linked-course", tmp_path / "more" / "copy")
    (tmp_path / "more" / "copy" / LESSON).unlink()
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [str(courses), str(tmp_path / "more")])
    result = validate(app)
    assert result.exit_code == 1
    clash = next(line for line in result.stdout.splitlines() if "'linked-course'" in line)
    assert "courses/linked-course" in clash and "more/copy" in clash
    assert "copy/lessons/vi/01-lesson-1.md" in result.stdout, "the copy is checked too"

    given = validate(app, courses / "linked-course", tmp_path / "more" / "copy")
    assert given.exit_code == 1
    assert "the id 'linked-course' is used by" in given.stdout


def test_a_clashing_folder_retires_nothing_and_leaves_assignments_alone(
    app, courses, tmp_path, factory, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [str(courses)])
    cli = app.test_cli_runner()
    assert cli.invoke(args=["courses", "sync"]).exit_code == 0
    unit = factory.unit(kind="ward", name_vi="Phường Lê Chân", code="HP-LC")
    position = factory.position(code="CLERK", name_vi="Văn thư")
    for _ in range(3):
        factory.assignment(factory.user(), position, unit)
    factory.curriculum_item(position, "linked-course")
    assert cli.invoke(args=["assignments", "sync"]).exit_code == 0

    def current():
        with app.app_context():
            module = db.session.scalar(sa.select(Module).where(Module.slug == "linked-course"))
            count = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(ModuleAssignment)
                .where(
                    ModuleAssignment.module_id == module.id, ModuleAssignment.retired_on.is_(None)
                )
            )
            return module.retired_at, count

    assert current() == (None, 3)

    other = tmp_path / "more"
    write_course(other, "linked-course", title_vi="Một bản khác")
    (other / "linked-course").rename(other / "someone-elses")
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [str(courses), str(other)])
    result = cli.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert "courses/linked-course" in result.output and "more/someone-elses" in result.output
    assert "0 retired" in result.output
    assert cli.invoke(args=["assignments", "sync"]).exit_code == 0
    assert current() == (None, 3)


def test_a_sync_with_a_broken_course_retires_nothing(app, courses):
    sync(app, courses)
    root = courses / "linked-course"
    root.rename(courses / "renamed")
    (courses / "renamed" / "manifest.toml").write_text('id = "linked-course\n')
    report = sync(app, courses)
    assert "renamed" in report.failed and report.retired == []
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == "linked-course"))
        assert module.retired_at is None


def test_a_folder_cannot_take_over_a_module_authored_in_the_browser(app, courses):
    with app.app_context():
        course, _ = load_course(courses / "linked-course", registry())
        publish_course(course, WEB)
        db.session.commit()
    (courses / "linked-course" / LESSON).write_text("## Bài 1\n\nĐã sửa.\n")
    report = sync(app, courses)
    assert [str(p) for p in report.failed["linked-course"]] == [
        "manifest.toml: id: a module authored in the browser has this id"
    ]
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == "linked-course"))
        assert module.source == WEB
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(ModuleVersion.module_id == module.id)
            )
            == 1
        )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("https://example.com/a.png", "remote images are not allowed"),
        ("http://example.com/a.png", "remote images are not allowed"),
        ("//example.com/a.png", "remote images are not allowed"),
        ("images/logo.svg", "media/ folder"),
        ("/static/img/logo.svg", "media/ folder"),
    ],
)
def test_an_image_from_outside_the_media_folder_is_a_validation_problem(
    app, courses, source, message
):
    lesson = courses / "linked-course" / LESSON
    lesson.write_text(f"## Bài 1\n\n![Sơ đồ]({source})\n\n[Cổng](https://dichvucong.gov.vn)\n")
    result = validate(app, courses / "linked-course")
    assert result.exit_code == 1
    assert "lessons/vi/01-lesson-1.md: (image):" in result.stdout
    with app.app_context(), force_locale("en"):
        _, problems = load_course(courses / "linked-course", registry())
        assert [(p.file, p.field) for p in problems] == [(LESSON.as_posix(), "(image)")]
        assert message in str(problems[0].message)
