"""Student pages: the assignment list, the assignment page with the student's own variant
and the live parse check, submitting (idempotent, blank refused, late confirmed), the
receipt with results as the feedback policy allows, answer sheets, and privacy."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from grader import models
from grader.answer_key import variant_params
from grader.db import transaction
from grader.service.assignments import get_assignment, import_assignment, load_spec
from grader.service.late import grant_extension
from grader.service.scores import set_manual_score
from grader.service.users import get_user
from grader.web.security import hash_password
from tests.service_helpers import ROOT, SHEET_TEXT, make_world

PASSWORD = "correct horse battery"
HW = "/assignments/dl-hw1"
PEOPLE = ("alice", "bob", "ivan")


def setup_world(url: str):
    world = make_world(url)
    with transaction(world.sessions) as session:
        for name in PEOPLE:
            get_user(session, f"{name}@example.edu").password_hash = hash_password(PASSWORD)
    set_policy(world, due=timedelta(days=7))
    return world


@pytest.fixture
def world(sqlite_url):
    from grader.migrate import upgrade

    upgrade(sqlite_url)
    world = setup_world(sqlite_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


@pytest.fixture
def any_world(db_url):
    """SQLite and PostgreSQL (db_url migrates)."""
    world = setup_world(db_url)
    yield world
    world.app.extensions["dlgrader.dispatch"].stop()
    world.app.extensions["dlgrader.engine"].dispose()


def set_policy(world, due=None, penalty=None, feedback=None, assignment="dl-hw1"):
    """`due`: from now (a timedelta), or an aware datetime."""
    with transaction(world.sessions) as session:
        row = get_assignment(session, assignment)
        if due is not None:
            row.due_at = datetime.now(UTC) + due if isinstance(due, timedelta) else due
        if penalty is not None:
            row.late_penalty = penalty
        if feedback is not None:
            row.feedback = feedback


def csrf_of(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def client_for(world, name: str):
    client = world.app.test_client()
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"email": f"{name}@example.edu", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def form_of(page: str) -> dict[str, str]:
    """The answer form's hidden fields (csrf token and idempotency key)."""
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1],
        "client_key": re.search(r'name="client_key" value="([^"]*)"', page)[1],
    }


def answers(**by_part: str) -> dict[str, str]:
    return {f"answer-{key.replace('__', '.')}": text for key, text in by_part.items()}


def post_answers(client, data: dict[str, str], path: str = HW):
    fields = form_of(client.get(path).get_data(as_text=True))
    return client.post(f"{path}/submit", data={**fields, **data}), fields


def count(world, model=models.Submission) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def receipt_id(response) -> int:
    assert response.status_code == 302, text_of(response)
    return int(re.fullmatch(r"/submissions/(\d+)", response.headers["Location"])[1])


# ---- 1. the assignment list --------------------------------------------------------------


def test_assignment_list_shows_due_attempts_status_and_score(world):
    set_policy(world, due=datetime(2027, 11, 19, 22, 59, tzinfo=UTC))  # 23:59 in Berlin
    capped = (ROOT / "assignments" / "dl-hw1.yaml").read_text()
    capped = capped.replace("id: dl-hw1", "id: dl-capped").replace('due: "2026', 'due: "2027')
    with transaction(world.sessions) as session:
        import_assignment(session, capped + "attempts: {max: 3}\n", "capped.yaml")
    client = client_for(world, "alice")
    page = text_of(client.get("/assignments"))
    assert "Fri 19 Nov 2027, 23:59 CET" in page
    assert "0 used, unlimited" in page and "0 of 3 used, 3 left" in page
    assert re.search(r'late-state open">open: \d+ days? \d+ hours?|late-state open">open', page)
    assert "not graded" in page

    receipt = receipt_id(post_answers(client, answers(q2__z="-0.04"))[0])
    world.drain()
    page = text_of(client.get("/assignments"))
    assert "1 used, unlimited" in page
    assert "1 / 30" in page  # q2.z right: 1 point of 30
    assert client.get(f"/submissions/{receipt}").status_code == 200

    # An extension: the student's own due date, and the course's, both in course time.
    with transaction(world.sessions) as session:
        grant_extension(
            session,
            get_assignment(session, "dl-hw1"),
            get_user(session, "alice@example.edu"),
            datetime(2027, 11, 23, 11, 0, tzinfo=UTC),
            "illness",
            get_user(session, "ivan@example.edu"),
        )
    page = text_of(client.get("/assignments"))
    assert "Your due date (extension): Tue 23 Nov 2027, 12:00 CET" in page
    assert "Fri 19 Nov 2027, 23:59 CET" in page
    # Past the due date with a penalty: the list says what submitting now costs.
    set_policy(world, due=timedelta(days=-2, hours=-1), assignment="dl-capped", penalty=TEN)
    page = text_of(client.get("/assignments"))
    assert "past the due date: a late submission now loses 30 %" in page


