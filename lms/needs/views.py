from lms.needs import bp, models  # noqa: F401
