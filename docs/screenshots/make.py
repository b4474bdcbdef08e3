"""Take the README's screenshots of a fresh demo city.

    python docs/screenshots/make.py

Builds the demo (``lms demo``) on a SQLite database in a temporary folder, serves it on a
free port of 127.0.0.1 and signs in with Playwright's Chromium (``LMS_CHROMIUM``, by default
/usr/bin/chromium) as the demo learner and the city's manager. Each page is taken full-page
on a desktop (1280×800) and a phone (390×844) and saved here as a PNG reduced to a palette.
"""

import os
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from lms import create_app  # noqa: E402

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "Demo-anh-chup-1"  # noqa: S105 (the throw-away demo's)
DEVICES = {"desktop": (1280, 800), "phone": (390, 844)}
# name, who, path
PAGES = [
    ("home", "learner", "/"),
    ("dashboard", "manager.city", "/reports/"),
    ("gradebook", "manager.city", "/reports/gradebook"),
    ("calendar", "learner", "/calendar"),
]


def demo_app(folder: Path):
    app = create_app(
        {
            "SECRET_KEY": "screenshots-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
            "LMS_INSTANCE_PATH": str(folder),
            "LMS_DEMO_PASSWORD": PASSWORD,
            # The city's manager signs in with a password alone for the pictures.
            "LMS_SECOND_FACTOR_REQUIRED": [],
        }
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    if result.exit_code != 0:
        sys.exit(result.output)
    return app


def save(png: bytes, path: Path) -> None:
    """``png`` as a palette image of at most 256 colours, which keeps text sharp."""
    from io import BytesIO

    image = Image.open(BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        app = demo_app(Path(folder))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for device, (width, height) in DEVICES.items():
                    signed_in = {}
                    for name, who, path in PAGES:
                        if who not in signed_in:
                            context = browser.new_context(
                                viewport={"width": width, "height": height}, locale="vi-VN"
                            )
                            page = context.new_page()
                            page.goto(f"{base}/login")
                            page.fill("#username", who)
                            page.fill("#password", PASSWORD)
                            page.click("main button[type=submit]")
                            page.wait_for_load_state("load")
                            signed_in[who] = page
                        page = signed_in[who]
                        page.goto(base + path)
                        page.wait_for_load_state("load")
                        target = HERE / f"{name}-{device}.png"
                        save(page.screenshot(full_page=True), target)
                        print(f"{target.name}: {target.stat().st_size // 1024} KB")
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