TEN = {"percent": 10, "per": "day", "max_percent": 50, "grace_minutes": 0}


# ---- 2. the assignment page: own variant, inputs, live check -----------------------------


def test_assignment_page_shows_the_variant_inputs_and_hints(world):
    client = client_for(world, "alice")
    response = client.get(HW)
    page = text_of(response)
    assert response.status_code == 200
    assert "Question 1: Backpropagation through f(x, W) = ||W x||^2" in page
    assert '<pre class="value">[[0.1, 0.5],\n [-0.3, 0.8]]</pre>' in page  # W
    assert '<dt class="mono">x</dt><dd><pre class="value">[0.2, 0.4]</pre>' in page
    assert "h = matmul(W, x)\nf = l2sq(h)" in page
    assert 'logits = <span class="mono">[1, 0.7, 0.4, 1.3]</span>' in page
    assert '<td class="mono">conv3_2</td><td>conv</td>' in page  # the layer list
    assert "stride: [1, 3]" in page
    # One input per part, by kind, with a format hint.
    assert re.search(r'<textarea id="answer-q1\.dW" name="answer-q1\.dW" rows="2"', page)
    assert "Format: a 2 x 2 matrix, e.g. [[1, 2], [3, 4]]" in page
    assert "Format: a vector of 4 numbers" in page
    assert re.search(r'<input type="text" id="answer-q2\.z" name="answer-q2\.z"', page)
    assert re.search(r'<input type="text" id="answer-q2\.learn"', page)
    assert "Format: yes or no" in page
    assert re.search(r'<textarea id="answer-q2\.explain"[^>]*rows="6"', page)
    assert re.search(r'<textarea id="answer-q4\.activations"[^>]*placeholder="conv1_1: ', page)
    assert 'id="check-q1.dW" aria-live="polite"' in page
    assert 'data-check-url="/assignments/dl-hw1/check"' in page
    assert "/static/student.js" in page
    # CSP: no inline script or style, no event handler attributes.
    assert "<script>" not in page and "style=" not in page and not re.search(r"\son\w+=", page)
    assert "Submit attempt 1" in page


def test_each_student_sees_their_own_drawn_variant(world):
    text = (ROOT / "assignments" / "dl-quiz-random.yaml").read_text()
    with transaction(world.sessions) as session:
        import_assignment(session, text, "dl-quiz-random.yaml")
        spec = load_spec(session, "dl-quiz-random")
    grad = spec.question("grad")
    pages = {}
    for name in ("alice", "bob"):
        pages[name] = text_of(client_for(world, name).get("/assignments/dl-quiz-random"))
        w = variant_params(spec, grad, f"{name}@example.edu")["inputs"]["W"]
        shown = "[" + ",\n ".join("[" + ", ".join(f"{v:g}" for v in row) + "]" for row in w) + "]"
        assert f'<pre class="value">{shown}</pre>' in pages[name]
    assert pages["alice"] != pages["bob"]
    # The layer-table hints follow each question's convention.
    assert "e.g. conv1: 64 x 32 x 32 (C x H x W)" in pages["alice"]  # dl-quiz-random: PyTorch
    hw = text_of(client_for(world, "alice").get(HW))
    assert "e.g. conv1: 32 x 32 x 64 (H x W x C)" in hw  # dl-hw1: MATLAB
    assert "e.g. conv1: Weights: 3 x 3 x 64 x 128 Bias: 1 x 1 x 128" in hw


def check(client, part: str, text: str, path: str = HW):
    token = csrf_of(client, path)
    return client.post(
        f"{path}/check", json={"part": part, "text": text}, headers={"X-CSRFToken": token}
    )


