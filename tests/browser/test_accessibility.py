"""Accessibility in Chromium: axe-core, the keyboard alone, and visible focus.

axe-core (``tests/browser/vendor/axe-core``, vendored by ``scripts/vendor.sh``; the app never
serves it) checks every main page against the WCAG 2 A and AA rules, colour contrast included,
and no serious or critical violation may remain. A student answers every question type and
rates it with the keyboard alone, and every control the Tab key reaches shows that it has the
focus.

To check a new page: add it to ``PAGES`` (its URL may name ``{bank}``, ``{course}``,
``{code}``, ``{fact}`` and ``{entity}``, the objects ``build_site`` makes), or call
``assert_accessible(page, name)`` on a page in the state to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, PageLog, open_page
from tests.browser.test_instructor_browser import PASSWORD, create_instructor, log_in
from tests.browser.test_study_browser import order_texts, question_type, tab_to
from tests.conftest import FIXTURE_BANKS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# Where the page fetches axe from: a same-origin URL the test answers itself, so the page
# keeps its real Content-Security-Policy (an inline script would be refused by it).
AXE_PATH = "/__tests__/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
SCHEMES = ("light", "dark")

ANYONE, STUDENT, NEWCOMER, TEACHER = "anyone", "student", "newcomer", "teacher"
"""Who looks at a page: nobody logged in; a student in the teacher's class; a student in no
class; the instructor who owns the bank and teaches the class."""
ROLES = (ANYONE, STUDENT, NEWCOMER, TEACHER)

PERU = "peru-foreign-relations"
SOLAR_TITLE = "Exploring the Solar System"
QUESTION_TYPES = ("single_choice", "multiple_choice", "ordering", "flashcard")
FEEDBACK_URL = re.compile(r"/study/p/[^/]+$")

# The main pages: (name, who, URL). The pages that need a state first (a form with errors, a
# question of each type, feedback, the done page) are checked by the tests further down.
PAGES: list[tuple[str, str, str]] = [
    ("landing", ANYONE, "/"),
    ("login", ANYONE, "/login"),
    ("register", ANYONE, "/register"),
    ("404", ANYONE, "/no-such-page"),
    ("home with banks", STUDENT, "/"),
    ("settings", STUDENT, "/settings"),
    ("API tokens", STUDENT, "/settings/tokens/"),
    ("leeches", STUDENT, "/leeches"),
    ("statistics", STUDENT, "/stats"),
    ("drills", STUDENT, "/drills/"),
    ("new drill", STUDENT, "/drills/new"),
    ("404 of a bank", STUDENT, f"/study/no-such-bank-{PERU}"),
    ("classes of a student", STUDENT, "/classes/"),
    ("a class, as its student", STUDENT, "/classes/{course}"),
    ("join a class", NEWCOMER, "/classes/join/{code}"),
    ("join code not found", NEWCOMER, "/classes/join/ZZZZ2222"),
    ("author index", TEACHER, "/author/"),
    ("bank page", TEACHER, "/author/banks/{bank}"),
    ("preview", TEACHER, "/author/banks/{bank}/preview"),
    ("item analysis", TEACHER, "/author/banks/{bank}/analysis"),
    ("facts list", TEACHER, "/author/banks/{bank}/facts"),
    ("fact form, new event", TEACHER, "/author/banks/{bank}/facts/new/event"),
    ("fact form, edit", TEACHER, "/author/banks/{bank}/facts/{fact}/edit"),
    ("entities", TEACHER, "/author/banks/{bank}/entities"),
    ("entity form", TEACHER, "/author/banks/{bank}/entities/{entity}/edit"),
    ("bank details", TEACHER, "/author/banks/{bank}/edit"),
    ("new bank", TEACHER, "/author/new"),
    ("upload", TEACHER, "/author/upload"),
    ("delete a bank", TEACHER, "/author/banks/{bank}/delete"),
    ("classes of a teacher", TEACHER, "/classes/"),
    ("a class, as its teacher", TEACHER, "/classes/{course}"),
]

# A bank file with a mistake (an entity no one declared): the upload's error report.
BROKEN_BANK = """\
format: 1
id: broken-bank
title: A broken bank
source:
  title: A broken bank
