"""A student's first session in a real browser: register, study, answer every way, rate.

Drives Debian's Chromium through Playwright against the app running as a real server (see
conftest.py). The queue decides which question type comes when, so the test answers whatever
comes until it has met each case it needs, within ``MAX_ITEMS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer, PageLog
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCUMENT = (ROOT / "question_bank" / "peru_foreign_relations.txt").read_text(encoding="utf-8")
BANK_TITLE = "Peru – Foreign Relations"
SCREENSHOTS = ROOT / "docs" / "screenshots"
MAX_ITEMS = 40
USERNAME = "browser-student"
FEEDBACK_URL = re.compile(r"/study/p/[^/]+$")
# Between sentences: after . ! or ? (maybe closing a quote), before the next one's first letter.
SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z0-9\"“])")


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Counts:
    due: int
    new: int
    learned: int


def bank_counts(page: Page) -> Counts:
    card = page.locator(".bank-card").filter(has_text=BANK_TITLE)
    expect(card).to_be_visible()

    def number(kind: str) -> int:
        text = card.locator(f".bank-count-{kind} dd").inner_text()
        return int(text.split("/")[0].strip())

    return Counts(number("due"), number("new"), number("learned"))


def screenshot(page: Page, name: str) -> None:
    """The whole page at the current width: the viewport is grown to the page's height, so the
    sticky rating bar sits where it belongs instead of over the middle of a tall capture."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1000, "height": 900}
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size(size)


def question_type(page: Page) -> str | None:
    """The type of the question on screen, or None on the "All done" page."""
    form = page.locator("form[data-type]")
    done = page.locator(".study-done")
    expect(form.or_(done)).to_be_visible()
    if done.count():
        return None
    return form.get_attribute("data-type")


def order_texts(page: Page) -> list[str]:
    return [squash(t) for t in page.locator("#order-list .study-order-text").all_inner_texts()]


def check_feedback(page: Page, kind: str) -> bool | None:
    """The feedback page: verdict, the source sentence, the suggested rating. Returns whether
    the answer was right (None for a flashcard)."""
    expect(page).to_have_url(FEEDBACK_URL)
    source = page.locator(".study-source")
    expect(source.get_by_role("heading", name="From the document")).to_be_visible()
    quoted = squash(source.locator("blockquote").inner_text())
    assert quoted, "the source sentence is empty"
    # An ordering question quotes the sentence of each of its facts.
    for sentence in SENTENCE_BREAK.split(quoted):
        assert sentence in squash(DOCUMENT), f"not a sentence of the document: {sentence!r}"

    suggested = page.locator("button.rate.is-suggested")
    expect(suggested).to_be_focused()  # autofocus: Enter takes the suggestion
    expect(suggested).to_contain_text("suggested")
    expect(page.locator("button.rate")).to_have_text(
        [re.compile(rf"{label} · \d") for label in ("Again", "Hard", "Good", "Easy")]
    )
    if kind == "flashcard":
        expect(page.locator(".study-back")).not_to_be_empty()
        return None
    verdict = page.locator(".verdict h1").inner_text()
    assert ("Right" in verdict) != ("Wrong" in verdict), verdict
    right = "Right" in verdict
    expect(suggested).to_contain_text("Good" if right else "Again")
    return right


def submit_and_wait(page: Page, action) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        action()
    expect(page).to_have_url(FEEDBACK_URL)


def tab_to(page: Page, predicate: str, limit: int = 80) -> None:
    """Press Tab until ``predicate`` (a JS expression on ``el``) holds for the focused element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => !!el && ({predicate}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def drag_to_top(page: Page, item: Locator) -> None:
    """Drag ``item`` with the mouse above the first item, as a person would: press, move up in
    small steps, and linger at the top edge until SortableJS has moved it (it ignores moves
    over an item that is still animating), then release."""
    first = page.locator("#order-list > li").first
    text = squash(item.locator(".study-order-text").inner_text())
    start = item.locator(".study-order-text").bounding_box()
    top = first.bounding_box()
    assert start and top
    x, y = start["x"] + 20, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 5, y - 5, steps=3)
    goal = top["y"] + 4
    for step in range(1, 11):
        page.mouse.move(x, y + (goal - y) * step / 10)
        page.wait_for_timeout(40)
    for wiggle in range(40):
        if squash(first.locator(".study-order-text").inner_text()) == text:
            break
        page.mouse.move(x + wiggle % 2, goal)
        page.wait_for_timeout(50)
    page.mouse.up()


def answer_ordering_by_drag(page: Page) -> str:
    before = order_texts(page)
    assert len(before) >= 3
    drag_to_top(page, page.locator("#order-list > li").last)
    expect(page.locator("#order-list .study-order-text").first).to_have_text(before[-1])
    assert sorted(order_texts(page)) == sorted(before)
    expect(page.locator("#order-status")).to_contain_text(f"position 1 of {len(before)}")
    # Sortable animates the drop (150 ms) with inline transforms; wait until they are gone.
    page.wait_for_function(
        "[...document.querySelectorAll('#order-list > li')]"
        ".every(li => !li.style.transform || li.style.transform === 'none')"
    )
    screenshot(page, "study-ordering.png")
    submit_and_wait(page, lambda: page.get_by_role("button", name="Check").click())
    return before[-1]


def answer_ordering_by_keyboard(page: Page) -> str:
    before = order_texts(page)
    moved = before[-1]
    label = f"Move up: {moved}"
    page.locator("body").focus()
    tab_to(page, f"el.getAttribute('aria-label') === {label!r}")
    for step in range(len(before) - 1):
        page.keyboard.press("Enter" if step % 2 == 0 else "Space")
        # The moved item keeps the focus, so the next press moves it again.
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == label
        expect(
            page.locator("#order-list .study-order-text").nth(len(before) - 2 - step)
        ).to_have_text(moved)
    expect(page.locator("#order-status")).to_contain_text(f"position 1 of {len(before)}")
    tab_to(page, "el.classList.contains('study-submit')")
    submit_and_wait(page, lambda: page.keyboard.press("Enter"))
    return moved


def check_your_order_starts_with(page: Page, text: str) -> None:
    yours = page.locator(".review-order section").first
    expect(yours.get_by_role("heading", name="Your order")).to_be_visible()
    expect(yours.locator(".review-text").first).to_have_text(text)
    correct = page.locator(".review-order section").nth(1)
    expect(correct.get_by_role("heading", name="Correct order")).to_be_visible()
    expect(correct.locator(".review-text")).not_to_have_count(0)


def answer_any(page: Page, kind: str) -> None:
    """Answer with the keyboard shortcuts: 1 picks the first option, Enter checks it, Space
    shows a flashcard's answer."""
    if kind == "flashcard":
        submit_and_wait(page, lambda: page.keyboard.press("Space"))
    elif kind == "ordering":
        submit_and_wait(page, lambda: page.get_by_role("button", name="Check").click())
    else:
        page.keyboard.press("1")
        expect(page.locator("input[name=answer]").first).to_be_checked()
        submit_and_wait(page, lambda: page.keyboard.press("Enter"))


