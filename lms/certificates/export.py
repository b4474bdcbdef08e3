"""A person's certificates in the export of their personal data: the PDF of each, as they
would download it from their list of certificates."""

from lms.accounts.models import User
from lms.certificates import pdf, queries, transcript
from lms.certificates.verification import verify_url
from lms.core import clock, signals


@signals.personal_data_exported.connect
def add_certificate_pdfs(user: User, files: dict[str, bytes]) -> None:
    today = clock.today()
    for certificate in queries.certificates_of(user):
        sheet = transcript.sheet_of(certificate, verify_url(certificate.code), today)
        files[f"certificates/{certificate.serial}.pdf"] = pdf.certificate_pdf(sheet)
