"""Submissions are rate-limited per user: a script gone wild gets 429, others go on."""

import pytest
from sqlalchemy import func, select

from grader import models
from tests.service_helpers import make_world


@pytest.fixture
def world(sqlite_url):
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = make_world(sqlite_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def test_twenty_first_submission_in_a_minute_is_refused(world):
    client = world.app.test_client()
    url = "/api/v1/assignments/dl-hw1/submissions"
    codes = [
        client.post(
            url, headers=world.headers("alice"), json={"answers": {"q2.z": str(i)}}
        ).status_code
        for i in range(21)
    ]
    assert codes == [202] * 20 + [429]
    refused = client.post(url, headers=world.headers("alice"), json={"answers": {"q2.z": "99"}})
    assert refused.get_json()["error"].startswith("too many submissions in a minute")
    assert (
        client.post(url, headers=world.headers("bob"), json={"answers": {"q2.z": "1"}}).status_code
        == 202
    )
    world.drain()
    with world.sessions() as session:
        count = session.scalar(select(func.count()).select_from(models.Submission))
    assert count == 21
