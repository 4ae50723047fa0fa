"""In a real browser (Debian's chromium): after a student submits the sample sheet, an
instructor sees the histogram and the common wrong answers, grades a free-text part,
overrides a score, and downloads the gradebook CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import CHROMIUM_ARGS, ROOT, Server, chromium_path, shot, sign_in

SHEET = ROOT / "examples" / "answer-sheet-01.md"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("browser-staff"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def submit_sample_sheet(browser, server):
    page = browser.new_page()
    sign_in(page, server, "student@example.edu")
    page.goto(f"{server.base}/assignments/dl-hw1")
    page.set_input_files("input[name=sheet]", str(SHEET))
    page.click("text=Read the sheet")
    page.click("text=Submit these answers")
    expect(page.locator("#submission-status")).to_have_attribute(
        "data-status", "graded", timeout=20_000
    )
    page.close()


def test_instructor_sees_results_grades_overrides_and_exports(server, browser):
    submit_sample_sheet(browser, server)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    sign_in(page, server, "instructor@example.edu")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    shot(page, "instructor-dashboard")

    page.goto(f"{server.base}/dashboard/dl-hw1")
    expect(page.locator("#count-graded")).to_have_text("1")
    histogram = page.locator("svg.chart").first
    expect(histogram).to_be_visible()
    assert histogram.locator("rect").count() >= 10
    expect(page.locator("#mean")).to_have_text("21.00")
    shot(page, "instructor-overview")

    page.goto(f"{server.base}/dashboard/dl-hw1/questions/q1")
    wrong = page.locator("#wrong-dx")
    expect(wrong).to_contain_text("0.773")
    shot(page, "instructor-question")

    page.goto(f"{server.base}/dashboard/dl-hw1/review")
    expect(page.locator("#answer")).to_contain_text("ReLU")
    page.locator("input[name=rubric]").first.check()
    expect(page.locator("#review-score")).to_have_text("1")
    shot(page, "instructor-review")
    page.click("#review-form button[type=submit]")

    page.goto(f"{server.base}/dashboard/dl-hw1/students/student@example.edu")
    row = page.locator("tr", has_text="q1.dx").first
    row.locator("input[name=score]").fill("1.5")
    row.locator("input[name=reason]").fill("sign convention accepted")
    row.locator("button", has_text="Override").click()
    expect(page.locator("main")).to_contain_text("sign convention accepted")
    shot(page, "instructor-student")

    page.goto(f"{server.base}/dashboard/dl-hw1")
    with page.expect_download() as info:
        page.click("text=Gradebook CSV")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    header, student = rows[0], next(r for r in rows if "student@example.edu" in r)
    total = student[header.index("total")] if "total" in header else student[-2]
    assert float(total) == 21 + 1 + 1.5  # sheet 21, rubric item 1, override q1.dx 0 -> 1.5
