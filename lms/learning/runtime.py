"""What an activity type is given while a learner works: never the database.

The learning services load the learner's state, hand it to the activity type with a
``Runtime``, and save what comes back; activity types never persist learner state
themselves (a quiz keeps its attempts through ``lms.assessment``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.datastructures import MultiDict


@dataclass(frozen=True)
class Runtime:
    user_id: int
    locale: str
    action_url: str  # where the activity's forms post
    preview: bool = False  # true when a trainer previews: nothing is recorded
    params: MultiDict = field(default_factory=MultiDict)  # the page's query string
    # Notices for the learner that are not errors ("time was up"); the page shows them.
    messages: list = field(default_factory=list)
    # When the learner's current cycle in the module began: a renewal starts afresh, so a
    # type with records of its own (quiz attempts) counts only those made since.
    since: datetime | None = None
