"""A regrade with an unchanged key changes nothing, even where a part's share is not a
round number (4 points over 7 layer cells)."""

from grader import models
from grader.answer_key import answer_key
from grader.db import transaction
from grader.migrate import upgrade
from grader.service.assignments import import_assignment
from grader.service.regrade import regrade
from grader.service.submissions import Incoming, submit
from grader.service.users import add_user
from grader.service.worker import grade_submission
from grader.spec import parse_assignment
from tests.service_helpers import ROOT


def test_unchanged_key_means_no_change(db_url):
    from grader.db import make_engine, make_session_factory

    upgrade(db_url)
    factory = make_session_factory(make_engine(db_url))
    quiz = (ROOT / "assignments" / "dl-quiz-random.yaml").read_text()
    spec = parse_assignment(quiz)
    table = answer_key(spec, "ann@example.edu")["cnn.activations"].value
    rows = [r for r in table.rows if r.type != "input"]
    # Three of seven cells right: 4 points x 3/7 is not a round number.
    text = "\n".join(f"{r.name}: {' x '.join(map(str, r.output))}" for r in rows[:3])
    with transaction(factory) as session:
        import_assignment(session, quiz)
        ann = add_user(session, "ann@example.edu")
        row, _ = submit(session, "dl-quiz-random", ann, Incoming(answers={"cnn.activations": text}))
        sid = row.id
    assert grade_submission(factory, sid) == "graded"
    with factory() as session:
        assert float(session.get(models.Submission, sid).score) == 1.7143
    with factory() as session:
        report = regrade(session, "dl-quiz-random", dry_run=True)
    assert (report["checked"], report["changed"]) == (1, [])
