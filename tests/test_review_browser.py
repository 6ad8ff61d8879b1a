"""The review app end to end in headless Chromium (Debian's package, never a download):
labelling by keyboard, undo, pins and rejects, exclusion, retraining, kill -9, a
cross-origin POST and a crawl while the app is open."""

import http.server
import re
import subprocess
import sys
import threading

import pytest

from tests.review_browser import (CHROMIUM, CHROMIUM_FLAGS, ROOT, ReviewServer,
                                  build_base_catalog, copy_catalog, query)

if not CHROMIUM.is_file():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                "(apt-get install -y chromium; .ci/run installs it)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api",
                                 reason="browser tests need pytest-playwright (.[dev])")
expect = playwright.expect
# A choice is committed, covers are chosen again, then the page reloads: on a loaded
# 2-core machine that takes longer than Playwright's default 5 s.
expect.set_options(timeout=60_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def base(tmp_path_factory, tiny_site_dir):
    from samplesite import serve_in_thread
    with serve_in_thread(tiny_site_dir) as site:
        return build_base_catalog(tmp_path_factory.mktemp("review-base"), site)


@pytest.fixture
def app(base, tmp_path):
    server = ReviewServer(copy_catalog(base[0], tmp_path / "c.duckdb"), base[1])
    yield server
    server.stop()


def shown(page) -> str:
    return page.locator("#photo").get_attribute("data-shown")


def press_and_wait(page, key: str) -> None:
    """Press a key and wait for the next photo to be on screen."""
    before = shown(page)
    page.keyboard.press(key)
    page.wait_for_function("b => { const s = document.querySelector('#photo').dataset.shown; "
                           "return Boolean(s) && s !== b; }", arg=before)


def open_queue(page, app) -> None:
    page.goto(app.url)
    page.wait_for_selector("#photo[data-shown]")


def test_fifty_labels_by_keyboard_are_fifty_label_rows(app, page):
    open_queue(page, app)
    for i in range(50):
        press_and_wait(page, "1230"[i % 4])
    expect(page.locator("#status")).to_contain_text("saved 50", timeout=30_000)
    rows = query(app.catalog, "SELECT label, count(*) FROM label_history "
                              "WHERE origin = 'review' AND reviewer = 'tester' GROUP BY ALL")
    assert dict(rows) == {"glory": 13, "butt": 13, "topo": 12, "other": 12}
    assert query(app.catalog, "SELECT count(DISTINCT sha256) FROM labels")[0][0] == 50


def test_undo_puts_the_photo_back_as_a_new_row(app, page):
    open_queue(page, app)
    for key in "123":
        press_and_wait(page, key)
    expect(page.locator("#status")).to_contain_text("saved 3")
    third = page.evaluate("window.reviewSaved[2]")
    page.keyboard.press("u")
    expect(page.locator("#status")).to_contain_text("undone: 1 label(s) topo")
    # the photo is marked shown once decoded and painted, a moment after the status line
    page.wait_for_function("s => document.querySelector('#photo').dataset.shown === s",
                           arg=third)
    history = query(app.catalog, "SELECT sha256, label, replaced, undoes FROM label_history "
                                 "ORDER BY history_id")
    assert len(history) == 4 and history[3][:3] == (third, None, "topo")
    assert history[3][3] is not None
    assert query(app.catalog, "SELECT count(*) FROM labels")[0][0] == 2


def test_a_refused_label_is_said_and_not_counted(app, page):
    import duckdb
    open_queue(page, app)
    gone = shown(page)
    # The photo leaves the catalog behind the page's back (the app holds no lock), so
    # the app refuses its label: the page must say so, not count it as saved.
    with duckdb.connect(str(app.catalog)) as con:
        con.execute("DELETE FROM images WHERE sha256 = ?", [gone])
    press_and_wait(page, "1")
    expect(page.locator("#status")).to_contain_text("1 not saved")
    press_and_wait(page, "3")
    expect(page.locator("#status")).to_contain_text("saved 1")
    expect(page.locator("#status")).to_contain_text("1 not saved")
    assert query(app.catalog, "SELECT label FROM labels WHERE sha256 = ?", [gone]) == []
    assert query(app.catalog, "SELECT label FROM labels")[0][0] == "topo"


def glory_route(catalog_path):
    """A route with at least three photos, two of them labelled glory by a person, and
    covers chosen again, so that the route has a suggested cover."""
    from catalog import open_catalog
    from catalog.labels import label_photos
    from tagger.cover_catalog import choose_covers
    with open_catalog(catalog_path) as catalog:
        route, shas = catalog.query(
            "SELECT route_id, list(DISTINCT sha256 ORDER BY sha256) FROM sightings "
            "WHERE route_id IS NOT NULL GROUP BY ALL HAVING count(DISTINCT sha256) >= 3 "
            "ORDER BY route_id LIMIT 1")[0]
        label_photos(catalog, {shas[0]: "glory", shas[1]: "glory"}, "test")
        choose_covers(catalog, catalog.scalar("SELECT model_id FROM current_model"))
    return route, shas


def card(catalog, route):
    return query(catalog, "SELECT cover_sha256, cover_chosen_by, cover_reason FROM route_cards "
                          "WHERE route_id = ?", [route])[0]


def test_pin_and_reject_a_cover_change_route_cards(base, tmp_path, page):
    catalog = copy_catalog(base[0], tmp_path / "c.duckdb")
    route, shas = glory_route(catalog)
    server = ReviewServer(catalog, base[1])
    try:
        page.goto(f"{server.url}routes/{route}")
        suggested = card(catalog, route)[0]
        assert suggested is not None and card(catalog, route)[1] == "model"
        pinned = next(sha for sha in shas if sha != suggested)
        page.click(f"figure[data-sha='{pinned}'] button[data-action=pin][data-kind=cover]")
        expect(page.locator("#cover-choice .reason")).to_contain_text(
            "a person's choice: pinned by tester")
        assert card(catalog, route)[:2] == (pinned, "person")
        page.click("#cover-choice button[data-action=clear]")
        expect(page.locator("#cover-choice .reason")).not_to_contain_text("a person's choice")
        page.once("dialog", lambda dialog: dialog.accept("a butt-shot really"))
        page.click("#cover-choice button[data-action=reject]")
        expect(page.locator("#cover-choice button[data-action=clear]")).to_be_visible()
        assert card(catalog, route)[0] != suggested   # the next best, or none left
        assert query(catalog, "SELECT action, sha256, reason, reviewer FROM route_choices")[0] \
            == ("reject", suggested, "a butt-shot really", "tester")
    finally:
        server.stop()


def test_an_excluded_photo_leaves_covers_the_sheet_and_the_queue(base, tmp_path, page):
    from catalog import open_catalog
    from review.reads import queue
    from tagger.sheet import write_contact_sheet
    catalog = copy_catalog(base[0], tmp_path / "c.duckdb")
    route, shas = glory_route(catalog)
    cover = card(catalog, route)[0]
    server = ReviewServer(catalog, base[1])
    try:
        page.goto(f"{server.url}routes/{route}")
        page.once("dialog", lambda dialog: dialog.accept("takedown request"))
        page.click(f"figure[data-sha='{cover}'] button[data-action=exclude]")
        expect(page.locator(f"figure[data-sha='{cover}']")).to_contain_text(
            "excluded: takedown request")
    finally:
        server.stop()
    assert cover is not None and card(catalog, route)[0] != cover
    with open_catalog(catalog, read_only=True) as opened:
        sheet = write_contact_sheet(opened, tmp_path / "sheet")
        assert cover not in {p["sha256"] for p in queue(opened, 1000, [])}
        assert opened.query("SELECT reason, reviewer FROM exclusions") == \
            [("takedown request", "tester")]
    assert all(cover not in page_file.read_text() for page_file in sheet.index.parent.glob("*.html"))
    assert not list((sheet.index.parent / "thumbs").glob(f"{cover}*"))


@pytest.mark.slow
def test_retrain_from_the_button_ends_with_new_tags(base, tmp_path, page, tiny_site_dir):
    from catalog import open_catalog
    from trainer.labels import import_labels
    catalog = copy_catalog(base[0], tmp_path / "c.duckdb")
    with open_catalog(catalog) as opened:
        import_labels(opened, tiny_site_dir / "labels.csv", ["glory", "butt", "topo"])
        before = opened.scalar("SELECT model_id FROM current_model")
    server = ReviewServer(catalog, base[1])
    try:
        page.goto(f"{server.url}model")
        page.click("#retrain")
        expect(page.locator("#retrain-log")).to_have_attribute("data-outcome", "finished",
                                                               timeout=280_000)
        log = page.locator("#retrain-log").inner_text()
        assert "$ train" in log and "$ tag-catalog" in log
        page.goto(f"{server.url}model")
        expect(page.locator(".run.current")).to_have_count(1)
    finally:
        server.stop()
    after = query(catalog, "SELECT model_id, tags FROM current_model")[0]
    assert after[0] != before and after[1] > 0


def test_kill_9_loses_no_acknowledged_label(app, page):
    open_queue(page, app)
    for i in range(12):
        press_and_wait(page, "12"[i % 2])
    page.wait_for_function("window.reviewSaved.length >= 6")
    acknowledged = page.evaluate("window.reviewSaved")
    app.kill()
    labelled = {row[0] for row in query(app.catalog, "SELECT sha256 FROM labels")}
    assert set(acknowledged) <= labelled
    assert len(query(app.catalog, "SELECT * FROM label_history")) == len(labelled)


class EvilPage(http.server.BaseHTTPRequestHandler):
    """Another site the reviewer visits: it tries to post labels to the app."""

    target = ""

    def do_GET(self):
        body = (f'<form id="f" method="POST" enctype="text/plain" action="{self.target}api/labels">'
                '<input name=\'{"sha256s": ["x"], "label": "glory", "pad": "\' value=\'"}\'>'
                '</form><script>fetch("' + self.target + 'api/labels", {method: "POST", '
                'mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "{}"})'
                '.finally(() => document.getElementById("f").submit());</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_cross_origin_post_is_refused(app, page):
    EvilPage.target = app.url
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EvilPage)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        with page.expect_navigation(url=re.compile(r".*/api/labels$")):
            page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        assert "refused: cross-origin request" in page.content()
    finally:
        evil.shutdown()
    assert query(app.catalog, "SELECT count(*) FROM label_history")[0][0] == 0


def test_a_crawl_runs_while_the_app_is_open(base, tmp_path, page, tiny_site_dir):
    from samplesite import serve_in_thread
    catalog = tmp_path / "fresh.duckdb"
    server = ReviewServer(catalog, base[1])
    try:
        page.goto(f"{server.url}routes")
        expect(page.locator("main")).to_contain_text("No routes in the catalog yet")
        with serve_in_thread(tiny_site_dir) as site:
            crawl = subprocess.Popen(
                [sys.executable, "-m", "cragcat", "crawl", "--catalog", str(catalog),
                 "--start", site.url, "-q", "--config", str(base[1])], cwd=ROOT,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            busy_seen = False
            while crawl.poll() is None and not busy_seen:
                page.goto(f"{server.url}routes")
                busy_seen = "busy: crawl running" in page.content()
            output = crawl.communicate(timeout=300)[0]
        assert crawl.returncode == 0, output
        assert busy_seen, "the app never said 'busy: crawl running' during the crawl"
        expect(page.locator("h1")).to_have_text("Routes and areas", timeout=30_000)
        expect(page.locator(".card").first).to_be_visible()
    finally:
        server.stop()


def test_grid_mode_labels_a_page_with_one_key(app, page):
    open_queue(page, app)
    page.keyboard.press("g")
    expect(page.locator("#grid .tile")).to_have_count(16)
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    page.keyboard.press("2")          # the selected tile: a butt-shot
    expect(page.locator("#grid .tile.selected")).to_have_count(0)
    page.keyboard.press("1")          # the rest of the page: glory
    page.wait_for_function("window.reviewSaved.length >= 16")
    rows = query(app.catalog, "SELECT label, count(*) FROM labels GROUP BY ALL")
    assert dict(rows) == {"butt": 1, "glory": 15}
