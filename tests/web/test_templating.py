"""The url_for that templates call remembers URLs without ever giving a wrong one."""

from __future__ import annotations

from flask import Flask, render_template_string, url_for
from flask.testing import FlaskClient

from ..helpers import login_as, make_user


def test_templates_get_the_urls_flask_builds(app: Flask) -> None:
    calls = [
        ("static", {"filename": "css/app.css"}),
        ("study.home", {}),
        ("study.session", {"slug": "peru-foreign-relations"}),
        ("study.session", {"slug": "solar-system"}),
        ("study.feedback", {"pid": "a" * 32}),
        ("study.home", {"page": 2}),  # an unknown value becomes the query string
    ]
    template = "{{ url_for(endpoint, **values) }}"
    for mount in ("", "/quiz"):
        for _ in range(2):  # the second time from the cache
            for endpoint, values in calls:
                with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": mount}):
                    rendered = render_template_string(template, endpoint=endpoint, values=values)
                    assert rendered == url_for(endpoint, **values)
                    assert rendered.startswith(f"{mount}/")


def test_relative_endpoints_follow_the_blueprint(app: Flask) -> None:
    with app.test_request_context("/drills/"):
        assert render_template_string("{{ url_for('.index') }}") == "/drills/"
    with app.test_request_context("/classes/"):
        assert render_template_string("{{ url_for('.index') }}") == "/classes/"


def test_external_urls_and_unhashable_values_are_built_each_time(app: Flask) -> None:
    for host in ("a.example", "b.example"):
        with app.test_request_context("/", base_url=f"http://{host}"):
            external = render_template_string("{{ url_for('study.home', _external=True) }}")
            assert external == f"http://{host}/"
            listed = render_template_string("{{ url_for('study.home', tag=['x', 'y']) }}")
            assert listed == "/?tag=x&amp;tag=y"  # escaped in HTML, as url_for always was


def test_pages_remember_their_navigation(app: Flask, client: FlaskClient) -> None:
    uid = make_user(app, "stu")
    login_as(app, client, uid)
    remembering = app.jinja_env.globals["url_for"]
    client.get("/")
    before = remembering.cache_info()
    page = client.get("/").get_data(as_text=True)
    after = remembering.cache_info()
    assert after.hits > before.hits and after.misses == before.misses
    assert 'href="/drills/"' in page and 'href="/static/css/app.css"' in page
