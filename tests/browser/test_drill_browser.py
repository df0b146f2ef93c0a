"""A drill from start to report in a real browser, then a timed one that submits itself.

Drives Debian's Chromium against the live server (see conftest.py). The first drill counts as
reviews, so the statistics page has something to show; both pages are saved as screenshots
for the README.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, PageLog
from tests.browser.test_accessibility import register
from tests.browser.test_study_browser import DOCUMENT, SCREENSHOTS, screenshot, squash

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BANK_TITLE = "Peru – Foreign Relations"
DRILL_URL = re.compile(r"/drills/(\d+)(\?q=\d+)?$")
REPORT_URL = re.compile(r"/drills/\d+/report$")


def answer_question(page: Page, card_selector: str, *, first: bool) -> str:
    """Answer the question in ``card_selector`` by pointer alone; returns its type.

    ``first`` picks the first option (often wrong, so the report has mistakes); otherwise the
    last. Ordering: one item is moved down with its button, which makes the order an answer.
    """
    card = page.locator(card_selector)
    classes = card.get_attribute("class") or ""
    kind = re.search(r"drill-question-([a-z-]+)", classes)
    assert kind, classes
    if kind.group(1) == "ordering":
        card.locator("[data-move=down]").first.click()
    elif kind.group(1) == "flashcard":
        card.get_by_text("I knew it").click()
    else:
        options = card.locator("label:has(input[type=radio]), label:has(input[type=checkbox])")
        (options.first if first else options.last).click()
    return kind.group(1)


def test_drill_from_start_to_report(page: Page, live_server: LiveServer, page_log: PageLog) -> None:
    register(page, "drill-student")

    # Start: from the menu, the Peru bank, 10 questions, one per page, counted as reviews.
    page.get_by_role("link", name="Drills", exact=True).click()
    expect(page.locator(".study-empty")).to_contain_text("No drills yet")
    page.get_by_role("button", name="New drill").click()
    page.get_by_label(BANK_TITLE).check()
    page.get_by_label("10", exact=True).check()
    page.get_by_label("One question per page").check()
    page.get_by_label("Count as reviews").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start drill").click()
    match = DRILL_URL.search(page.url)
    assert match, page.url
    drill_id = match.group(1)

    # Ten pages; Next saves each answer. The navigator marks the answered ones.
    kinds = []
    for number in range(1, 11):
        expect(page.locator(".drill-question")).to_have_attribute("data-position", str(number))
        kinds.append(answer_question(page, ".drill-question", first=number % 2 == 1))
        if number < 10:
            with page.expect_navigation():
                page.get_by_role("button", name="Next", exact=True).click()
    assert len(kinds) == 10
    # Going back shows the saved answer, which can still be changed.
    with page.expect_navigation():
        page.get_by_role("button", name="Previous", exact=True).click()
    expect(page.locator(".drill-question")).to_have_attribute("data-answered", "")

    with page.expect_navigation():
        page.get_by_role("button", name="Submit drill").click()
    expect(page).to_have_url(re.compile(rf"/drills/{drill_id}/report$"))

    # The report: score, by topic and type, every question with its time, the mistakes with
    # the right answer, the explanation and the source sentence.
    expect(page.get_by_role("heading", name="Drill report", level=1)).to_be_visible()
    score = page.locator(".drill-score-value").inner_text()
    assert re.search(r"of 10 points", score), score
    expect(page.get_by_role("heading", name="By topic")).to_be_visible()
    expect(page.get_by_role("heading", name="By question type")).to_be_visible()
    rows = page.locator("section[aria-labelledby=questions-h] tbody tr")
    expect(rows).to_have_count(10)
    mistakes = page.locator(".drill-mistake")
    if mistakes.count():
        first = mistakes.first
        # The right answer is marked, the source sentence quoted from the document.
        expect(first.get_by_text(re.compile(r"correct|Correct order|Answer"))).not_to_have_count(0)
        source = squash(first.locator("blockquote").first.inner_text())
        assert source and source[:60] in squash(DOCUMENT), source
    # The top of the report: a whole report with ten worked mistakes is too tall to show.
    page.set_viewport_size({"width": 1000, "height": 1500})
    page.screenshot(path=str(SCREENSHOTS / "drill-report.png"))
    page.set_viewport_size({"width": 1000, "height": 900})

    # Counted as reviews: the statistics page shows today's answers.
    page.get_by_role("link", name="Statistics", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your statistics")
    tables = page.locator("table")
    assert tables.count() >= 4
    expect(page.locator("body")).not_to_contain_text("No reviews yet")
    screenshot(page, "statistics.png")

    # Retry my mistakes starts a drill of exactly those questions.
    page.goto(f"/drills/{drill_id}/report")
    wrong = page.locator(".drill-mistake").count()
    if wrong:
        with page.expect_navigation():
            page.get_by_role("button", name="Retry my mistakes").click()
        assert DRILL_URL.search(page.url), page.url
        expect(page.locator(".drill-nav li")).to_have_count(wrong)

    # History lists the drills with the score trend.
    page.get_by_role("link", name="Drills", exact=True).click()
    expect(page.locator(".drill-history tbody tr")).to_have_count(2 if wrong else 1)
    expect(page.locator("#drill-trend-chart-title")).to_have_count(1)
    assert all(u.startswith(live_server.url) for u in page_log.requests), page_log.requests
    assert not page_log.errors, page_log.errors


def test_a_timed_drill_submits_itself(
    page: Page, live_server: LiveServer, page_log: PageLog
) -> None:
    register(page, "timed-student")
    page.goto("/drills/new")
    page.get_by_label(BANK_TITLE).check()
    page.get_by_label("10", exact=True).check()
    page.get_by_label("All on one page").check()
    page.get_by_label("Time limit in minutes").fill("1")
    # The page's timers run on a fake clock from here, so a minute passes at once.
    page.clock.install()
    with page.expect_navigation():
        page.get_by_role("button", name="Start drill").click()
    timer = page.locator("[data-timer-text]")
    expect(timer).to_have_text(re.compile(r"^[01]:\d\d$"))
    answer_question(page, ".drill-question >> nth=0", first=False)
    answer_question(page, ".drill-question >> nth=1", first=False)

    with page.expect_navigation(url=REPORT_URL):
        page.clock.run_for(61_000)
    # The two answers on the page were saved by the timer's submit; the rest count as wrong.
    rows = page.locator("section[aria-labelledby=questions-h] tbody tr")
    expect(rows).to_have_count(10)
    unanswered = page.locator(".drill-mistake").filter(has_text="You gave no answer")
    assert unanswered.count() == 8, page.locator(".drill-mistakes, main").first.inner_text()
    assert not page_log.errors, page_log.errors
