"""An instructor's first class in a real browser, and a student who joins it.

The instructor (made with ``flask users create`` against the live server's database) uploads a
small bank with a mistake, reads the error report, uploads the fixed bank, previews and
publishes it, creates a class, attaches the bank and reads the join code. A new student
registers, joins with the code, finds the bank on their home page and studies one question of
it; the instructor then sees the student in the class's progress table.

Drives Debian's Chromium through Playwright against the app running as a real server (see
conftest.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, PageLog, open_page
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "a long walk to Machu Picchu 1911"
TEACHER = "browser-teacher"
STUDENT = "browser-class-student"
BANK_TITLE = "A Short History of the Bicycle"
CLASS_NAME = "Year 9 technology, spring term"
FEEDBACK_URL = re.compile(r"/study/p/[^/]+$")
# The main document of an expected error page: Chromium logs its status as a console error.
EXPECTED_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of 422")

# A bank on a subject the app has never seen. BROKEN names an entity it never declares.
BANK = """\
format: 1
id: history-of-the-bicycle
title: A Short History of the Bicycle
description: From the running machine to the safety bicycle.
source:
  title: A Short History of the Bicycle (written for the quizapp tests)
topics:
  - {id: inventions, title: Inventions}
entities:
  - {id: germany, name: Germany, kind: country, group: europe}
  - {id: france, name: France, kind: country, group: europe}
  - {id: united-kingdom, name: United Kingdom, kind: country, group: europe}
  - {id: united-states, name: United States, kind: country, group: north-america}
  - {id: scotland, name: Scotland, kind: country, group: europe}
facts:
  - id: running-machine
    kind: event
    topic: inventions
    what: Karl Drais rode his running machine in Mannheim.
    date: "1817-06-12"
    parties: [germany]
    source: On June 12, 1817, Karl Drais rode his running machine in Mannheim, Germany.
  - id: pedal-velocipede
    kind: event
    topic: inventions
    what: Pedals were fitted to the front wheel of the velocipede in Paris.
    date: "1864"
    parties: [france]
    source: In 1864, pedals were fitted to the front wheel of the velocipede in Paris.
  - id: penny-farthing
    kind: event
    topic: inventions
    what: The high-wheeled penny-farthing became popular in Britain.
    date: "1871"
    parties: [united-kingdom]
    source: From 1871 the high-wheeled penny-farthing became popular in Britain.
  - id: rover-safety
    kind: event
    topic: inventions
    what: John Kemp Starley built the Rover safety bicycle.
    date: "1885"
    parties: [united-kingdom]
    source: In 1885, John Kemp Starley built the Rover safety bicycle in Coventry.
  - id: pneumatic-tyre
    kind: event
    topic: inventions
    what: John Boyd Dunlop patented the pneumatic bicycle tyre.
    date: "1888"
    parties: [{party}]
    source: In 1888, John Boyd Dunlop patented the pneumatic bicycle tyre.