def test_check_endpoint_only_parses(world):
    client = client_for(world, "alice")
    cases = [
        ("q1.dW", "[[1, 2], [3, 4]]", True, "reads as a 2 x 2 matrix"),
        ("q1.dW", "1 2\n3 4", True, "reads as a 2 x 2 matrix"),
        ("q3.a", "[0.27 0.20 0.15 0.37]", True, "reads as a vector of 4 numbers"),
        (
            "q1.dx",
            "[1, 2, 3]",
            False,  # it reads, but will be graded as the wrong shape: shown as a problem
            "reads as a vector of 3 numbers, but the question asks for a vector of 2 numbers",
        ),
        ("q2.z", "-0.04", True, "reads as the number -0.04"),
        ("q2.learn", "yes", True, "reads as yes"),
        (
            "q4.activations",
            "2808 x 33 x 64",
            True,
            "reads as the size 2808 x 33 x 64; give one line per layer as name: value",
        ),
        (
            "q4.activations",
            "conv1_1: 2808 x 33 x 64\nconv1_2: 2808 x 33 x 64",
            True,
            "reads 2 of 13 layers",
        ),
        ("q1.dx", "[1, 2", False, "unbalanced brackets: '[' at character 1 is never closed"),
        ("q2.z", "", False, "empty: this part counts as not answered"),
    ]
    for part, text, ok, message in cases:
        response = check(client, part, text)
        assert response.status_code == 200
        assert response.get_json() == {"ok": ok, "message": message}, (part, text)
    assert check(client, "q9.x", "1").status_code == 404
    assert check(client, "q1.dx", "1", "/assignments/nope").status_code == 404
    # No CSRF header: refused. And nothing was ever stored.
    no_token = client.post(f"{HW}/check", json={"part": "q1.dx", "text": "1"})
    assert no_token.status_code == 400
    assert count(world) == 0


# ---- 2. submitting -----------------------------------------------------------------------


def test_submit_commits_then_dispatches_and_a_double_click_is_one_submission(any_world):
    world = any_world
    client = client_for(world, "alice")
    dispatched = []
    dispatch = world.app.extensions["dlgrader.dispatch"]

    def spy(submission_id):  # the row must be committed when dispatch is called
        with world.sessions() as session:
            dispatched.append(session.get(models.Submission, submission_id) is not None)
        dispatch(submission_id)

    world.app.extensions["dlgrader.dispatch"] = spy
    data = answers(
        q1__dx="[-0.112, 0.636]", q2__z="-0.04", q3__a="[0.2748, 0.2036, 0.1508, 0.3709]"
    )
    first, fields = post_answers(client, data)
    again = client.post(f"{HW}/submit", data={**fields, **data})  # the double click
    assert receipt_id(first) == receipt_id(again)
    assert count(world) == 1 and dispatched == [True]
    world.app.extensions["dlgrader.dispatch"] = dispatch
    dispatch.drain()
    sid = receipt_id(first)
    status = client.get(f"/submissions/{sid}/status").get_json()
    assert status == {"id": sid, "status": "graded", "done": True}
    page = text_of(client.get(f"/submissions/{sid}"))
    assert "<h1>Submission" in page and "attempt 1." in page
    assert re.search(r'Score: <span class="stat">4 / 30</span>', page)
    assert re.search(r'<td class="mono">q1\.dx</td>\s*<td><span class="status correct">', page)
    assert re.search(r'<td class="mono">q2\.dW</td>\s*<td><span class="status missing">', page)
    with world.sessions() as session:
        row = session.get(models.Submission, sid)
        assert row.source == "answers" and row.answers["q2.z"] == "-0.04"
        assert "q2.dW" not in row.answers  # blank parts are not sent


def test_blank_form_is_refused_and_uses_no_attempt(world):
    client = client_for(world, "alice")
    response, _ = post_answers(client, answers(q1__dx="  ", q2__z=""))
    assert response.status_code == 422
    assert "Every answer is blank: nothing was submitted and no attempt was used." in text_of(
        response
    )
    assert "Submit attempt 1" in text_of(response)
    assert count(world) == 0


