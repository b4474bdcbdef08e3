"""What signing costs per certificate PDF: the same certificate rendered unsigned (the
baseline) and rendered and signed (PAdES B-B, a 2048-bit RSA test key), the signature
alone on the rendered bytes, and verify_pdf on the result; in one process with the signer
loaded once, as a server worker keeps it.

    .venv/bin/python bench/certificate_signing.py [--runs 30]
"""

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from datetime import date
from pathlib import Path

warnings.simplefilter("ignore", DeprecationWarning)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_babel import force_locale  # noqa: E402

from lms import create_app  # noqa: E402
from lms.certificates import pdf, signing  # noqa: E402
from lms.demo import signing as demo  # noqa: E402
from lms.demo.seal import seal_png  # noqa: E402

SEAL = seal_png("Sở Nội vụ thành phố Hải Phòng")


def sheet() -> pdf.CertificateSheet:
    head = pdf.Letterhead(
        **{name: texts["vi"] for name, texts in demo.TEXTS.items()},
        signer_name=demo.SIGNER,
        seal_png=SEAL,
        signed_by=demo.SIGNER_CN,
    )
    return pdf.CertificateSheet(
        kind="module",
        holder_name="Nguyễn Thị Hương",
        achievement="Chữ ký số và xác thực điện tử",
        position="Công chức một cửa",
        unit="Phường Hồng Bàng",
        modules=[("Chữ ký số và xác thực điện tử", 3)],
        hours=4.5,
        issued_on=date(2026, 3, 5),
        expires_on=date(2028, 3, 5),
        serial="2026-000123",
        verify_url="https://hoctap.example.vn/verify/ABCD-EFGH",
        issuer="Sở Nội vụ",
        code="ABCDEFGH",
        letterhead=head,
    )


def timed(runs: int, make) -> list[float]:
    make()  # warm-up: fonts parsed, signer loaded
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        make()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        key, cert = signing.make_test_key(Path(folder), common_name=demo.SIGNER_CN)
        config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        plain = create_app(config)
        signed = create_app({**config, "LMS_SIGNING_KEY": str(key), "LMS_SIGNING_CERT": str(cert)})
        results = {}
        for name, app in (("unsigned", plain), ("signed", signed)):
            with app.app_context(), force_locale("vi"):
                results[name] = timed(runs, lambda: pdf.certificate_pdf(sheet()))
        with plain.app_context(), force_locale("vi"):
            raw = pdf.certificate_pdf(sheet())
        with signed.app_context(), force_locale("vi"):
            spot = signing.Spot(0, (450.0, 40.0, 640.0, 52.0))
            results["sign only"] = timed(runs, lambda: signing.sign(raw, spot, reason="bench"))
        with signed.app_context():
            # Without a code: the bench has no database to find the certificate in.
            data = pdf.certificate_pdf(replace(sheet(), code=""))
            verify = timed(runs, lambda: signing.verify_pdf(data))
    for name, times in (*results.items(), ("verify_pdf", verify)):
        print(
            f"{name:<10} median {statistics.median(times):7.1f} ms   "
            f"p90 {sorted(times)[int(len(times) * 0.9)]:7.1f} ms   ({runs} runs)"
        )
    print(f"signing adds {statistics.median(results['sign only']):.1f} ms per PDF (median)")


if __name__ == "__main__":
    main()
