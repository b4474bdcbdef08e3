"""The control of the lesson sanitiser's browser judge: the same payloads rendered by
Python-Markdown alone, unsanitised, must execute for a substantial share, or the judge of
``test_lesson_sanitiser.py`` proves nothing."""

import pytest
from sanitiser_judge import corpus, judge

from lms.core.markdown import to_html

pytestmark = pytest.mark.browser
__all__ = ["judge"]  # the fixture, used by name


def test_the_control_proves_the_judge_sees_execution(judge):
    raw = list(dict.fromkeys(to_html(payload) for payload in corpus()))
    control = sum(judge(html) for html in raw)
    print(f"\n{control} of {len(raw)} distinct pages execute without sanitising")
    # Many corpus lines cannot run in Chromium at all (bare handler names, IE- or Firefox-only
    # vectors, fragments for attribute or script contexts): even inserted raw, about a fifth
    # execute. A tenth is enough to show the judge sees execution.
    assert control >= len(raw) * 0.1, "the control must show the judge can see execution"