topics:
  - {id: main, title: Main}
entities:
  - {id: peru, name: Peru, kind: country}
facts:
  - id: one
    kind: event
    topic: main
    what: Something happened.
    date: "1900"
    parties: [atlantis]
    source: Something happened in 1900.
"""


# ---- axe ------------------------------------------------------------------------------------


def settle(page: Page) -> None:
    """Wait until the page's transitions have ended: after a change of colour scheme, Pico's
    links fade to their new colour, and a contrast measured half-way means nothing."""
    page.evaluate(
        """async () => {
          await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
          const finite = document.getAnimations()
            .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
          const ended = Promise.all(finite.map(a => a.finished.catch(() => null)));
          await Promise.race([ended, new Promise(done => setTimeout(done, 2000))]);
        }"""
    )


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2 A/AA rules on the page as it is now; its violations, each with id,
    impact, help, helpUrl and nodes (target, summary)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        parts = urlsplit(page.url)
        url = f"{parts.scheme}://{parts.netloc}{AXE_PATH}"
        page.route(url, lambda route: route.fulfill(path=AXE, content_type="text/javascript"))
        try:
            page.add_script_tag(url=url)
        finally:
            page.unroute(url)
    settle(page)
    return page.evaluate(
        """async (tags) => {
          const results = await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
          });
          return results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
          }));
        }""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, name: str, schemes: tuple[str, ...] = SCHEMES) -> None:
    """axe-core finds no serious or critical WCAG 2 A/AA violation on ``page`` as it is now,
    in the light and the dark colour scheme (Pico follows the reader's). On failure the message
    lists each violation's id, impact, help and offending nodes."""
    problems = []
    try:
        for scheme in schemes:
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
            if blocking:
                problems.append(f"in the {scheme} scheme:\n{describe_violations(blocking)}")
    finally:
        page.emulate_media(color_scheme="light")
    assert not problems, (
        f"{name} ({page.url}): serious or critical accessibility violations, " + "\n".join(problems)
    )


# ---- the site: users, a bank, a class --------------------------------------------------------


@dataclass
class Site:
    """Logged-in pages for each role, and the ids of what the teacher made."""

    pages: dict[str, Page]
    logs: dict[str, PageLog]
    contexts: dict[str, BrowserContext]
    values: dict[str, str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)

    def url(self, template: str) -> str:
        return template.format(**self.values)

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def register(page: Page, username: str) -> None:
    page.goto("/register")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    expect(page.locator(".nav-user")).to_be_visible()


def upload_solar_system(page: Page, slug: str, folder: Path) -> None:
    """Upload the solar-system fixture bank under the id ``slug``, with its document."""
    bank = folder / "solar_system.yaml"
    text = (FIXTURE_BANKS / "solar_system.yaml").read_text(encoding="utf-8")
    bank.write_text(
        text.replace("id: solar-system-exploration", f"id: {slug}", 1), encoding="utf-8"
    )
    page.goto("/author/upload")
    page.locator("#bank_file").set_input_files(str(bank))
    page.locator("#document_file").set_input_files(str(FIXTURE_BANKS / "solar_system.txt"))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    expect(page).to_have_url(re.compile(rf"/author/banks/{slug}/preview"))


def publish(page: Page, slug: str) -> None:
    page.goto(f"/author/banks/{slug}")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Published")


