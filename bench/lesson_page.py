"""Lesson-page throughput and latency, beside a bare Flask route of the same page size.

Run from the repository root::

    .venv/bin/python bench/lesson_page.py
    .venv/bin/python bench/lesson_page.py --seconds 10 --warmup 2 --concurrency 4 --workers 2

In a temporary folder it builds the demo city (``lms demo``) on SQLite, or with ``--postgres``
in a throw-away schema at ``LMS_TEST_POSTGRES_URL``, with one course: the repository's
``courses/digital-government-foundations`` when it loads, otherwise a generated course whose
lessons are about 1,000 words long (``--course`` chooses). It serves the LMS with gunicorn
(sync workers) and, with the same worker count, the bare app of ``bench/bare_app.py``, whose
one route renders a template padded to the lesson page's size and another does the same after
three indexed queries of the LMS's database (the "3-query page"). It signs in once as the
demo learner and, for each page in turn (never two at once), keeps ``--concurrency`` clients
requesting it for ``--seconds`` after ``--warmup``. Every response must be a 200 that
holds the page's text (a redirect to the sign-in page counts as a failure).

It prints requests, requests/s, p50 and p95 latency, bytes per page and the server's CPU
time per request (its gunicorn master and workers, from ``/proc``) for each, then the
lesson/bare and lesson/3-query ratios, and exits non-zero if any request failed (with the
servers' logged errors). The load generator runs on the same machine as the servers and
takes part of its CPUs; the table says how much ("client CPU", as a share of one CPU).
"""

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness import (
    BARE_MARKER,
    LEARNER,
    LOAD_NOTE,
    ROOT,
    Result,
    Server,
    Servers,
    add_load_arguments,
    bare_server,
    build_demo,
    cookie_of,
    environment,
    hammer,
    postgres_url,
    print_failures,
    request,
    sign_in,
    summary,
    throwaway_schema,
)

SHIPPED_COURSE = "digital-government-foundations"
BENCH_COURSE = "bench-lesson-page"
SIZE_TOLERANCE = 0.10

PROSE = (
    "cán bộ công chức chính quyền số dịch vụ công trực tuyến hồ sơ văn bản điện tử chữ ký số "
    "một cửa người dân doanh nghiệp xác thực định danh bảo mật thông tin dữ liệu quy trình "
    "tiếp nhận giải quyết thủ tục hành chính cơ sở dữ liệu quốc gia phần mềm hệ thống"
)


@dataclass
class Course:
    folder: Path
    slug: str
    key: str
    marker: str


@dataclass
class Target:
    """A page to measure and how to recognise it."""

    name: str
    port: int
    path: str
    marker: bytes
    headers: dict[str, str]
    server_pid: int  # the gunicorn master serving it, whose processes' CPU is measured
    page_bytes: int = 0


# --- setting up ----------------------------------------------------------------------------


def lesson_text(words: int = 1000, seed: int = 2026) -> str:
    """About ``words`` words of lesson-like Markdown: sections, paragraphs and lists."""
    pick = random.Random(seed)
    vocabulary = PROSE.split()

    def sentence() -> str:
        text = " ".join(pick.choice(vocabulary) for _ in range(pick.randint(10, 18)))
        return text[0].upper() + text[1:] + "."

    parts, count, section = [], 0, 0
    while count < words:
        section += 1
        paragraphs = [" ".join(sentence() for _ in range(4)) for _ in range(3)]
        items = [f"- {sentence()}" for _ in range(4)]
        block = [f"### Mục {section}", *paragraphs, "\n".join(items)]
        parts.extend(block)
        count += sum(len(part.split()) for part in block)
    marker = "Bài {n}: nội dung chính của bài học về chính quyền số"
    return marker + "\n\n" + "\n\n".join(parts)


def shipped_course(choice: str) -> Course | None:
    """The repository's course, unless ``--course generated`` or it is not all there."""
    shipped = ROOT / "courses" / SHIPPED_COURSE
    if choice == "generated" or not _complete(shipped):
        if choice == "shipped":
            raise SystemExit(f"{shipped.relative_to(ROOT)} is missing or incomplete")
        return None
    return _course_from(shipped, ROOT / "courses")