def test_late_submission_asks_first_showing_the_penalty(any_world):
    world = any_world
    set_policy(world, due=timedelta(days=-1, hours=-3), penalty=TEN)
    client = client_for(world, "alice")
    page = text_of(client.get(HW))
    assert "past the due date: a late submission now loses 20 %" in page
    response, fields = post_answers(client, answers(q2__z="-0.04"))
    page = text_of(response)
    assert response.status_code == 200
    assert "This submission would be <strong>1 day 3 hours late</strong>" in page
    assert "A late penalty of <strong>20 %</strong> will apply" in page
    assert "(10 % per started day late, at most 50 %)" in page
    assert "Nothing has been stored yet." in page
    assert count(world) == 0
    # The answers and the key travel in the confirmation form.
    assert '<textarea name="answer-q2.z" hidden>\n-0.04</textarea>' in page
    assert f'name="client_key" value="{fields["client_key"]}"' in page
    confirm = {**fields, **answers(q2__z="-0.04"), "confirm_late": "1"}
    sid = receipt_id(client.post(f"{HW}/submit", data=confirm))
    assert receipt_id(client.post(f"{HW}/submit", data=confirm)) == sid  # double click
    assert count(world) == 1
    world.drain()
    receipt = text_of(client.get(f"/submissions/{sid}"))
    assert "after your due date" in receipt and "a late penalty of 20 % applies" in receipt
    assert "after the late penalty: <strong>0.8</strong>" in receipt
    # "Back to my answers" refills the form and stores nothing.
    back = client.post(
        f"{HW}/edit", data={"csrf_token": fields["csrf_token"], **answers(q2__z="7")}
    )
    assert re.search(r'id="answer-q2\.z" name="answer-q2\.z" value="7"', text_of(back))
    assert count(world) == 1


# ---- 4. the receipt ----------------------------------------------------------------------


def test_receipt_polls_until_graded(world):
    client = client_for(world, "alice")
    worker = world.app.extensions["dlgrader.dispatch"]
    world.app.extensions["dlgrader.dispatch"] = lambda _id: None  # nothing grades it yet
    sid = receipt_id(post_answers(client, answers(q2__z="-0.04"))[0])
    world.app.extensions["dlgrader.dispatch"] = worker
    page = text_of(client.get(f"/submissions/{sid}"))
    assert 'data-status="queued"' in page
    assert f'data-status-url="/submissions/{sid}/status"' in page
    assert "This page updates by itself when grading is done." in page
    assert re.search(
        r'Received: <strong class="received">\w{3} \d+ \w{3} 20\d\d, \d\d:\d\d CE', page
    )
    assert '<pre class="answer">-0.04</pre>' in page
    status = client.get(f"/submissions/{sid}/status")
    assert status.get_json() == {"id": sid, "status": "queued", "done": False}
    worker(sid)
    world.drain()
    assert client.get(f"/submissions/{sid}/status").get_json()["done"] is True
    page = text_of(client.get(f"/submissions/{sid}"))
    assert 'data-status="graded"' in page and "updates by itself" not in page


def test_feedback_after_due_is_hidden_until_the_due_date(world):
    set_policy(world, feedback="after_due")
    client = client_for(world, "alice")
    sid = receipt_id(post_answers(client, answers(q2__z="-0.04", q2__learn="no"))[0])
    world.drain()
    page = text_of(client.get(f"/submissions/{sid}"))
    assert (
        "Feedback on each part (correct or not, the expected answer, comments) is shown "
        "after your due date" in page
    )
    assert 'class="status correct"' not in page and "Expected" not in page
    assert 'class="part-result"' not in page
    assert '<pre class="answer">-0.04</pre>' in page  # their own answers are there
    set_policy(world, due=timedelta(minutes=-1))
    page = text_of(client.get(f"/submissions/{sid}"))
    assert "is shown after your due date" not in page
    assert re.search(r'<td class="mono">q2\.z</td>\s*<td><span class="status correct">', page)
    assert re.search(r'<td class="mono">q2\.learn</td>\s*<td><span class="status incorrect">', page)


def test_score_changes_and_history_are_shown(world):
    client = client_for(world, "alice")
    first = receipt_id(post_answers(client, answers(q2__z="-0.05"))[0])
    second = receipt_id(post_answers(client, answers(q2__z="-0.04"))[0])
    world.drain()
    with transaction(world.sessions) as session:
        item = session.scalars(
            select(models.PartResult).where(
                models.PartResult.submission_id == first, models.PartResult.part_key == "q2.z"
            )
        ).one()
        ivan = get_user(session, "ivan@example.edu")
        set_manual_score(session, item.id, 1, ivan, "sign convention accepted", "override")
    page = text_of(client.get(f"/submissions/{first}"))
    assert "q2.z was 0, now 1: sign convention accepted" in page
    assert (
        f'<a href="/submissions/{first}">Attempt 1</a> <span class="muted small">(this one)' in page
    )
    assert f'<a href="/submissions/{second}">Attempt 2</a>' in page
    assert "Score changes" not in text_of(client.get(f"/submissions/{second}"))


