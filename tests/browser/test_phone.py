"""A phone in Chromium: 375×812 CSS px, touch, as a small phone held in one hand.

- No page scrolls sideways (``scrollWidth <= 375``).
- Every visible control is at least 44×44 CSS px to tap (WCAG 2.5.5): links, buttons, selects,
  summaries, and radios and checkboxes by their clickable label. A link inside a sentence is
  exempt, as WCAG exempts it: it is a word of the text, and a taller box would overlap the
  lines around it.
- One hand: a student answers and rates by tapping. Read as: the question's primary button
  (Check, Show answer) spans the width of the screen, so either thumb reaches it wherever it
  is, and the rating buttons sit in a bar stuck to the bottom of the screen: all four on screen
  without scrolling, in its lower half, where the thumb is.
- Weight: a question page of each type, loaded with an empty cache, transfers less than
  150 KB in all (the bodies of the page and every CSS, JS and font file it loads), every byte
  from the app's own origin.

The pages are the list of tests/browser/test_accessibility.py (``PAGES``), on a site built the
same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.browser.conftest import LiveServer, PageLog
from tests.browser.test_accessibility import (
    ANYONE,
    FEEDBACK_URL,
    PAGES,
    PERU,
    QUESTION_TYPES,
    ROLES,
    STUDENT,
    Site,
    build_site,
    csp_errors,
    set_new_per_day,
)
from tests.browser.test_study_browser import order_texts, question_type

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH, HEIGHT = 375, 812
PHONE = {
    "viewport": {"width": WIDTH, "height": HEIGHT},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
MIN_TAP = 44
PAGE_BUDGET = 150_000  # bytes

# The controls a finger taps, measured where the browser takes the tap: a radio or checkbox by
# the largest of its labels. Skipped: what is not shown (closed <details>, visually hidden),
# the skip link parked above the page until it has the focus, and links inside a sentence.
SMALL_TARGETS = """(min) => {
  const controls = document.querySelectorAll([
    "a[href]", "button", "select", "summary", "input[type=submit]", "input[type=button]",
    "input[type=reset]", "input[type=file]", "input[type=radio]", "input[type=checkbox]",
  ].join(", "));
  const inSentence = el => el.tagName === "A" && getComputedStyle(el).display === "inline"
    && [...el.parentElement.childNodes].some(n => n.nodeType === Node.TEXT_NODE
                                                  && /[^\\s()\\[\\]]/.test(n.textContent));
  const small = [];
  for (const el of controls) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    let box = el.getBoundingClientRect();
    if (el.matches("input[type=radio], input[type=checkbox]")) {
      for (const label of el.labels) {
        const r = label.getBoundingClientRect();
        if (r.width * r.height > box.width * box.height) box = r;
      }
    }
    if (box.width <= 2 || box.height <= 2) continue;
    if (box.bottom + window.scrollY <= 0) continue;
    if (inSentence(el)) continue;
    if (box.width < min - 0.5 || box.height < min - 0.5) {
      const name = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "")
        .trim().split(/\\s+/).join(" ").slice(0, 40);
      const size = `${box.width.toFixed(0)}×${box.height.toFixed(0)}`;
      small.push(`<${el.tagName.toLowerCase()}> "${name}" ${size}`);
    }
  }
  return small;
}"""


def open_phone(browser: Browser, server: LiveServer, log: PageLog, state: object) -> Page:
    """A page in a new phone-sized touch context with the cookies of ``state``; console errors
    go to ``log``. The caller closes ``page.context``."""
    context = browser.new_context(
        base_url=server.url,
        locale="en-GB",
        timezone_id="UTC",
        storage_state=state,  # type: ignore[arg-type]
        **PHONE,  # type: ignore[arg-type]
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on(
        "console",
        lambda message: log.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: log.errors.append(f"uncaught: {error}"))
    return page


# Elements that reach past the right edge outside any scrolling box, the last in the page first:
# what makes a page scroll sideways.
WIDE_ELEMENTS = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > width + 1)
  .filter((el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return false;  // clipped or scrolled
    }
    return true;
  })
  .reverse()
  .slice(0, 3)
  .map((el) => {
    const chain = [];
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const classes = a.className ? "." + String(a.className).split(" ").join(".") : "";
      chain.push(a.tagName.toLowerCase() + classes);
    }
    return `${chain.reverse().join(" > ")} ${Math.round(el.getBoundingClientRect().right)}px`;
  })"""


