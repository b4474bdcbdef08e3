import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings

from lms.config import shipped
from lms.core.permissions import Role
from lms.core.static import compress
from lms.testing.courses import sync

SAMPLE_COURSE = Path(__file__).parent / "data" / "courses" / "sample-course"

# Property-based tests of outside input: a fixed number of examples per parser, no deadline
# (a shared CI machine is not a stopwatch); LMS_HYPOTHESIS_EXAMPLES raises it for a long run.
settings.register_profile(
    "lms",
    max_examples=int(os.environ.get("LMS_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("lms")


@pytest.fixture(scope="session", autouse=True)
def compressed_static_files():
    """The static files' compressed copies, as ``lms static compress`` leaves them in a
    deployed checkout: made before any application starts, since it reads which copies exist
    as it starts. (Only files changed since the last run are compressed again.)"""
    compress(shipped("static"))


@pytest.fixture
def site(app, factory, tmp_path):
    """A small org with one user of every role and one of every object an URL can name."""
    city = factory.unit(kind="city", name_vi="Thành phố Hải Phòng", code="HP")
    ward = factory.unit(parent=city, kind="ward", name_vi="Phường Hồng Bàng", code="HP-HB")
    counter = factory.unit(parent=ward, kind="one_stop", name_vi="Bộ phận Một cửa", code="HP-HB-1C")
    commune = factory.unit(parent=city, kind="commune", name_vi="Xã An Dương", code="HP-AD")
    position = factory.position(code="ONE_STOP_T", name_vi="Công chức một cửa")
    learner = factory.user(full_name="Nguyễn Văn An", username="learner")
    assignment = factory.assignment(learner, position, counter)
    outsider = factory.user(full_name="Trần Thị Bình", username="outsider")
    factory.assignment(outsider, position, commune)
    shutil.copytree(SAMPLE_COURSE, tmp_path / "site-courses" / "sample-course")
    sync(app, tmp_path / "site-courses")
    return SimpleNamespace(
        module_slug="sample-course",
        activity_key="what-is-a-signature",
        city=city,
        ward=ward,
        counter=counter,
        commune=commune,
        position=position,
        assignment=assignment,
        learner=learner,
        outsider=outsider,
        trainer=factory.user(roles=[Role.TRAINER], username="trainer"),
        manager=factory.manager_of(ward, username="manager"),
        admin=factory.user(roles=[Role.ADMIN], username="admin"),
    )