def generated_course(tmp: Path) -> Course:
    """Three lessons of about 1,000 words each, written under ``tmp``."""
    from lms.testing.courses import write_course

    folder = tmp / "courses"
    root = write_course(folder, BENCH_COURSE, lessons=3, lesson_text=lesson_text())
    return _course_from(root, folder)


def _complete(root: Path) -> bool:
    """Whether the course folder has a manifest and every lesson file it names."""
    try:
        manifest = tomllib.loads((root / "manifest.toml").read_text(encoding="utf-8"))
        lessons = [a["file"] for a in manifest["activities"] if a["type"] == "lesson"]
        languages = manifest["languages"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return False
    files = [root / "lessons" / lang / file for lang in languages for file in lessons]
    return bool(lessons) and all(file.is_file() for file in files)


def _course_from(root: Path, folder: Path) -> Course:
    manifest = tomllib.loads((root / "manifest.toml").read_text(encoding="utf-8"))
    lesson = next(a for a in manifest["activities"] if a["type"] == "lesson")
    language = "vi" if "vi" in manifest["languages"] else manifest["languages"][0]
    source = (root / "lessons" / language / lesson["file"]).read_text(encoding="utf-8")
    return Course(folder, manifest["id"], lesson["key"], _marker(source))


def _marker(markdown: str) -> str:
    """A run of plain words from the lesson's prose: Markdown leaves it unchanged in the HTML."""
    runs = re.findall(r"[^\W\d_]+(?: [^\W\d_]+){3,}", markdown)
    if not runs:
        raise SystemExit("the benchmark lesson has no plain sentence to look for")
    return max(runs, key=len)


def build_with_course(tmp: Path, database_url: str, choice: str) -> tuple[Course, dict]:
    """Build the demo with the shipped course, falling back to a generated one under
    ``--course auto`` when the shipped one does not load. Returns the course and the
    servers' environment."""
    course = shipped_course(choice) or generated_course(tmp)
    env = environment(tmp, course.folder, database_url)
    print(f"Building the demo city with course {course.slug!r} in {tmp} ...", flush=True)
    problem = build_demo(env, course.slug)
    if problem and choice == "auto" and course.slug == SHIPPED_COURSE:
        print(f"The shipped course did not load ({problem}); using a generated one.")
        course = generated_course(tmp)
        env["LMS_COURSE_DIRS"] = str(course.folder)
        problem = build_demo(env, course.slug)
    if problem:
        raise SystemExit(f"lms demo did not load the course {course.slug}: {problem}")
    return course, env


# --- HTTP ----------------------------------------------------------------------------------


def fetch_checked(target: Target, conn=None) -> bytes:
    """The page's body, or ValueError saying why it is not the expected page."""
    status, headers, body = request(target.port, target.path, headers=target.headers, conn=conn)
    if status != 200:
        where = headers.get("Location")
        raise ValueError(f"status {status}" + (f" to {where}" if where else ""))
    if target.marker not in body:
        raise ValueError("page without the expected text")
    return body


def measure(target: Target, args) -> Result:
    """``args.concurrency`` clients request the page for ``args.warmup`` + ``args.seconds``."""
    result = hammer(
        target.name,
        target.port,
        lambda _index, conn: fetch_checked(target, conn),
        concurrency=args.concurrency,
        warmup=args.warmup,
        seconds=args.seconds,
        server_pid=target.server_pid,
    )
    result.page_bytes = target.page_bytes
    return result


# --- report --------------------------------------------------------------------------------


def report(results: list[Result], args) -> None:
    rows = [(r.name, summary(r)) for r in results]
    print(
        f"\n{args.seconds:g} s per page after {args.warmup:g} s warm-up, {args.concurrency} "
        f"clients, gunicorn {args.workers} sync workers, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} CPUs"
    )
    print(
        f"{'page':<8}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'bytes/page':>12}"
        f"{'failed':>8}{'client CPU':>12}{'server CPU ms/req':>19}"
    )
    for name, s in rows:
        print(
            f"{name:<8}{s['requests']:>10}{s['rps']:>10.1f}{s['p50']:>9.2f}{s['p95']:>9.2f}"
            f"{s['bytes']:>12}{s['failed']:>8}{s['client_cpu']:>11.0f}%{s['cpu_ms']:>19.2f}"
        )
    (_, lesson), (_, queries), (_, bare) = rows
    if bare["rps"] and bare["p95"]:
        ratio = lesson["rps"] / bare["rps"]
        print(
            f"lesson/bare: req/s x{ratio:.3f} (the bare route serves "
            f"{1 / ratio if ratio else float('inf'):.1f}x as many), "
            f"p95 latency x{lesson['p95'] / bare['p95']:.1f}, "
            f"server CPU per request x{lesson['cpu_ms'] / bare['cpu_ms']:.1f}"
        )
    if queries["cpu_ms"]:
        print(
            f"lesson/3-query page: server CPU per request x"
            f"{lesson['cpu_ms'] / queries['cpu_ms']:.2f}, req/s x"
            f"{lesson['rps'] / queries['rps']:.3f}"
        )
    print(LOAD_NOTE)
    print_failures(results)


# --- main ----------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_load_arguments(parser, "page")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument(
        "--course",
        choices=["auto", "shipped", "generated"],
        default="auto",
        help=f"auto: courses/{SHIPPED_COURSE} when it loads, else a generated course",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a throw-away schema in PostgreSQL at LMS_TEST_POSTGRES_URL, not SQLite",
    )
    return parser.parse_args(argv)