def assert_fits_a_phone(page: Page, name: str) -> None:
    """No sideways scroll, and every visible control big enough to tap."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name} ({page.url}) scrolls sideways: {width}px wide; " + ", ".join(
        page.evaluate(WIDE_ELEMENTS, WIDTH)
    )
    small = page.evaluate(SMALL_TARGETS, MIN_TAP)
    assert small == [], f"{name} ({page.url}): tap targets under {MIN_TAP}×{MIN_TAP} px:\n" + (
        "\n".join(small)
    )


@pytest.fixture(scope="module")
def site(
    browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    built = build_site(browser, live_server, "phone", tmp_path_factory.mktemp("phone"))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture(scope="module")
def phones(browser: Browser, live_server: LiveServer, site: Site) -> Iterator[dict[str, Page]]:
    """For each role of ``site``, a phone logged in as they are."""
    pages: dict[str, Page] = {}
    try:
        for who in ROLES:
            state = site.contexts[who].storage_state()
            pages[who] = open_phone(browser, live_server, site.logs[who], state)
        yield pages
    finally:
        for page in pages.values():
            page.context.close()


@pytest.mark.parametrize(("name", "who", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_main_pages_fit_a_phone(
    site: Site, phones: dict[str, Page], name: str, who: str, url: str
) -> None:
    page = phones[who]
    page.goto(site.url(url))
    assert_fits_a_phone(page, name)
    assert csp_errors(site.logs[who]) == []


def test_forms_with_errors_fit_a_phone(phones: dict[str, Page]) -> None:
    page = phones[ANYONE]
    page.goto("/register")
    page.locator("#username").fill("x")
    with page.expect_navigation():
        page.locator("main form [type=submit]").tap()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_fits_a_phone(page, "register with errors")


def tap_an_answer(page: Page, kind: str) -> None:
    """Tap the first option; for an ordering, move its first item down one place."""
    if kind in ("single_choice", "multiple_choice"):
        option = page.locator("label.study-option").first
        option.tap()
        expect(option.locator("input")).to_be_checked()
    elif kind == "ordering":
        before = order_texts(page)
        page.get_by_role("button", name=f"Move down: {before[0]}", exact=True).tap()
        expect(page.locator("#order-list .study-order-text")).to_have_text(
            [before[1], before[0], *before[2:]]
        )


def assert_full_width(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["width"] >= 0.8 * WIDTH and box["height"] >= MIN_TAP, (selector, box)


def assert_rating_bar_under_the_thumb(page: Page) -> None:
    """All four rating buttons on screen as the page opens, in the lower half of it."""
    boxes = [b.bounding_box() for b in page.locator("button.rate").all()]
    assert len(boxes) == 4
    for box in boxes:
        assert box is not None
        assert box["y"] >= HEIGHT / 2 and box["y"] + box["height"] <= HEIGHT, boxes
        assert box["width"] >= MIN_TAP and box["height"] >= MIN_TAP, boxes
    left = min(b["x"] for b in boxes if b)
    right = max(b["x"] + b["width"] for b in boxes if b)
    assert right - left >= 0.8 * WIDTH, boxes


def test_a_student_studies_one_handed_on_a_phone(site: Site, phones: dict[str, Page]) -> None:
    """Each question type and its feedback fit the phone; answer and rate by tapping."""
    page = phones[STUDENT]
    page.goto(f"/study/{PERU}")
    met: set[str] = set()
    for _ in range(12):
        kind = question_type(page)
        assert kind is not None, f"the queue ran out; met {met}"
        assert_fits_a_phone(page, f"question: {kind}")
        tap_an_answer(page, kind)
        assert_full_width(page, ".study-submit")
        with page.expect_navigation():
            page.locator(".study-submit").tap()
        expect(page).to_have_url(FEEDBACK_URL)
        assert_fits_a_phone(page, f"feedback: {kind}")
        assert_rating_bar_under_the_thumb(page)
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile(r"^Easy")).tap()
        expect(page).to_have_url(re.compile(rf"/study/{PERU}$"))
        met.add(kind)
        if met == set(QUESTION_TYPES):
            break
    assert met == set(QUESTION_TYPES), met

    set_new_per_day(page, 0)
    try:
        page.goto(f"/study/{PERU}")
        expect(page.locator(".study-done")).to_be_visible()
        assert_fits_a_phone(page, "done")
    finally:
        set_new_per_day(page, 20)
    assert csp_errors(site.logs[STUDENT]) == []


def touch_drag(page: Page, start: dict[str, float], end: dict[str, float], rest_ms: int) -> None:
    """A finger on ``start`` (x, y in CSS px of the viewport): it rests ``rest_ms``, slides to
    ``end`` in small steps and lifts. Sent as real touch input, so the browser decides between
    scrolling and the page's own handling as it would under a finger."""
    cdp = page.context.new_cdp_session(page)
    try:

        def touch(kind: str, point: dict[str, float] | None) -> None:
            points = [] if point is None else [{"x": point["x"], "y": point["y"]}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", start)
        page.wait_for_timeout(rest_ms)
        for step in range(1, 13):
            touch(
                "touchMove",
                {
                    "x": start["x"] + (end["x"] - start["x"]) * step / 12,
                    "y": start["y"] + (end["y"] - start["y"]) * step / 12,
                },
            )
            page.wait_for_timeout(30)
        touch("touchEnd", None)
    finally:
        cdp.detach()


def test_a_finger_drags_an_ordering_item_after_resting_on_it(phones: dict[str, Page]) -> None:
    """A quick swipe over the list is a scroll and leaves the order alone; a finger that rests
    on an item a moment first drags it."""
    page = phones[STUDENT]
    page.goto(f"/study/{PERU}")
    for _ in range(8):
        kind = question_type(page)
        assert kind is not None
        if kind == "ordering":
            break
        tap_an_answer(page, kind)
        with page.expect_navigation():
            page.locator(".study-submit").tap()
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile(r"^Easy")).tap()
    assert kind == "ordering"

    texts = page.locator("#order-list .study-order-text")
    page.locator("#order-list").scroll_into_view_if_needed()
    before = order_texts(page)

    def middle_of_last() -> dict[str, float]:
        box = texts.last.bounding_box()
        assert box is not None
        return {"x": box["x"] + 20, "y": box["y"] + box["height"] / 2}

    start = middle_of_last()
    touch_drag(page, start, {"x": start["x"], "y": start["y"] - 120}, rest_ms=0)
    page.wait_for_timeout(300)
    assert order_texts(page) == before

    page.locator("#order-list").scroll_into_view_if_needed()
    start = middle_of_last()
    top = texts.first.bounding_box()
    assert top is not None
    touch_drag(page, start, {"x": start["x"], "y": top["y"] + top["height"] / 4}, rest_ms=400)
    expect(texts.first).to_have_text(before[-1])
    assert sorted(order_texts(page)) == sorted(before)
    expect(page.locator("#order-status")).to_contain_text(f"position 1 of {len(before)}")


