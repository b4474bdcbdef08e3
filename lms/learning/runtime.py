"""What an activity type is given while a learner works: never the database.

The learning services load the learner's state, hand it to the activity type with a
``Runtime``, and save what comes back; activity types never persist anything themselves.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Runtime:
    user_id: int
    locale: str
    action_url: str  # where the activity's forms post
    preview: bool = False  # true when a trainer previews: nothing is recorded