def rate(page: Page, how: str, session_url: str) -> None:
    with page.expect_navigation():
        if how == "enter":
            page.keyboard.press("Enter")
        elif how == "key":
            page.keyboard.press("3")
        else:
            page.get_by_role("button", name=re.compile(r"^Good")).click()
    expect(page).to_have_url(session_url)


def test_a_first_study_session(page: Page, live_server: LiveServer, page_log: PageLog) -> None:
    # The landing page, then register.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Learn the facts of a document")
    page.get_by_role("button", name="Create an account").click()
    page.locator("#username").fill(USERNAME)
    page.locator("#password").fill("a long walk to Machu Picchu 1911")
    page.locator("#confirm").fill("a long walk to Machu Picchu 1911")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/")

    # Home: the bank with its counts and one Study button.
    fresh = bank_counts(page)
    assert fresh.new > 0, fresh
    assert fresh.learned == 0, fresh
    expect(page.locator(".study-summary")).to_contain_text("0 reviews today")
    screenshot(page, "study-home.png")

    before = bank_counts(page)
    study = page.get_by_role("button", name=f"Study {BANK_TITLE}")
    session_url = live_server.url + (study.get_attribute("href") or "")
    study.click()
    expect(page).to_have_url(session_url)

    needed = {"single_choice", "drag", "keyboard"}
    met: set[str] = set()
    seen_types: list[str] = []
    ratings = ["enter", "key", "click"]
    for number in range(MAX_ITEMS):
        kind = question_type(page)
        assert kind is not None, (
            f"the queue ran out after {seen_types}; still to meet: {needed - met}"
        )
        seen_types.append(kind)
        expect(page.locator("#prompt")).not_to_be_empty()
        expect(page.locator(".study-counts")).to_contain_text("new")

        if kind == "single_choice" and "single_choice" not in met:
            options = page.locator("label.study-option")
            expect(options).not_to_have_count(0)
            options.first.click()
            expect(options.first.locator("input")).to_be_checked()
            screenshot(page, "study-question.png")
            submit_and_wait(page, lambda: page.get_by_role("button", name="Check").click())
            right = check_feedback(page, kind)
            screenshot(page, "study-feedback.png")
            met.add("single_choice")
            # Rated once only: the feedback page, seen again, says how it was rated.
            feedback_url = page.url
            rate(page, "enter", session_url)
            page.goto(feedback_url)
            expect(page.locator(".study-rated")).to_contain_text(
                "Rated Good" if right else "Rated Again"
            )
            expect(page.locator("button.rate")).to_have_count(0)
            expect(page.get_by_role("button", name="Continue")).to_be_focused()
            with page.expect_navigation():
                page.keyboard.press("Enter")
            expect(page).to_have_url(session_url)
            continue
        if kind == "ordering" and "drag" not in met:
            moved = answer_ordering_by_drag(page)
            check_feedback(page, kind)
            check_your_order_starts_with(page, moved)
            met.add("drag")
        elif kind == "ordering" and "keyboard" not in met:
            moved = answer_ordering_by_keyboard(page)
            check_feedback(page, kind)
            check_your_order_starts_with(page, moved)
            met.add("keyboard")
        else:
            answer_any(page, kind)
            check_feedback(page, kind)
        rate(page, ratings[number % len(ratings)], session_url)
        if met == needed:
            break
    assert met == needed, f"met {met} in {seen_types}"

    # Home again: the counts moved.
    page.goto("/")
    after = bank_counts(page)
    assert after.new < before.new, (before, after)
    assert (after.due, after.new) != (before.due, before.new)
    expect(page.locator(".study-summary")).not_to_contain_text(re.compile(r"\b0 reviews today"))

    # A phone: no horizontal scrolling on the question, the feedback and the home page.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(session_url)
    kind = question_type(page)
    assert kind is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "study-mobile.png")
    answer_any(page, kind)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # Every request went to the app itself, and no script or style was refused by the CSP.
    origin = live_server.origin
    foreign = [
        u for u in page_log.requests if not u.startswith("data:") and not _same_origin(u, origin)
    ]
    assert foreign == [], foreign
    assert page_log.errors == [], page_log.errors


def _same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" == origin
