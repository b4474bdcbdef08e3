from lms.needs import bp  # noqa: F401