def run(tmp: Path, database_url: str, args) -> int:
    course, env = build_with_course(tmp, database_url, args.course)
    with Servers() as servers:
        lms = Server("lms", "wsgi:app", args.workers, env, tmp / "lms.log")
        servers.append(lms)
        lms.wait_ready("/login")
        cookie = sign_in(lms.port, LEARNER, env["LMS_DEMO_PASSWORD"])
        # The first page a session shows puts its CSRF token in the session: the browser
        # keeps the cookie that comes back, so the clients send that one from then on.
        path = f"/modules/{course.slug}/{course.key}"
        _, headers, _ = request(lms.port, path, headers={"Cookie": cookie})
        cookie = cookie_of(headers) or cookie
        lesson = Target(
            "lesson",
            lms.port,
            path,
            course.marker.encode(),
            {"Cookie": cookie},
            lms.process.pid,
        )
        lesson.page_bytes = len(fetch_checked(lesson))

        bare_app = bare_server(
            args.workers,
            env,
            tmp / "bare.log",
            page_bytes=str(lesson.page_bytes),
            reader=LEARNER,
            module=course.slug,
        )
        servers.append(bare_app)
        bare_app.wait_ready("/")
        bare_pages = [
            Target(name, bare_app.port, path, BARE_MARKER.encode(), {}, bare_app.process.pid)
            for name, path in (("3-query", "/queries"), ("bare", "/"))
        ]
        for page in bare_pages:
            page.page_bytes = len(fetch_checked(page))
            if abs(page.page_bytes - lesson.page_bytes) > SIZE_TOLERANCE * lesson.page_bytes:
                raise SystemExit(
                    f"{page.name}: {page.page_bytes} bytes, lesson: {lesson.page_bytes}"
                )

        print(
            f"Lesson page {lesson.path}: {lesson.page_bytes} bytes; "
            f"bare: {bare_pages[1].page_bytes}"
        )
        results = []
        for target in (lesson, *bare_pages):
            print(f"Measuring {target.name} for {args.warmup + args.seconds:g} s ...", flush=True)
            results.append(measure(target, args))
        report(results, args)
        failed = any(result.failures for result in results)
        if failed:
            servers.print_errors()
        return 1 if failed else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    # A plain ``kill`` stops the benchmark like Ctrl-C: servers stopped, folder removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            if args.postgres:
                database_url = stack.enter_context(throwaway_schema(postgres_url()))
            else:
                database_url = f"sqlite:///{tmp / 'lms.sqlite3'}"
            return run(tmp, database_url, args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
