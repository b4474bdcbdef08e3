import shutil
from pathlib import Path

import pytest

from lms.testing.courses import write_course

SAMPLE = Path(__file__).parents[1] / "data" / "courses" / "sample-course"


@pytest.fixture
def broken(tmp_path):
    """Four broken courses and one good one."""
    folder = tmp_path / "courses"
    write_course(folder, "good-course")
    bad_manifest = write_course(folder, "bad-manifest")
    (bad_manifest / "manifest.toml").write_text('schema = 1\nid = "bad-manifest\n')
    missing = write_course(folder, "missing-lesson")
    (missing / "lessons" / "en" / "02-lesson-2.md").unlink()
    unknown = write_course(folder, "unknown-type")
    manifest = (unknown / "manifest.toml").read_text()
    (unknown / "manifest.toml").write_text(manifest.replace('type = "lesson"', 'type = "video"', 1))
    code = write_course(folder, "with-code")
    (code / "lessons" / "helper.py").write_text("import os\n")
    return folder


def test_validate_lists_every_problem_with_file_and_field(app, broken, monkeypatch):
    # The command speaks the site's default language: these lines read its English.
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [str(broken)])
    result = app.test_cli_runner().invoke(args=["courses", "validate"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    expected = [
        ("bad-manifest/manifest.toml: (syntax):", "Illegal character"),
        ("missing-lesson/lessons/en/02-lesson-2.md: activities[1].file:", "not found"),
        ("unknown-type/manifest.toml: activities[0].type:", "unknown activity type 'video'"),
        ("with-code/lessons/helper.py: (file):", "code is not allowed"),
    ]
    for start, message in expected:
        assert any(start in line and message in line for line in lines), (start, lines)
    assert not any("good-course" in line for line in lines)


def test_validate_one_path_and_a_good_course_exits_zero(app):
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(SAMPLE)])
    assert result.exit_code == 0, result.output


def test_sync_loads_the_good_courses_and_exits_non_zero(app, broken, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [str(broken)])
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert "1 created" in result.stdout and "4 failed" in result.stdout
    listing = app.test_cli_runner().invoke(args=["courses", "list"]).stdout
    assert "catalogue: good-course" in listing


def test_export_of_an_unknown_module_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["courses", "export", "nope", str(tmp_path)])
    assert result.exit_code == 1
    assert "no module with the id 'nope'" in result.output


def test_media_must_be_what_its_name_says(app, tmp_path, monkeypatch):
    # The command speaks the site's default language: these lines read its English.
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    folder = tmp_path / "courses"
    shutil.copytree(SAMPLE, folder / "sample-course")
    (folder / "sample-course" / "media" / "fake.png").write_text("<script>alert(1)</script>")
    result = app.test_cli_runner().invoke(
        args=["courses", "validate", str(folder / "sample-course")]
    )
    assert result.exit_code == 1
    assert "media/fake.png: (content): the content is not image/png" in result.stdout
