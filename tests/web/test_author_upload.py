"""Uploading a bank: every problem reported at once (422, nothing imported), a new bank as a
draft, re-uploading as editing with a confirmation before progress is reset."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from quizapp.extensions import db
from quizapp.models import Bank, Fact, Item, ItemState, Review

from ..conftest import FIXTURE_BANKS
from ..helpers import login_as, make_user
from .test_author import SLUG, bank_row, owned_bank, study_items

SOLAR = FIXTURE_BANKS / "solar_system.yaml"
SOLAR_TEXT = FIXTURE_BANKS / "solar_system.txt"


@pytest.fixture
def teacher(app: Flask, client: FlaskClient) -> int:
    uid = make_user(app, "tess", role="instructor")
    login_as(app, client, uid)
    return uid


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).select_from(m)) or 0 for m in (Bank, Fact, Item)
        )


def upload(
    client: FlaskClient,
    content: bytes | str,
    filename: str = "solar_system.yaml",
    *,
    document: str | None = None,
    document_file: tuple[bytes, str] | None = None,
    **fields: str,
):  # type: ignore[no-untyped-def]
    raw = content.encode() if isinstance(content, str) else content
    data: dict[str, object] = {"bank_file": FileStorage(io.BytesIO(raw), filename), **fields}
    if document is not None:
        data["document_text"] = document
    if document_file is not None:
        data["document_file"] = FileStorage(io.BytesIO(document_file[0]), document_file[1])
    return post_multipart(client, "/author/upload", data)


def post_multipart(client: FlaskClient, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """POST a multipart body encoded here, in memory: given a large body, the test client
    would spool it to a temporary file that it never closes."""
    boundary, body = encode_multipart(data)  # type: ignore[arg-type]
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def solar(**replace: str) -> str:
    text = SOLAR.read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def refused(app: Flask, response, *messages: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert "nothing was imported" in response.text.lower()
    for message in messages:
        assert message in response.text, message


# --- every problem, with its line and how to fix it --------------------------------------------


def test_the_upload_page_shows_the_form_and_the_limit(client: FlaskClient, teacher: int) -> None:
    page = client.get("/author/upload")
    assert page.status_code == 200
    assert 'type="file"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert "At most 2 MB" in page.text


def test_malformed_yaml_is_reported_at_its_line(app: Flask, client: FlaskClient, teacher: int):
    before = counts(app)
    resp = upload(client, "id: x\ntitle: [unclosed\nsource: {title: t}\n", "bad.yaml")
    refused(
        app,
        resp,
        "invalid YAML at column 7: the list opened with &#39;[&#39; is not closed with &#39;]&#39; "
        "(it starts at line 2)",
    )
    assert '<td class="num">3</td>' in resp.text  # the line
    assert counts(app) == before


def test_unknown_entity_is_reported_with_path_and_line(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    before = counts(app)
    content = solar(**{"parties: [soviet-union]": "parties: [atlantis]"})
    resp = upload(client, content, document=SOLAR_TEXT.read_text())
    refused(app, resp, "unknown entity &#39;atlantis&#39;; declare it under entities")
    assert "facts[0].parties[0]" in resp.text
    assert '<td class="num">77</td>' in resp.text
    assert counts(app) == before


def test_source_not_in_the_document_is_reported(app: Flask, client: FlaskClient, teacher: int):
    before = counts(app)
    content = solar(
        **{
            "The Soviet Union launched Sputnik 1, the first artificial satellite, on October 4, "
            "1957.": "The Soviet Union launched Sputnik 2 in 1957."
        }
    )
    resp = upload(client, content, document=SOLAR_TEXT.read_text())
    refused(
        app,
        resp,
        "&#39;The Soviet Union launched Sputnik 2 in 1957.&#39; not found in solar_system.txt; "
        "copy the sentence verbatim",
    )
    assert "facts[0].source" in resp.text
    assert counts(app) == before


def test_a_named_document_that_was_not_supplied_is_an_error(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    before = counts(app)
    resp = upload(client, SOLAR.read_text())
    refused(
        app,
        resp,
        "the document &#39;solar_system.txt&#39; was not supplied with the bank; upload its text "
        "too",
    )
    assert counts(app) == before


def test_every_problem_is_listed_at_once(app: Flask, client: FlaskClient, teacher: int) -> None:
    content = solar(
        **{
            "parties: [soviet-union]": "parties: [atlantis]",
            'date: "1969-07-20"': 'date: "1969-13-20"',
            "topic: people": "topic: persons",
        }
    )
    resp = upload(client, content, document=SOLAR_TEXT.read_text())
    refused(app, resp, "atlantis", "1969-13-20", "persons")
    assert "3 problems in solar_system.yaml" in resp.text


def test_csv_missing_column(app: Flask, client: FlaskClient, teacher: int) -> None:
    before = counts(app)
    resp = upload(client, b"front\nhello\n", "cards.csv")
    refused(app, resp, "the header has no &#39;back&#39; column (the back of the card)")
    assert counts(app) == before


def test_too_large_an_upload_is_413_with_the_limit(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    before = counts(app)
    big = FileStorage(io.BytesIO(b"#" * (2 * 1024 * 1024 + 10)), "huge.yaml")
    resp = post_multipart(client, "/author/upload", {"bank_file": big})
    assert resp.status_code == 413
    assert "File too large" in resp.text
    assert "2 MB limit" in resp.text
    assert counts(app) == before


def test_a_long_pasted_document_is_accepted_up_to_the_limit(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    # Flask refuses a form field over 500 kB by default; the author pages allow the whole
    # upload limit, so a long document can be pasted.
    document = SOLAR_TEXT.read_text() + "\n" + "Padding text. " * 60_000
    assert 500_000 < len(document) < 1_500_000
    resp = upload(client, SOLAR.read_text(), document=document)
    assert resp.status_code == 302, resp.text


def test_wrong_extension_is_refused_beside_the_field(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    before = counts(app)
    resp = upload(client, SOLAR.read_text(), "solar_system.txt")
    assert resp.status_code == 422
    assert "Upload a .yaml, .yml, .json or .csv file; other files are not banks." in resp.text
    assert 'aria-invalid="true"' in resp.text
    assert counts(app) == before


def test_no_file_is_refused(app: Flask, client: FlaskClient, teacher: int) -> None:
    resp = post_multipart(client, "/author/upload", {})
    assert resp.status_code == 422
    assert "Choose a bank file to upload." in resp.text


def test_a_document_that_is_not_utf8_is_refused(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    before = counts(app)
    resp = upload(client, SOLAR.read_text(), document_file=(b"caf\xe9\n", "solar_system.txt"))
    refused(app, resp, "the document is not valid UTF-8")
    assert counts(app) == before


def test_a_document_given_twice_is_refused(app: Flask, client: FlaskClient, teacher: int) -> None:
    text = SOLAR_TEXT.read_text()
    resp = upload(
        client, SOLAR.read_text(), document=text, document_file=(text.encode(), "doc.txt")
    )
    assert resp.status_code == 422
    assert "Give the document once" in resp.text


def test_an_id_of_someone_elses_bank_is_refused(app: Flask, client: FlaskClient, teacher: int):
    other = make_user(app, "otto", role="instructor")
    owned_bank(app, other)
    before = counts(app)
    resp = upload(client, SOLAR.read_text(), document=SOLAR_TEXT.read_text())
    refused(app, resp, f"A bank with id &#39;{SLUG}&#39; already exists; change `id:` in the file")
    assert counts(app) == before
    with app.app_context():
        assert bank_row(SLUG).owner_id == other


# --- success ---------------------------------------------------------------------------------


def test_a_yaml_upload_becomes_a_private_draft_and_opens_the_preview(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    resp = upload(client, SOLAR.read_text(), document=SOLAR_TEXT.read_text())
    assert resp.status_code == 302, resp.text
    assert resp.headers["Location"].endswith(f"/author/banks/{SLUG}/preview")
    with app.app_context():
        row = bank_row(SLUG)
        assert (row.owner_id, row.status, row.is_public) == (teacher, "draft", False)
        assert row.document_text == SOLAR_TEXT.read_text()
    page = client.get(resp.headers["Location"])
    assert "as a draft" in page.text


def test_the_document_may_come_as_a_file(app: Flask, client: FlaskClient, teacher: int) -> None:
    resp = upload(
        client,
        SOLAR.read_text(),
        document_file=(SOLAR_TEXT.read_bytes(), "solar_system.txt"),
    )
    assert resp.status_code == 302, resp.text


def test_a_json_upload_is_read_as_json(app: Flask, client: FlaskClient, teacher: int) -> None:
    data = yaml.safe_load(SOLAR.read_text())
    data.pop("source_text")
    resp = upload(client, json.dumps(data), "solar.json")
    assert resp.status_code == 302, resp.text
    with app.app_context():
        assert bank_row(SLUG).status == "draft"


def test_a_csv_upload_becomes_a_draft(app: Flask, client: FlaskClient, teacher: int) -> None:
    csv = "front,back,topic\nCapital of Peru,Lima,Geography\nCapital of Chile,Santiago,Geography\n"
    resp = upload(client, csv, "capitals.csv", bank_id="capitals", title="Capitals")
    assert resp.status_code == 302, resp.text
    assert resp.headers["Location"].endswith("/author/banks/capitals/preview")
    with app.app_context():
        row = bank_row("capitals")
        assert (row.title, row.status, row.is_public, row.owner_id) == (
            "Capitals",
            "draft",
            False,
            teacher,
        )
        facts = db.session.scalar(
            select(func.count()).select_from(Fact).where(Fact.bank_id == row.id)
        )
        assert facts == 2
    preview = client.get("/author/banks/capitals/preview")
    assert preview.status_code == 200 and "Lima" in preview.text


# --- re-uploading my own bank -----------------------------------------------------------------


def test_reuploading_without_answer_changes_updates_at_once_and_keeps_progress(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    owned_bank(app, teacher, status="published", is_public=True)
    student = make_user(app, "ana")
    studied = study_items(app, student, 3)
    content = solar(
        **{
            "explanation: Sputnik 1, launched on October 4, 1957, was the first artificial "
            "satellite.": "explanation: The first artificial satellite."
        }
    )
    resp = upload(client, content, document=SOLAR_TEXT.read_text())
    assert resp.status_code == 302, resp.text
    with app.app_context():
        row = bank_row(SLUG)
        assert (row.status, row.is_public, row.owner_id) == ("published", True, teacher)
        assert db.session.scalar(select(func.count()).select_from(ItemState)) == len(studied)
        assert "The first artificial satellite." in json.dumps(row.content)


def test_reuploading_with_a_changed_answer_asks_first_then_resets_that_fact_only(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    owned_bank(app, teacher, status="published", is_public=True)
    student = make_user(app, "ana")
    study_items(app, student, 40)
    with app.app_context():
        row = bank_row(SLUG)
        studied_facts = set(
            db.session.execute(
                select(Fact.key).join(Item, Item.fact_id == Fact.id).join(ItemState)
            ).scalars()
        )
        states_before = db.session.scalar(select(func.count()).select_from(ItemState))
        reviews_before = db.session.scalar(select(func.count()).select_from(Review))
        hash_before = row.content_hash
    assert "apollo-11-landing" in studied_facts
    content = solar(**{'date: "1969-07-20"': 'date: "1969-07-21"'})
    resp = upload(client, content, document=SOLAR_TEXT.read_text())
    assert resp.status_code == 200, resp.text
    assert "Replace" in resp.text and "apollo-11-landing" in resp.text
    with app.app_context():  # nothing changed yet
        assert bank_row(SLUG).content_hash == hash_before
        assert db.session.scalar(select(func.count()).select_from(ItemState)) == states_before

    # The page carries the bank and its document; confirming imports them.
    pending = _textarea(resp.text, "content")
    document = _textarea(resp.text, "document_text")
    base_hash = _hidden(resp.text, "base_hash")
    assert base_hash == hash_before
    confirm = post_multipart(
        client,
        "/author/upload/confirm",
        {"content": pending, "document_text": document, "base_hash": base_hash},
    )
    assert confirm.status_code == 302, confirm.text
    with app.app_context():
        remaining = set(
            db.session.execute(
                select(Fact.key).join(Item, Item.fact_id == Fact.id).join(ItemState)
            ).scalars()
        )
        assert "apollo-11-landing" not in remaining
        assert remaining == studied_facts - {"apollo-11-landing"}
        assert db.session.scalar(select(func.count()).select_from(Review)) == reviews_before


def test_a_stale_confirmation_shows_the_list_again(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    owned_bank(app, teacher, status="published", is_public=True)
    study_items(app, make_user(app, "ana"), 40)
    content = solar(**{'date: "1969-07-20"': 'date: "1969-07-21"'})
    resp = upload(client, content, document=SOLAR_TEXT.read_text())
    confirm = post_multipart(
        client,
        "/author/upload/confirm",
        {
            "content": _textarea(resp.text, "content"),
            "document_text": _textarea(resp.text, "document_text"),
            "base_hash": "0" * 64,
        },
    )
    assert confirm.status_code == 200
    assert "The bank changed since this list was made" in confirm.text


def test_a_tampered_confirmation_is_validated_again(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    owned_bank(app, teacher)
    before = counts(app)
    confirm = post_multipart(
        client, "/author/upload/confirm", {"content": "id: [", "document_text": "", "base_hash": ""}
    )
    assert confirm.status_code == 422
    assert "invalid YAML" in confirm.text
    assert counts(app) == before


def _textarea(html: str, name: str) -> str:
    import html as html_lib
    import re

    m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    assert m, f"no textarea {name}"
    return html_lib.unescape(m.group(1))


def _hidden(html: str, name: str) -> str:
    import re

    m = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html
    )
    assert m, f"no hidden {name}"
    return m.group(1)