def test_another_students_submission_is_not_found(any_world):
    world = any_world
    alice = client_for(world, "alice")
    sid = receipt_id(post_answers(alice, answers(q2__z="-0.04"))[0])
    bob = client_for(world, "bob")
    assert bob.get(f"/submissions/{sid}").status_code == 404
    assert bob.get(f"/submissions/{sid}/status").status_code == 404
    assert bob.get("/submissions/999999").status_code == 404
    assert bob.get(f"/submissions/{2**63}").status_code == 404
    assert client_for(world, "ivan").get(f"/submissions/{sid}").status_code == 200
    world.drain()


def test_student_text_is_always_escaped(world):
    client = client_for(world, "alice")
    evil = "<script>alert(1)</script>"
    sid = receipt_id(post_answers(client, answers(q2__explain=evil, q2__z=evil))[0])
    world.drain()
    page = text_of(client.get(f"/submissions/{sid}"))
    assert evil not in page
    assert html.escape(evil) in page or "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # And on the form after a refusal, and in the sheet review.
    refused = text_of(post_answers(client, answers(q2__z=" "))[0])
    assert evil not in refused
    upload = client.post(
        f"{HW}/sheet",
        data={"csrf_token": csrf_of(client, HW), "sheet": (_file(f"Q2\na) z = {evil}\n"), "s.md")},
        content_type="multipart/form-data",
    )
    assert evil not in text_of(upload) and "&lt;script&gt;" in text_of(upload)


# ---- 3. answer sheets --------------------------------------------------------------------


def _file(text: str):
    import io

    return io.BytesIO(text.encode())


def test_sheet_upload_shows_what_was_read_and_submits_the_corrections(world):
    client = client_for(world, "alice")
    token = csrf_of(client, HW)
    response = client.post(
        f"{HW}/sheet",
        data={"csrf_token": token, "sheet": (_file(SHEET_TEXT), "answer-sheet-01.md")},
        content_type="multipart/form-data",
    )
    page = text_of(response)
    assert response.status_code == 200 and count(world) == 0
    lines = SHEET_TEXT.split("\n")
    n, line = next((i + 1, text) for i, text in enumerate(lines) if "&" in text)
    assert f'<span class="ln">{n}</span>{escape(line)}\n' in page
    assert "answer-sheet-01.md" in page
    assert re.search(r'<textarea id="answer-q3\.a"[^>]*>\n\[0\.2', page)
    assert "Found at line" in page
    # The yes/no line holds the sheet's paragraph: its line breaks become spaces, so the
    # words do not run together ("such an x that", not "such an xthat").
    learn = re.search(r'<input type="text" id="answer-q2\.learn"[^>]*value="([^"]*)"', page)[1]
    assert html.unescape(learn).startswith("Yes. If in the next iterations there is such an x that")
    fields = form_of(page)
    sheet_text = re.search(r'<textarea name="sheet_text" hidden>\n(.*?)</textarea>', page, re.S)[1]
    assert html.unescape(sheet_text) == SHEET_TEXT
    # Submit the answers as read, with q2.z corrected by the student.
    values = {}
    for key in re.findall(r'<textarea id="answer-([\w.]+)"', page):
        found = re.search(
            rf'<textarea id="answer-{re.escape(key)}"[^>]*>\n(.*?)</textarea>', page, re.S
        )[1]
        values[f"answer-{key}"] = html.unescape(found)
    for key in re.findall(r'<input type="text" id="answer-([\w.]+)"[^>]*value="([^"]*)"', page):
        values[f"answer-{key[0]}"] = html.unescape(key[1])
    values["answer-q2.z"] = "-0.04"
    data = {**fields, **values, "sheet_text": html.unescape(sheet_text), "sheet_name": "s.md"}
    sid = receipt_id(client.post(f"{HW}/submit", data=data))
    world.drain()
    with world.sessions() as session:
        row = session.get(models.Submission, sid)
        assert row.source == "answers" and row.answers["q2.z"] == "-0.04"
        assert row.answers["q3.a"].startswith("[0.2")
        assert row.status == "graded"


