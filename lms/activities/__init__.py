"""Built-in activity types. Each registers through the ``lms.plugins`` entry point, as a
third-party activity type would."""
