"""The review app in process (starlette's TestClient over a real catalog file): the
same-origin guard, escaping, the store-only photo route, busy answers, the writers."""

import re

import pytest
from starlette.testclient import TestClient

from catalog import open_catalog
from review.app import ReviewConfig, build_app
from tests.tagger_helpers import add_area, add_photo, add_route

ORIGIN = "http://127.0.0.1"


@pytest.fixture
def crag(catalog_path):
    """A catalog with one route whose name is a script, and two photos on it."""
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_area(tx, 1, "Crag")
            add_route(tx, 10, 1, "<script>alert(1)</script>")
            shas = [add_photo(catalog, tx, name) for name in ("p1", "p2")]
            for sha in shas:
                tx.execute("INSERT INTO sightings (sighting_key, sha256, route_id, caption) "
                           "VALUES (?, ?, 10, '<img src=x onerror=alert(2)>')", [sha, sha])
    return catalog_path, shas


def client_for(catalog_path) -> tuple[TestClient, str]:
    app = build_app(ReviewConfig(catalog=catalog_path, store=None, config=None, reviewer="ann"))
    client = TestClient(app, base_url=ORIGIN)
    token = re.search(r'name="review-token" content="([^"]+)"', client.get("/").text)[1]
    return client, token


def post(client, path, body, token, origin=ORIGIN):
    headers = {"X-Review-Token": token} if token else {}
    if origin:
        headers["Origin"] = origin
    return client.post(path, json=body, headers=headers)


def test_a_label_is_a_committed_history_row_and_undo_a_new_one(crag):
    path, shas = crag
    client, token = client_for(path)
    answer = post(client, "/api/labels", {"sha256s": [shas[0]], "label": "butt"}, token)
    assert answer.status_code == 200
    ids = answer.json()["history_ids"]
    assert post(client, "/api/undo", {"history_ids": ids}, token).json() == \
        {"restored": {shas[0]: None}}
    with open_catalog(path, read_only=True) as catalog:
        rows = catalog.query("SELECT label, reviewer, undoes FROM label_history "
                             "ORDER BY history_id")
        assert catalog.scalar("SELECT count(*) FROM labels") == 0
    assert rows == [("butt", "ann", None), (None, "ann", ids[0])]


@pytest.mark.parametrize("origin, token, why", [
    ("http://evil.example", "right", "cross-origin"),
    (None, "right", "cross-origin"),
    (ORIGIN, "wrong", "session token"),
    (ORIGIN, None, "session token"),
])
def test_state_changes_need_the_same_origin_and_the_token(crag, origin, token, why):
    path, shas = crag
    client, real = client_for(path)
    answer = post(client, "/api/labels", {"sha256s": [shas[0]], "label": "glory"},
                  real if token == "right" else token, origin)
    assert answer.status_code == 403 and why in answer.json()["error"]
    with open_catalog(path, read_only=True) as catalog:
        assert catalog.scalar("SELECT count(*) FROM label_history") == 0


def test_a_foreign_host_header_is_refused(crag):
    client, _ = client_for(crag[0])
    assert client.get("/", headers={"Host": "rebound.example:8765"}).status_code == 403


def test_crawled_strings_are_escaped(crag):
    path, _ = crag
    client, _ = client_for(path)
    route = client.get("/routes/10").text
    assert "<script>alert(1)</script>" not in route and "&lt;script&gt;" in route
    assert "<img src=x onerror" not in route
    assert "&lt;script&gt;" in client.get("/routes").text


def test_photos_come_only_from_the_store(crag, tmp_path):
    path, shas = crag
    client, _ = client_for(path)
    assert client.get(f"/photos/{shas[0]}?size=thumb").content[:2] == b"\xff\xd8"
    with open_catalog(path) as catalog, catalog.transaction() as tx:
        tx.execute("UPDATE images SET original_path = '../../etc/passwd' WHERE sha256 = ?",
                   [shas[1]])
    assert client.get(f"/photos/{shas[1]}").status_code == 404
    assert client.get("/photos/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/runs/x/..%2Fsecret.png").status_code == 404


def test_bad_input_is_one_clear_line(crag):
    path, _ = crag
    client, token = client_for(path)
    answer = post(client, "/api/labels", {"sha256s": ["nope"], "label": "glory"}, token)
    assert answer.status_code == 400 and answer.json()["error"] == "not a sha256: 'nope'"
    answer = post(client, "/api/labels", {"sha256s": ["a" * 64], "label": "cat"}, token)
    assert "label must be one of" in answer.json()["error"]


def test_the_app_says_busy_while_another_process_holds_the_catalog(held_catalog):
    app = build_app(ReviewConfig(catalog=held_catalog, store=None, config=None,
                                 reviewer="ann"))
    client = TestClient(app, base_url=ORIGIN)
    page = client.get("/routes")
    assert page.status_code == 503 and "busy:" in page.text
    token = re.search(r'name="review-token" content="([^"]+)"', page.text)[1]
    answer = post(client, "/api/labels", {"sha256s": ["a" * 64], "label": "glory"}, token)
    assert answer.status_code == 503 and answer.json()["busy"].startswith("busy:")


def test_the_queue_offers_a_photos_unlabelled_near_duplicates(catalog_path):
    from review.reads import queue
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            first = add_photo(catalog, tx, "crux")
            twin = add_photo(catalog, tx, "crux-small", cluster="crux")
            add_photo(catalog, tx, "slab")
        photos = {p["sha256"]: p for p in queue(catalog, 10, [])}
        assert photos[first]["near_duplicates"] == [twin]
        assert photos[twin]["near_duplicates"] == [first]
        assert len(photos) == 3
        assert [p["sha256"] for p in queue(catalog, 10, [first, twin])] == \
            [s for s in photos if s not in (first, twin)]


def test_progress_counts_labels_by_class_and_reviewer(crag):
    path, shas = crag
    client, token = client_for(path)
    post(client, "/api/labels", {"sha256s": shas, "label": "topo"}, token)
    ids = post(client, "/api/labels", {"sha256s": [shas[0]], "label": "glory"},
               token).json()["history_ids"]
    post(client, "/api/undo", {"history_ids": ids}, token)
    page = client.get("/progress").text
    assert re.search(r"<td>topo</td><td>2</td>", page)
    assert re.search(r"<td>ann</td><td>3</td><td>1</td>", page)
    assert "0 photos wait for a label" in page
    assert "No training runs yet" in client.get("/model").text


def test_labels_pressed_meanwhile_arrive_together_in_one_transaction(crag):
    path, shas = crag
    client, token = client_for(path)
    answer = post(client, "/api/labels", {"labels": [
        {"sha256s": [shas[0]], "label": "glory"}, {"sha256s": [shas[1]], "label": "other"},
        {"sha256s": [shas[0]], "label": "butt"}]}, token).json()
    assert [len(ids) for ids in answer["history_ids"]] == [1, 1, 1]
    with open_catalog(path, read_only=True) as catalog:
        assert dict(catalog.query("SELECT sha256, label FROM labels")) == \
            {shas[0]: "butt", shas[1]: "other"}
        assert catalog.query("SELECT replaced FROM label_history ORDER BY history_id") == \
            [(None,), (None,), ("glory",)]