def create_class(page: Page, name: str, bank_title: str) -> tuple[str, str]:
    """A class with the bank attached; its id and join code."""
    page.goto("/classes/")
    page.get_by_label("Class name").fill(name)
    with page.expect_navigation():
        page.get_by_role("button", name="Create class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    course = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.get_by_label("Bank", exact=True).select_option(label=bank_title)
    with page.expect_navigation():
        page.get_by_role("button", name="Attach bank").click()
    expect(page.locator("#banks")).to_contain_text(bank_title)
    return course, page.locator("#join-code").inner_text().strip()


def join_class(page: Page, code: str) -> None:
    page.goto(f"/classes/join/{code}")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("You joined")


def build_site(browser: Browser, server: LiveServer, prefix: str, folder: Path) -> Site:
    """A teacher with the solar-system bank (published) in a class, a student who joined the
    class, a newcomer in no class, and a visitor; each with their own browser context."""
    logs = {who: PageLog() for who in ROLES}
    opened = {who: open_page(browser, server, logs[who]) for who in ROLES}
    site = Site(
        pages={who: page for who, (_, page) in opened.items()},
        logs=logs,
        contexts={who: context for who, (context, _) in opened.items()},
        usernames={who: f"{prefix}-{who}" for who in (STUDENT, NEWCOMER, TEACHER)},
    )
    try:
        slug = f"{prefix}-solar-system"
        teacher = site.pages[TEACHER]
        create_instructor(server, site.usernames[TEACHER])
        log_in(teacher, site.usernames[TEACHER])
        upload_solar_system(teacher, slug, folder)
        publish(teacher, slug)
        course, code = create_class(teacher, f"{prefix} class", SOLAR_TITLE)
        register(site.pages[STUDENT], site.usernames[STUDENT])
        join_class(site.pages[STUDENT], code)
        register(site.pages[NEWCOMER], site.usernames[NEWCOMER])
    except BaseException:
        site.close()
        raise
    site.values = {
        "bank": slug,
        "course": course,
        "code": code,
        "fact": "outer-space-treaty",
        "entity": "nasa",
    }
    return site


@pytest.fixture(scope="module")
def site(
    browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    built = build_site(browser, live_server, "a11y", tmp_path_factory.mktemp("a11y"))
    try:
        yield built
    finally:
        built.close()


def csp_errors(log: PageLog) -> list[str]:
    return [e for e in log.errors if "Content Security Policy" in e]


# ---- studying --------------------------------------------------------------------------------


def answer_by_clicking(page: Page, kind: str) -> None:
    """The first option (the order as shown; the flashcard's answer), then Check."""
    if kind in ("single_choice", "multiple_choice"):
        page.locator("label.study-option").first.click()
    name = "Show answer" if kind == "flashcard" else "Check"
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()
    expect(page).to_have_url(FEEDBACK_URL)


def rate_easy(page: Page) -> None:
    """Easy: the item leaves today's queue, so the done page comes when the new ones run out."""
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Easy")).click()
    expect(page).not_to_have_url(FEEDBACK_URL)


def set_new_per_day(page: Page, value: int) -> None:
    page.goto("/settings")
    page.get_by_label("New items per day").fill(str(value))
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_label("New items per day")).to_have_value(str(value))


# ---- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "who", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_main_pages_have_no_serious_accessibility_violation(
    site: Site, name: str, who: str, url: str
) -> None:
    page = site.pages[who]
    page.goto(site.url(url))
    assert_accessible(page, name)
    assert csp_errors(site.logs[who]) == []


