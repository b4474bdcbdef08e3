from lms.authoring import bp  # noqa: F401
