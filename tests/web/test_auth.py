"""Register, log in, log out and settings through the test client on the real SQLite file."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import accounts

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
GOOD_PASSWORD = "violet kettle drums"
OTHER_PASSWORD = "seven lazy harbours"


def csrf_token(html: str) -> str | None:
    m = CSRF_RE.search(html)
    return m.group(1) if m else None


def get_user(app: Flask, username: str) -> User | None:
    with app.app_context():
        user = db.session.execute(
            db.select(User).where(User.username == username)
        ).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def register(client: FlaskClient, username: str = "ana", password: str = GOOD_PASSWORD, **extra):
    data = {"username": username, "password": password, "confirm": password, **extra}
    return client.post("/register", data=data)


def login(client: FlaskClient, username: str = "ana", password: str = GOOD_PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def logout(client: FlaskClient):
    return client.post("/logout")


def make_account(app: Flask, username: str = "ana", password: str = GOOD_PASSWORD) -> None:
    with app.app_context():
        accounts.create_user(username, password)


def field_error(html: str, field_id: str) -> str:
    """The error text shown under a field; asserts the field points at it."""
    m = re.search(rf'<small id="{field_id}-error" class="field-error">([^<]*)</small>', html)
    assert m, f"no error shown for {field_id}"
    tag = re.search(rf'<(input|select)[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, f"no input {field_id}"
    assert 'aria-invalid="true"' in tag.group(0)
    assert f"{field_id}-error" in tag.group(0)
    return m.group(1)


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def is_logged_in(client: FlaskClient) -> bool:
    resp = client.get("/settings")
    if resp.status_code == 302:
        assert "/login" in resp.headers["Location"]
        return False
    assert resp.status_code == 200
    return True


# --- Register -------------------------------------------------------------------------------


def test_register_page_has_labelled_fields(client: FlaskClient) -> None:
    page = client.get("/register")
    assert page.status_code == 200
    for field in ("username", "display_name", "password", "confirm"):
        assert f'<label for="{field}">' in page.text
    assert 'autocomplete="new-password"' in page.text


def test_register_logs_in_and_goes_to_study_home(app: Flask, client: FlaskClient) -> None:
    resp = register(client, "Ana.Maria", display_name="Ana María")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    user = get_user(app, "ana.maria")  # stored lower-case
    assert user is not None
    assert user.display_name == "Ana María"
    assert user.role == "student"
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in user.password_hash
    assert is_logged_in(client)
    assert "Ana María" in client.get("/settings").text


def test_register_display_name_defaults_to_username(app: Flask, client: FlaskClient) -> None:
    register(client, "bruno")
    user = get_user(app, "bruno")
    assert user is not None and user.display_name == "bruno"


def test_register_ignores_a_role_in_the_post(app: Flask, client: FlaskClient) -> None:
    resp = register(client, "mallory", role="admin")
    assert resp.status_code == 302
    user = get_user(app, "mallory")
    assert user is not None and user.role == "student"


def test_register_duplicate_username_in_other_case(app: Flask, client: FlaskClient) -> None:
    make_account(app, "ana")
    resp = register(client, "ANA")
    assert resp.status_code == 200
    assert field_error(resp.text, "username") == "That username is taken."
    with app.app_context():
        assert db.session.query(User).count() == 1


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ab", "Use 3 to 64 characters."),
        ("a" * 65, "Use 3 to 64 characters."),
        ("ana maria", "Use only letters, digits, dot (.), underscore (_) and hyphen (-)."),
        ("ana<script>", "Use only letters, digits, dot (.), underscore (_) and hyphen (-)."),
    ],
)
def test_register_bad_username(app: Flask, client: FlaskClient, username: str, message: str):
    resp = register(client, username)
    assert resp.status_code == 200
    assert field_error(resp.text, "username") == message
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_register_short_password(app: Flask, client: FlaskClient) -> None:
    resp = register(client, "ana", "short12")
    assert resp.status_code == 200
    assert field_error(resp.text, "password") == "Use at least 8 characters."
    assert get_user(app, "ana") is None


def test_register_too_long_password(app: Flask, client: FlaskClient) -> None:
    resp = register(client, "ana", "x" * 129)
    assert field_error(resp.text, "password") == "Use at most 128 characters."
    assert get_user(app, "ana") is None


def test_register_accepts_128_characters_without_composition_rules(
    app: Flask, client: FlaskClient
) -> None:
    long_password = "plain lower case words only " * 4 + "x" * 16
    assert len(long_password) == 128
    assert register(client, "ana", long_password).status_code == 302
    logout(client)
    assert login(client, "ana", long_password).status_code == 302


@pytest.mark.parametrize("password", ["password", "Password1", "QWERTYUIOP", "iloveyou"])
def test_register_common_password(app: Flask, client: FlaskClient, password: str) -> None:
    resp = register(client, "ana", password)
    assert resp.status_code == 200
    assert "too common" in field_error(resp.text, "password")
    assert get_user(app, "ana") is None


def test_register_mismatched_confirmation(app: Flask, client: FlaskClient) -> None:
    resp = client.post(
        "/register",
        data={"username": "ana", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "!"},
    )
    assert resp.status_code == 200
    assert field_error(resp.text, "confirm") == "The two passwords do not match."
    assert get_user(app, "ana") is None


def test_register_empty_form_shows_every_message(client: FlaskClient) -> None:
    resp = client.post("/register", data={})
    assert resp.status_code == 200
    assert field_error(resp.text, "username") == "Choose a username."
    assert field_error(resp.text, "password") == "Enter a password."
    assert field_error(resp.text, "confirm") == "Repeat the password."


def test_logged_in_user_visiting_register_or_login_goes_home(client: FlaskClient) -> None:
    register(client)
    assert client.get("/register").headers["Location"] == "/"
    assert client.get("/login").headers["Location"] == "/"


# --- Login and logout -----------------------------------------------------------------------


def test_login_and_logout(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    assert not is_logged_in(client)
    resp = login(client, "  ANA ")  # usernames are case-insensitive
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert is_logged_in(client)
    page = client.get("/settings").text
    assert 'action="/logout"' in page
    resp = logout(client)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login"
    assert not is_logged_in(client)
    assert "You have been logged out." in client.get("/login").text


def test_logout_needs_post(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    login(client)
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)


def test_wrong_password_and_unknown_user_get_the_same_answer(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app)
    wrong = login(client, "ana", "not the password")
    unknown = login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Invalid username or password." in wrong.text
    assert "Invalid username or password." in unknown.text

    def strip_variable(html: str) -> str:
        html = re.sub(r'value="[^"]*"', "", html)  # CSRF token and the typed username
        return html.replace("nobody", "").replace("ana", "")

    assert strip_variable(wrong.text) == strip_variable(unknown.text)
    assert not is_logged_in(client)


def test_login_honours_a_local_next(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    resp = client.get("/settings")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")
    page = client.get("/login?next=/settings")
    assert 'action="/login?next=/settings"' in page.text
    resp = client.post("/login?next=/settings", data={"username": "ana", "password": GOOD_PASSWORD})
    assert resp.headers["Location"] == "/settings"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/\r\nLocation: https://evil.example",
        "/\tevil",
    ],
)
def test_login_refuses_an_open_redirect(app: Flask, client: FlaskClient, target: str) -> None:
    make_account(app)
    resp = client.post(
        "/login", query_string={"next": target}, data={"username": "ana", "password": GOOD_PASSWORD}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_login_starts_a_new_session(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].endswith(":1")


def test_logout_invalidates_a_copied_cookie(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    login(client)
    stolen = session_cookie(client)

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert is_logged_in(thief)  # the copy works while the session lives

    logout(client)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    resp = replay.get("/settings")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")
    user = get_user(app, "ana")
    assert user is not None and user.session_version == 2


def test_logout_invalidates_the_remember_cookie(app: Flask, client: FlaskClient) -> None:
    make_account(app)
    login(client, remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    stolen = remember.value
    logout(client)
    assert client.get_cookie("remember_token") is None  # deleted from this browser
    replay = app.test_client()
    replay.set_cookie("remember_token", stolen)
    assert not is_logged_in(replay)


def test_remember_me_keeps_the_login_without_the_session(app: Flask, client: FlaskClient):
    make_account(app)
    login(client, remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    other = app.test_client()
    other.set_cookie("remember_token", remember.value)
    assert is_logged_in(other)


def test_login_rehashes_an_outdated_hash(app: Flask, client: FlaskClient) -> None:
    from argon2 import PasswordHasher

    old_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(GOOD_PASSWORD)
    make_account(app)
    with app.app_context():
        user = accounts.find_user("ana")
        assert user is not None
        user.password_hash = old_hash
        db.session.commit()
    assert login(client).status_code == 302
    user = get_user(app, "ana")
    assert user is not None
    assert user.password_hash != old_hash
    assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")


# --- Settings -------------------------------------------------------------------------------


SETTINGS = {
    "display_name": "Ana",
    "desired_retention": "0.85",
    "new_per_day": "15",
    "reviews_per_day": "150",
    "timezone": "America/Lima",
    "save_settings": "Save settings",
}


def test_settings_need_login(client: FlaskClient) -> None:
    resp = client.get("/settings")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=%2Fsettings"


def test_settings_page_shows_current_values(app: Flask, client: FlaskClient) -> None:
    register(client)
    page = client.get("/settings").text
    assert 'value="0.90"' in page
    assert '<option selected value="UTC">UTC</option>' in page
    assert "The share of reviews you want to get right" in page
    for field in ("display_name", "desired_retention", "new_per_day", "reviews_per_day"):
        assert f'<label for="{field}">' in page
    assert '<label for="timezone">' in page
    assert '<label for="current_password">' in page


def test_settings_save(app: Flask, client: FlaskClient) -> None:
    register(client)
    resp = client.post("/settings", data=SETTINGS)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/settings"
    assert "Settings saved." in client.get("/settings").text
    user = get_user(app, "ana")
    assert user is not None
    assert user.display_name == "Ana"
    assert user.desired_retention == pytest.approx(0.85)
    assert (user.new_per_day, user.reviews_per_day, user.timezone) == (15, 150, "America/Lima")


def test_settings_empty_display_name_falls_back_to_username(app: Flask, client: FlaskClient):
    register(client, display_name="Someone")
    client.post("/settings", data={**SETTINGS, "display_name": "   "})
    user = get_user(app, "ana")
    assert user is not None and user.display_name == "ana"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("desired_retention", "0.5", "Choose a value between 0.80 and 0.97."),
        ("desired_retention", "0.99", "Choose a value between 0.80 and 0.97."),
        ("new_per_day", "501", "Choose a number from 0 to 500."),
        ("new_per_day", "-1", "Choose a number from 0 to 500."),
        ("reviews_per_day", "10000", "Choose a number from 0 to 9999."),
        ("timezone", "Mars/Base", "Choose a time zone from the list."),
        ("display_name", "x" * 101, "Use at most 100 characters."),
    ],
)
def test_settings_validation(
    app: Flask, client: FlaskClient, field: str, value: str, message: str
) -> None:
    register(client)
    resp = client.post("/settings", data={**SETTINGS, field: value})
    assert resp.status_code == 200
    assert message in field_error(resp.text, field)
    # the other values the person typed are still there
    if field != "new_per_day":
        assert 'value="15"' in resp.text
    user = get_user(app, "ana")
    assert user is not None
    assert (user.desired_retention, user.new_per_day, user.timezone) == (0.9, 20, "UTC")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("desired_retention", "lots", "Enter a number such as 0.90."),
        ("desired_retention", "NaN", "Enter a number such as 0.90."),
        ("desired_retention", "sNaN", "Enter a number such as 0.90."),
        ("desired_retention", "-Infinity", "Enter a number such as 0.90."),
        ("desired_retention", "", "Enter a number such as 0.90."),
        ("new_per_day", "1e5", "Enter a whole number such as 20."),
        ("new_per_day", "2.5", "Enter a whole number such as 20."),
        ("reviews_per_day", "many", "Enter a whole number such as 20."),
    ],
)
def test_settings_not_a_number(client: FlaskClient, field: str, value: str, message: str) -> None:
    register(client)
    resp = client.post("/settings", data={**SETTINGS, field: value})
    assert resp.status_code == 200
    assert field_error(resp.text, field) == message  # that message alone, no range message


def test_password_change_logs_out_other_sessions_but_keeps_this_one(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app)
    login(client)
    laptop = app.test_client()
    login(laptop)
    assert is_logged_in(laptop)

    resp = client.post(
        "/settings",
        data={
            "current_password": GOOD_PASSWORD,
            "new_password": OTHER_PASSWORD,
            "confirm_password": OTHER_PASSWORD,
            "change_password": "Change password",
        },
    )
    assert resp.status_code == 302
    assert "Password changed." in client.get("/settings").text  # still logged in here
    assert not is_logged_in(laptop)

    logout(client)
    assert login(client, "ana", GOOD_PASSWORD).status_code == 200
    assert login(client, "ana", OTHER_PASSWORD).status_code == 302


def test_password_change_with_remember_cookie_keeps_this_device(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app)
    login(client, remember="y")
    client.post(
        "/settings",
        data={
            "current_password": GOOD_PASSWORD,
            "new_password": OTHER_PASSWORD,
            "confirm_password": OTHER_PASSWORD,
            "change_password": "Change password",
        },
    )
    remember = client.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert is_logged_in(fresh)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"current_password": "wrong one!", "new_password": OTHER_PASSWORD},
            "current_password",
            "The current password is not correct.",
        ),
        ({"new_password": "password123"}, "new_password", "too common"),
        ({"new_password": "short"}, "new_password", "Use at least 8 characters."),
        (
            {"confirm_password": OTHER_PASSWORD + "x"},
            "confirm_password",
            "The two passwords do not match.",
        ),
    ],
)
def test_password_change_errors(
    app: Flask, client: FlaskClient, data: dict[str, str], field: str, message: str
) -> None:
    make_account(app)
    login(client)
    form = {
        "current_password": GOOD_PASSWORD,
        "new_password": OTHER_PASSWORD,
        "confirm_password": data.get("new_password", OTHER_PASSWORD),
        "change_password": "Change password",
        **data,
    }
    resp = client.post("/settings", data=form)
    assert resp.status_code == 200
    assert message in field_error(resp.text, field)
    # the settings form beside it still shows the stored values
    assert 'value="0.90"' in resp.text
    user = get_user(app, "ana")
    assert user is not None and user.session_version == 1
    assert is_logged_in(client)


# --- Layout ---------------------------------------------------------------------------------


def test_layout_nav_and_accessibility_basics(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").text
    assert '<html lang="en">' in page
    assert 'name="viewport"' in page
    assert "vendor/pico/pico.min.css" in page
    assert 'href="#main"' in page
    assert 'href="/register"' in page
    assert "<script>" not in page and "style=" not in page and "onclick" not in page
    register(client, display_name="Ana María")
    page = client.get("/settings").text
    assert "Ana María" in page
    assert 'href="/leeches"' in page or "leeches" in page
    assert 'href="/register"' not in page
    assert "Content-Security-Policy" in client.get("/settings").headers


def test_static_vendor_files_are_served(client: FlaskClient) -> None:
    for path in (
        "/static/vendor/pico/pico.min.css",
        "/static/css/app.css",
        "/static/vendor/sortablejs/Sortable.min.js",
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
        resp.close()


def test_error_page(client: FlaskClient) -> None:
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert "Not found" in resp.text
    assert 'href="/"' in resp.text


# --- CSRF -----------------------------------------------------------------------------------


class TestCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_gets_form_expired(self, app: Flask, client: FlaskClient):
        make_account(app)
        resp = login(client)
        assert resp.status_code == 400
        assert "Form expired" in resp.text
        assert not is_logged_in(client)

    def test_forms_carry_a_token_that_works(self, app: Flask, client: FlaskClient) -> None:
        page = client.get("/register").text
        token = csrf_token(page)
        assert token
        resp = register(client, csrf_token=token)
        assert resp.status_code == 302
        settings = client.get("/settings").text
        assert csrf_token(settings)
        # the log-out button in the header is a form with its own token
        assert re.search(
            r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token"', settings
        )
        assert logout(client).status_code == 400  # no token: refused, still logged in
        assert is_logged_in(client)
        resp = client.post("/logout", data={"csrf_token": csrf_token(settings)})
        assert resp.status_code == 302
        assert not is_logged_in(client)


# --- Rate limit -----------------------------------------------------------------------------


class TestRateLimit:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"}

    def test_fourth_login_post_is_refused(self, app: Flask, client: FlaskClient) -> None:
        make_account(app)
        for _ in range(3):
            assert login(client, "ana", "wrong password").status_code == 200
        assert client.get("/login").status_code == 200  # GETs are not counted
        resp = login(client, "ana", GOOD_PASSWORD)
        assert resp.status_code == 429
        assert "Too many requests" in resp.text
        assert "<form" in resp.text or "<html" in resp.text


def test_registering_from_a_login_redirect_continues_to_the_page_asked_for(
    client: FlaskClient,
) -> None:
    login_page = client.get("/login?next=/classes/join/ABCDEFGH")
    assert "/register?next=" in login_page.text
    resp = client.post(
        "/register?next=/classes/join/ABCDEFGH",
        data={"username": "newbie", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/classes/join/ABCDEFGH"
    evil = client.post(
        "/register?next=//evil.example/",
        data={"username": "newbie2", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
    )
    assert evil.headers["Location"] == "/"