def weigh_question(
    browser: Browser, server: LiveServer, state: object, kind: str
) -> dict[str, int]:
    """Open the student's next question (of type ``kind``) on a phone with an empty cache: the
    body size of every response the page loaded, by URL."""
    requests: list[Request] = []
    page = open_phone(browser, server, PageLog(), state)
    try:
        page.on("requestfinished", lambda request: requests.append(request))
        page.goto(f"/study/{PERU}", wait_until="networkidle")
        expect(page.locator("form[data-type]")).to_have_attribute("data-type", kind)
        return {r.url: r.sizes()["responseBodySize"] for r in requests}
    finally:
        page.context.close()


def test_a_question_page_is_light_and_comes_from_the_app_alone(
    browser: Browser, live_server: LiveServer, site: Site, phones: dict[str, Page]
) -> None:
    """Each question type, loaded with an empty cache on a phone: the bodies of every response
    (the page, CSS, JS, fonts) add up to under PAGE_BUDGET, and all come from the app."""
    driver = phones[STUDENT]
    driver.goto(f"/study/{PERU}")
    state = site.contexts[STUDENT].storage_state()
    weights: dict[str, int] = {}
    for _ in range(12):
        kind = question_type(driver)
        assert kind is not None, f"the queue ran out; weighed {weights}"
        if kind not in weights:
            # The queue shows the same item until it is answered: a fresh phone sees it too.
            sizes = weigh_question(browser, live_server, state, kind)
            own = f"{live_server.origin}/"
            foreign = [u for u in sizes if not u.startswith(("data:", own))]
            assert foreign == [], foreign
            weights[kind] = sum(sizes.values())
            assert weights[kind] < PAGE_BUDGET, (kind, weights[kind], sizes)
        answer = driver.get_by_role(
            "button", name="Show answer" if kind == "flashcard" else "Check"
        )
        if kind in ("single_choice", "multiple_choice"):
            driver.locator("label.study-option").first.tap()
        with driver.expect_navigation():
            answer.tap()
        with driver.expect_navigation():
            driver.get_by_role("button", name=re.compile(r"^Easy")).tap()
        if set(weights) == set(QUESTION_TYPES):
            break
    assert set(weights) == set(QUESTION_TYPES), weights
    print(f"bytes transferred per question page: {weights}")  # for the docs (pytest -s)


def test_a_drill_and_its_report_fit_a_phone(phones: dict[str, Page]) -> None:
    page = phones[STUDENT]
    page.goto("/drills/new")
    assert_fits_a_phone(page, "new drill")
    page.get_by_label("Peru – Foreign Relations").check()
    page.get_by_label("Ordering").check()
    page.get_by_label("Time limit in minutes").fill("30")
    with page.expect_navigation():
        page.get_by_role("button", name="Start drill").tap()
    expect(page.locator(".drill-question")).to_be_visible()
    assert_fits_a_phone(page, "a drill question")
    page.locator(".drill-question label:has(input), .drill-question [data-move=down]").first.tap()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Submit drill").tap()
    expect(page.get_by_role("heading", name="Drill report")).to_be_visible()
    assert_fits_a_phone(page, "a drill report")
    page.goto("/drills/")
    assert_fits_a_phone(page, "drill history")
