"""Late penalties: per hour or day with a cap, grace, real elapsed time across a
daylight-saving change, and extensions to the minute."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from grader.clock import aware
from grader.db import transaction
from grader.policy import LatePenalty, late_seconds
from grader.service.errors import Invalid
from grader.service.late import grant_extension, lateness
from grader.service.users import get_user
from tests.service_helpers import make_world

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "policy, late_hours, percent",
    [
        (LatePenalty(10, "day", 50), 0, 0),
        (LatePenalty(10, "day", 50), 0.01, 10),  # any started day counts
        (LatePenalty(10, "day", 50), 24, 10),
        (LatePenalty(10, "day", 50), 24.5, 20),
        (LatePenalty(10, "day", 50), 24 * 9, 50),  # the cap
        (LatePenalty(2, "hour", 100), 3.5, 8),
        (LatePenalty(2, "hour", 100, grace_minutes=15), 0.2, 0),
        (LatePenalty(2, "hour", 100, grace_minutes=15), 0.3, 2),
        (LatePenalty(0, "day", 100), 1000, 0),
    ],
)
def test_penalty_steps(policy, late_hours, percent):
    assert policy.percent_for(late_hours * 3600) == percent


def test_daylight_saving_does_not_shift_the_penalty():
    # Due Saturday 28 March 2026 23:00 in Berlin; clocks jump forward that night.
    due = datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)
    handed_in = datetime(2026, 3, 29, 23, 30, tzinfo=BERLIN)  # 23.5 real hours later
    assert (handed_in - due).total_seconds() == 24.5 * 3600  # Python's wall-clock pitfall
    late = late_seconds(handed_in, due)
    assert late == 23.5 * 3600
    assert LatePenalty(10, "day", 50).percent_for(late) == 10


def test_extension_moves_the_due_date_to_the_minute(sqlite_url):
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = make_world(sqlite_url)
    with transaction(world.sessions) as session:
        from grader import models

        hw = session.get(models.Assignment, "dl-hw1")
        hw.late_penalty = {"percent": 10, "per": "day", "max_percent": 50, "grace_minutes": 0}
        alice = get_user(session, "alice@example.edu")
        due = aware(hw.due_at)
        received = due + timedelta(hours=30)
        assert lateness(session, hw, alice.id, received).penalty_percent == 20
        ivan = get_user(session, "ivan@example.edu")
        grant_extension(session, hw, alice, due + timedelta(hours=29, minutes=59), "ill", ivan)
        late = lateness(session, hw, alice.id, received)
        assert (late.late_by_seconds, late.penalty_percent) == (60, 10)
        assert late.apply(21) == 18.9
        bob = get_user(session, "bob@example.edu")
        assert lateness(session, hw, bob.id, received).penalty_percent == 20
        with pytest.raises(Invalid, match="only instructors and TAs"):
            grant_extension(session, hw, bob, due, "me", bob)
        with pytest.raises(Invalid, match="needs a reason"):
            grant_extension(session, hw, bob, due, " ", ivan)
    world.app.extensions["dlgrader.engine"].dispose()


def test_an_extension_in_another_zone_keeps_its_instant(sqlite_url):
    from grader import models
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = make_world(sqlite_url)
    new_due = datetime(2027, 11, 25, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    with transaction(world.sessions) as session:
        hw = session.get(models.Assignment, "dl-hw1")
        alice = get_user(session, "alice@example.edu")
        grant_extension(
            session, hw, alice, new_due, "travel", get_user(session, "ivan@example.edu")
        )
    with world.sessions() as session:
        hw = session.get(models.Assignment, "dl-hw1")
        assert (
            lateness(session, hw, get_user(session, "alice@example.edu").id, new_due).due == new_due
        )
    world.app.extensions["dlgrader.engine"].dispose()