"""


def create_instructor(live_server: LiveServer, username: str) -> None:
    """``flask users create --role instructor`` on the live server's database."""
    env = {
        **os.environ,
        "QUIZAPP_DATABASE_URL": live_server.database_url,
        "QUIZAPP_SECRET_KEY": live_server.secret_key,
        "FLASK_DEBUG": "0",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "quizapp",
            "users",
            "create",
            "--role",
            "instructor",
            "--username",
            username,
            "--display-name",
            "Ms Quispe",
            "--password",
            PASSWORD,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"users create failed:\n{done.stdout}\n{done.stderr}"


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    expect(page.locator(".nav-user")).to_be_visible()


def upload(page: Page, path: Path) -> None:
    page.goto("/author/upload")
    page.get_by_label("Bank file").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()


def study_one_question(page: Page) -> None:
    """Answer the question on screen (the first option, or the order shown, or the flashcard)
    and rate it Good."""
    session_url = page.url
    form = page.locator("form[data-type]")
    expect(form).to_be_visible()
    expect(page.locator("#prompt")).not_to_be_empty()
    kind = form.get_attribute("data-type")
    if kind in ("single_choice", "multiple_choice"):
        page.locator("label.study-option").first.click()
    button = "Show answer" if kind == "flashcard" else "Check"
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    expect(page).to_have_url(FEEDBACK_URL)
    expect(page.locator(".study-source blockquote")).not_to_be_empty()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Good")).click()
    expect(page).to_have_url(session_url)


def test_an_instructor_sets_up_a_class_and_a_student_joins_it(
    page: Page,
    browser,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    page_log: PageLog,
    tmp_path: Path,
) -> None:
    create_instructor(live_server, TEACHER)
    broken = tmp_path / "bicycles.yaml"
    broken.write_text(BANK.replace("{party}", "irland"), encoding="utf-8")
    fixed = tmp_path / "bicycles-fixed.yaml"
    fixed.write_text(BANK.replace("{party}", "scotland"), encoding="utf-8")

    # The instructor logs in and uploads the bank with a mistake: a report, nothing imported.
    log_in(page, TEACHER)
    expect(page.get_by_role("link", name="Teach")).to_be_visible()
    upload(page, broken)
    report = page.locator(".author-report")
    expect(report).to_be_visible()
    expect(report).to_contain_text("nothing was imported")
    expect(report).to_contain_text("unknown entity 'irland'")

    # The fixed bank imports as a draft; preview it, then publish it.
    upload(page, fixed)
    expect(page).to_have_url(re.compile(r"/author/banks/history-of-the-bicycle/preview"))
    expect(page.locator("main")).to_contain_text(BANK_TITLE)
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    page.goto("/author/banks/history-of-the-bicycle")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text(f"Published '{BANK_TITLE}'")

    # A class, the bank attached, the join code read off the page.
    page.get_by_role("link", name="Classes", exact=True).click()
    page.get_by_label("Class name").fill(CLASS_NAME)
    with page.expect_navigation():
        page.get_by_role("button", name="Create class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CLASS_NAME)
    class_url = page.url
    page.get_by_label("Bank", exact=True).select_option(label=BANK_TITLE)
    with page.expect_navigation():
        page.get_by_role("button", name="Attach bank").click()
    expect(page.locator(".flashes")).to_contain_text(f"“{BANK_TITLE}” attached")
    expect(page.locator("#banks")).to_contain_text(BANK_TITLE)
    code = page.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code), code
    expect(page.locator("#join-link")).to_have_text(f"{live_server.url}/classes/join/{code}")

    # A new student registers: the bank is classes-only, so it is not on their home yet.
    context, student = open_page(browser, live_server, page_log)
    try:
        student.goto("/register")
        student.locator("#username").fill(STUDENT)
        student.locator("#password").fill(PASSWORD)
        student.locator("#confirm").fill(PASSWORD)
        with student.expect_navigation():
            student.locator("main form [type=submit]").click()
        expect(student).to_have_url(f"{live_server.url}/")
        expect(student.locator(".bank-card").filter(has_text=BANK_TITLE)).to_have_count(0)

        # Joins with the code typed on the Classes page; the bank is on the home page.
        student.get_by_role("link", name="Classes", exact=True).click()
        student.get_by_label("Join code").fill(code.lower())
        with student.expect_navigation():
            student.get_by_role("button", name="Join class").click()
        expect(student).to_have_url(f"{live_server.url}/")
        expect(student.locator(".flashes")).to_contain_text(f"You joined “{CLASS_NAME}”")
        card = student.locator(".bank-card").filter(has_text=BANK_TITLE)
        expect(card).to_be_visible()
        expect(card.locator(".bank-count-learned dd")).to_contain_text("0")

        # One question of it.
        student.get_by_role("button", name=f"Study {BANK_TITLE}").click()
        study_one_question(student)
    finally:
        context.close()

    # The instructor sees the student in the progress table.
    page.goto(class_url)
    row = page.locator(".progress-table tbody tr").filter(has_text=STUDENT)
    expect(row).to_have_count(1)
    expect(page.locator(".class-meta")).to_contain_text("1 student")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000
    screenshot(page, "instructor-class.png")

    # Every request went to the app itself, and no script or style was refused by the CSP
    # (the one expected error: the report page's 422 status).
    origin = live_server.origin
    foreign = [
        u for u in page_log.requests if not u.startswith("data:") and not _same_origin(u, origin)
    ]
    assert foreign == [], foreign
    unexpected = [e for e in page_log.errors if not EXPECTED_STATUS.match(e)]
    assert unexpected == [], unexpected


def _same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" == origin