def test_sheet_upload_refusals(world):
    client = client_for(world, "alice")
    token = csrf_of(client, HW)
    empty = client.post(f"{HW}/sheet", data={"csrf_token": token}, follow_redirects=True)
    assert "Choose a text or Markdown file to upload." in text_of(empty)
    binary = client.post(
        f"{HW}/sheet",
        data={"csrf_token": token, "sheet": (_file("a\0b"), "x.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "The answer sheet must be a text or Markdown file." in text_of(binary)
    assert count(world) == 0


def test_a_blank_sheet_review_is_refused_on_the_review_page(world):
    client = client_for(world, "alice")
    response, _ = post_answers(client, {"sheet_text": "Q1\nnothing", "sheet_name": "s.md"})
    assert response.status_code == 422
    page = text_of(response)
    assert (
        "Every answer is blank" in page
        and '<span class="ln">1</span>Q1\n<span class="ln">2</span>nothing\n</pre>' in page
    )
    assert count(world) == 0


def test_rubric_and_blank_parts_expected_answers_wait_for_the_due_date(world):
    rubric_item = "The ReLU derivative is 0 for z &lt; 0 (here z = -0.04)."
    client = client_for(world, "alice")
    sid = receipt_id(post_answers(client, answers(q2__explain="flat ReLU", q2__z="-0.04"))[0])
    world.drain()
    page = text_of(client.get(f"/submissions/{sid}"))
    assert 'class="status needs_review"' in page
    assert rubric_item not in page and 'class="small rubric"' not in page
    # q2.learn was left blank: its expected answer stays hidden until the due date.
    assert re.search(r'q2\.learn</td>\s*<td><span class="status missing">', page)
    learn = page.split('id="result-q2.learn"', 1)[1].split("</tr>", 1)[0]
    assert (
        '<pre class="answer"></pre></td>\n        '
        '<td><span class="muted small withheld">shown after the due date</span>'
    ) in learn
    z = page.split('id="result-q2.z"', 1)[1].split("</tr>", 1)[0]
    # Right: its key is theirs anyway (the answer, then the expected answer).
    assert '-0.04</pre></td>\n        <td><pre class="answer">-0.04</pre>' in z
    staff = client_for(world, "ivan")
    assert rubric_item in text_of(staff.get(f"/submissions/{sid}"))
    set_policy(world, due=timedelta(minutes=-1))
    page = text_of(client.get(f"/submissions/{sid}"))
    assert rubric_item in page
    learn = page.split('id="result-q2.learn"', 1)[1].split("</tr>", 1)[0]
    assert '<td><pre class="answer">yes</pre>' in learn


def test_assignment_list_states_the_late_policy_and_the_penalised_score(world):
    set_policy(world, penalty=TEN)
    client = client_for(world, "alice")
    page = text_of(client.get("/assignments"))
    assert "Late: 10 % per started day late, at most 50 %" in page
    post_answers(client, answers(q2__z="-0.04", q2__learn="yes"))  # 2 of 30, on time
    world.drain()
    assert "2 / 30</td>" in text_of(client.get("/assignments"))
    # A later attempt 1 day and 1 hour late (2 started days: 20 %) counts under `latest`.
    set_policy(world, due=timedelta(days=-1, hours=-1))
    form = post_answers(client, answers(q2__z="-0.04", q2__learn="yes", q1__dx="[-0.112, 0.636]"))
    response, fields = form
    assert response.status_code == 200 and "late" in text_of(response)  # asks first
    confirmed = client.post(
        f"{HW}/submit",
        data={
            **fields,
            **answers(q2__z="-0.04", q2__learn="yes", q1__dx="[-0.112, 0.636]"),
            "confirm_late": "1",
        },
    )
    assert confirmed.status_code == 302, text_of(confirmed)
    world.drain()
    page = text_of(client.get("/assignments"))
    assert "3.2 / 30 (4 / 30 less 20 % late)" in page


def test_an_expired_form_gives_the_typed_answers_back(world):
    client = client_for(world, "alice")
    response = client.post(
        f"{HW}/submit",
        data={"csrf_token": "stale", "answer-q2.z": "-0.04", "answer-q1.dx": "[1, 2]"},
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "This page was open too long to submit safely: nothing was submitted." in page
    assert re.search(r'id="answer-q2\.z" name="answer-q2\.z" value="-0.04"', page)
    assert "[1, 2]" in page
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', page)  # a fresh one
    assert count(world) == 0