def test_forms_with_errors_are_accessible(site: Site, tmp_path: Path) -> None:
    visitor = site.pages[ANYONE]
    visitor.goto("/register")
    visitor.locator("#username").fill("x")
    visitor.locator("#password").fill("short")
    visitor.locator("#confirm").fill("different")
    with visitor.expect_navigation():
        visitor.locator("main form [type=submit]").click()
    expect(visitor.locator(".field-error").first).to_be_visible()
    assert_accessible(visitor, "register with errors")

    visitor.goto("/login")
    visitor.locator("#username").fill("nobody-at-all")
    visitor.locator("#password").fill("not the password")
    with visitor.expect_navigation():
        visitor.locator("main form [type=submit]").click()
    expect(visitor.locator(".form-error")).to_be_visible()
    assert_accessible(visitor, "login with an error")

    student = site.pages[STUDENT]
    student.goto("/settings")
    student.get_by_label("Desired retention").fill("2")
    with student.expect_navigation():
        student.get_by_role("button", name="Save settings").click()
    expect(student.locator(".field-error").first).to_be_visible()
    assert_accessible(student, "settings with errors")

    student.goto("/settings/tokens/")
    student.get_by_label("Name").fill("my script")
    with student.expect_navigation():
        student.get_by_role("button", name="Create token").click()
    expect(student.locator("#new-token")).not_to_have_value("")
    assert_accessible(student, "API tokens with a new token")

    teacher = site.pages[TEACHER]
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN_BANK, encoding="utf-8")
    teacher.goto("/author/upload")
    teacher.locator("#bank_file").set_input_files(str(broken))
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Check and import").click()
    expect(teacher.locator(".author-report")).to_contain_text("nothing was imported")
    assert_accessible(teacher, "upload with validation errors")

    teacher.goto("/author/upload")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Check and import").click()
    expect(teacher.locator(".field-error").first).to_be_visible()
    assert_accessible(teacher, "upload with no file")

    teacher.goto(site.url("/author/banks/{bank}/facts/new/event"))
    with teacher.expect_navigation():
        teacher.locator("main form [type=submit]").last.click()
    expect(teacher.locator(".field-error").first).to_be_visible()
    assert_accessible(teacher, "fact form with errors")

    for who in ROLES:
        assert csp_errors(site.logs[who]) == [], who


def test_drill_pages_are_accessible(site: Site) -> None:
    """A drill one question per page, one on a single page with a timer, the new-drill form
    with an error, a report with mistakes and the history with its trend chart."""
    page = site.pages[STUDENT]
    page.goto("/drills/new")
    page.get_by_label("Select all that apply").uncheck()
    page.get_by_label("Single choice").uncheck()
    page.get_by_label("Ordering").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Start drill").click()
    expect(page.locator("#drill-problems")).to_be_visible()
    assert_accessible(page, "new drill with errors")

    for layout, limit in (("One question per page", ""), ("All on one page", "20")):
        page.goto("/drills/new")
        page.get_by_label(SOLAR_TITLE).check()
        page.get_by_label(layout).check()
        page.get_by_label("Time limit in minutes").fill(limit)
        with page.expect_navigation():
            page.get_by_role("button", name="Start drill").click()
        expect(page.locator(".drill-question").first).to_be_visible()
        assert_accessible(page, f"drill, {layout.lower()}")
        # Answer the first question, whatever its type (an ordering one has no inputs to
        # click: moving an item answers it).
        page.locator(
            ".drill-question label:has(input), .drill-question [data-move=down]"
        ).first.click()
        # Questions are left unanswered, so the page asks first.
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.get_by_role("button", name="Submit drill").click()
        expect(page.get_by_role("heading", name="Drill report")).to_be_visible()
        assert_accessible(page, f"drill report, {layout.lower()}")
    page.goto("/drills/")
    assert_accessible(page, "drill history with its trend")


def test_study_pages_are_accessible(site: Site) -> None:
    """A question of each type, its feedback, a rated feedback page and the done page."""
    page = site.pages[STUDENT]
    page.goto(f"/study/{PERU}")
    questions: set[str] = set()
    feedback: set[str] = set()
    for _ in range(12):
        kind = question_type(page)
        assert kind is not None, f"the queue ran out; met {questions}"
        if kind not in questions:
            assert_accessible(page, f"question: {kind}")
            questions.add(kind)
        answer_by_clicking(page, kind)
        if kind not in feedback:
            assert_accessible(page, f"feedback: {kind}")
            feedback.add(kind)
        if len(feedback) == 1:
            rated = page.url
            rate_easy(page)
            page.goto(rated)
            expect(page.locator(".study-rated")).to_be_visible()
            assert_accessible(page, "feedback, already rated")
            page.goto(f"/study/{PERU}")
        else:
            rate_easy(page)
        if feedback == set(QUESTION_TYPES):
            break
    assert feedback == set(QUESTION_TYPES), feedback

    set_new_per_day(page, 0)
    try:
        page.goto(f"/study/{PERU}")
        expect(page.locator(".study-done")).to_be_visible()
        assert_accessible(page, "done")
    finally:
        set_new_per_day(page, 20)
    assert csp_errors(site.logs[STUDENT]) == []


