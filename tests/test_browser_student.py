"""In a real browser (Debian's chromium): a student signs in, submits the sample answer
sheet by upload and answers by typing, and sees the graded result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import CHROMIUM_ARGS, ROOT, Server, chromium_path, shot, sign_in

SHEET = ROOT / "examples" / "answer-sheet-01.md"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("browser"))
    yield server
    server.stop()


@pytest.fixture
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page
        browser.close()
        assert not [e for e in errors if "Content Security Policy" in e], errors


def test_student_uploads_the_sample_sheet_and_sees_it_graded(server, page):
    sign_in(page, server, "student@example.edu")
    expect(page).to_have_url(re.compile(r"/assignments$"))
    expect(page.locator("main")).to_contain_text("dl-hw1")
    shot(page, "student-assignments")
    page.goto(f"{server.base}/assignments/dl-hw1")
    shot(page, "student-assignment")
    page.set_input_files("input[name=sheet]", str(SHEET))
    page.click("text=Read the sheet")
    expect(page.locator("#answers")).to_be_visible()
    expect(page.locator("[name='answer-q3.c']")).to_have_value(
        "[3.2188911e-02, 1.9624767e-04, 1.2700258e-02, 9.5491463e-01]"
    )
    shot(page, "student-sheet-extracted")
    page.click("text=Submit these answers")
    status = page.locator("#submission-status")
    expect(status).to_have_attribute("data-status", "graded", timeout=20_000)
    expect(page.locator("main")).to_contain_text("21")
    expect(page.locator("[id='result-q3.a']")).to_contain_text("correct")
    expect(page.locator("[id='result-q1.dx']")).to_contain_text("incorrect")
    shot(page, "student-result")


def test_student_types_answers_with_a_live_check(server, page):
    sign_in(page, server, "student@example.edu")
    page.goto(f"{server.base}/assignments/dl-hw1")
    page.fill("[name='answer-q1.dW']", "[[0.088, 0.176], [0.104, 0.208]]")
    expect(page.locator("[id='check-q1.dW']")).to_contain_text("2 x 2 matrix")
    page.fill("[name='answer-q1.dx']", "[0.1, 0.2")
    expect(page.locator("[id='check-q1.dx']")).to_contain_text("[")
    page.fill("[name='answer-q1.dx']", "[-0.112, 0.636]")
    expect(page.locator("[id='check-q1.dx']")).to_contain_text("vector of 2")
    page.fill("[name='answer-q2.z']", "-0.04")
    shot(page, "student-typing")
    page.click("#answers button[type=submit]")
    status = page.locator("#submission-status")
    expect(status).to_have_attribute("data-status", "graded", timeout=20_000)
    expect(page.locator("[id='result-q1.dW']")).to_contain_text("correct")
    expect(page.locator("[id='result-q2.z']")).to_contain_text("correct")