# ---- the keyboard ----------------------------------------------------------------------------

FOCUS_STYLE = """(el) => {
  // The focus ring of a radio or checkbox may be drawn on its label (label:has(input:focus)).
  const boxes = [el, ...(el.matches("input[type=radio], input[type=checkbox]") ? el.labels : [])];
  return boxes.map(b => {
    const s = getComputedStyle(b);
    return {outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            width: parseFloat(s.outlineWidth) || 0, style: s.outlineStyle, shadow: s.boxShadow};
  });
}"""


def describe_focused(page: Page) -> str:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return "(body)";
          const name = el.getAttribute("aria-label") || el.innerText || el.value || el.name || "";
          return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}> `
            + name.trim().split(/\\s+/).join(" ").slice(0, 50);
        }"""
    )


def tab_through_checking_focus(page: Page, limit: int = 40) -> list[str]:
    """Press Tab up to ``limit`` times; for each element reached, compare its outline and
    box-shadow (and its label's, for a radio or checkbox) while focused and after the focus has
    moved on. Returns what failed: no visible ring, or no change from the unfocused state."""
    page.evaluate(
        "document.querySelectorAll('[data-focus-walk]')"
        ".forEach(el => el.removeAttribute('data-focus-walk'))"
    )
    focused: list[tuple[str, Any]] = []
    for number in range(limit):
        page.keyboard.press("Tab")
        came_round = page.evaluate(
            """(number) => {
              const el = document.activeElement;
              if (!el || el === document.body || el.dataset.focusWalk) return true;
              el.dataset.focusWalk = String(number);
              return false;
            }""",
            number,
        )
        if came_round:
            break
        ring = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
        focused.append((describe_focused(page), ring))
    page.evaluate("document.activeElement && document.activeElement.blur()")
    if not focused:
        return ["Tab reached no control"]
    failures = []
    for number, (name, ring) in enumerate(focused):
        rest = page.evaluate(
            f"({FOCUS_STYLE})(document.querySelector('[data-focus-walk=\"{number}\"]'))"
        )
        visible = any(
            (box["style"] != "none" and box["width"] >= 2) or box["shadow"] != "none"
            for box in ring
        )
        changed = [(f["outline"], f["shadow"]) for f in ring] != [
            (r["outline"], r["shadow"]) for r in rest
        ]
        if not (visible and changed):
            failures.append(f"{name}: focused {ring}, unfocused {rest}")
    return failures


def test_every_focused_control_shows_a_visible_focus_ring(site: Site) -> None:
    """A sample of pages, each walked with Tab: links, buttons, inputs, a select, radios and
    checkboxes (on their labels), the Move up/down buttons, the rating buttons, summaries."""
    samples = [
        (ANYONE, "/login"),
        (STUDENT, "/"),
        (STUDENT, "/settings"),
        (TEACHER, "/author/banks/{bank}/facts"),
        (TEACHER, "/author/banks/{bank}/preview"),
        (TEACHER, "/classes/{course}"),
    ]
    failures: list[str] = []
    for who, url in samples:
        page = site.pages[who]
        page.emulate_media(reduced_motion="reduce")  # no transition half-way through
        page.goto(site.url(url))
        failures += [f"{url}: {f}" for f in tab_through_checking_focus(page)]

    # The study screens: each question type, and the rating buttons of its feedback.
    page = site.pages[STUDENT]
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"/study/{PERU}")
    met: set[str] = set()
    for _ in range(12):
        kind = question_type(page)
        assert kind is not None
        if kind not in met:
            failures += [f"question {kind}: {f}" for f in tab_through_checking_focus(page)]
        answer_by_clicking(page, kind)
        if kind not in met:
            failures += [f"feedback {kind}: {f}" for f in tab_through_checking_focus(page)]
            met.add(kind)
        rate_easy(page)
        if met == set(QUESTION_TYPES):
            break
    assert failures == [], "controls without a visible focus indicator:\n" + "\n".join(failures)


def answer_with_keys(page: Page, kind: str) -> None:
    """Answer the question on screen with Tab, Shift+Tab, arrows, Space and Enter only."""
    if kind == "single_choice":
        tab_to(page, "el.type === 'radio'")
        page.keyboard.press("ArrowDown")  # arrows move through a radio group, choosing
        expect(page.locator("input[name=answer]").nth(1)).to_be_checked()
        page.keyboard.press("Enter")  # Enter in the form checks the answer
    elif kind == "multiple_choice":
        tab_to(page, "el.type === 'checkbox'")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        boxes = page.locator("input[name=answer]")
        expect(boxes.nth(0)).to_be_checked()
        expect(boxes.nth(1)).to_be_checked()
        tab_to(page, "el.classList.contains('study-submit')")
        page.keyboard.press("Space")
    elif kind == "ordering":
        before = order_texts(page)
        first = before[0]
        tab_to(page, f"el.getAttribute('aria-label') === {f'Move down: {first}'!r}")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # the moved item keeps the focus: down twice
        page.keyboard.press("Shift+Tab")  # its Move up button
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label == f"Move up: {first}", label
        page.keyboard.press("Space")
        expect(page.locator("#order-list .study-order-text")).to_have_text(
            [before[1], first, *before[2:]]
        )
        expect(page.locator("#order-status")).to_contain_text(f"position 2 of {len(before)}")
        tab_to(page, "el.classList.contains('study-submit')")
        page.keyboard.press("Enter")
    else:
        expect(page.locator(".study-submit")).to_be_focused()  # autofocus: Show answer
        page.keyboard.press("Space")


def rate_with_keys(page: Page, how: str) -> None:
    if how == "enter":
        expect(page.locator("button.rate.is-suggested")).to_be_focused()
        page.keyboard.press("Enter")  # the suggested rating
    elif how == "shortcut":
        page.keyboard.press("4")  # Easy
    else:
        tab_to(page, "el.classList.contains('rate-easy')")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.classList.contains('rate-good')")
        page.keyboard.press("Space")


def test_a_student_answers_and_rates_every_question_type_with_the_keyboard(
    browser: Browser, live_server: LiveServer
) -> None:
    log = PageLog()
    context, page = open_page(browser, live_server, log)
    try:
        register(page, "a11y-keyboard")
        assert page.evaluate("document.documentElement.lang") == "en"

        # The first Tab reaches the skip link, which then shows.
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0, box

        tab_to(page, "(el.getAttribute('aria-label') || '').startsWith('Study Peru')")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/study/{PERU}$"))

        met: set[str] = set()
        ratings = ["enter", "shortcut", "tab"]
        for number in range(12):
            kind = question_type(page)
            assert kind is not None, f"the queue ran out; met {met}"
            with page.expect_navigation():
                answer_with_keys(page, kind)
            expect(page).to_have_url(FEEDBACK_URL)
            with page.expect_navigation():
                rate_with_keys(page, ratings[number % len(ratings)])
            expect(page).to_have_url(re.compile(rf"/study/{PERU}$"))
            met.add(kind)
            if met == set(QUESTION_TYPES):
                break
        assert met == set(QUESTION_TYPES), met
        assert log.errors == [], log.errors
    finally:
        context.close()
