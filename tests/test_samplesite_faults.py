"""Fault injection: deterministic by seed, each kind behaves as specified, and
every faulted answer is in the server's request log."""

import time
from email.utils import parsedate_to_datetime

import httpx
import pytest

from cragcat.errors import UsageError
from samplesite.faults import PLANS, decide, plan_named


def page_paths(site):
    return [r["path"] for r in site.manifest["routes"]] + [a["path"] for a in site.manifest["areas"]]


def image_paths(site):
    return [p["path"] for p in site.manifest["photos"] if p["crawlable"]]


def test_decisions_are_a_function_of_seed_path_and_attempt():
    plan = PLANS["chaos"]
    paths = [f"/routes/r{k}/" for k in range(300)]
    first = [decide(plan, 3, "GET", p, 0, False) for p in paths]
    assert first == [decide(plan, 3, "GET", p, 0, False) for p in paths]
    assert first != [decide(plan, 4, "GET", p, 0, False) for p in paths]
    assert {f.kind for f in first if f} == {"error", "throttle", "slow", "redirect"}
    assert all(decide(plan, 3, "GET", p, plan.max_per_path, False) is None for p in paths)
    assert decide(plan, 3, "GET", "/robots.txt", 0, False) is None


def test_unknown_plan_is_refused():
    with pytest.raises(UsageError, match="unknown fault plan 'typo'"):
        plan_named("typo")


def test_flaky_answers_5xx_and_429_as_decided_and_logs_them(site_factory):
    site = site_factory(faults="flaky")
    plan, seed = PLANS["flaky"], site.manifest["seed"]
    retry_after = []
    with httpx.Client(timeout=10) as client:
        for path, is_image in [(p, False) for p in page_paths(site)] + [(p, True) for p in image_paths(site)]:
            answer = client.get(site.url + path.lstrip("/"))
            fault = decide(plan, seed, "GET", path, 0, is_image)
            expected = fault.status if fault else 200
            assert answer.status_code == expected, path
            if answer.status_code == 429:
                retry_after.append((answer.headers["Retry-After"], time.time()))
    log = {e["path"]: e for e in site.request_log()}
    assert {e["status"] for e in log.values()} >= {200, 429} and any(e["status"] >= 500 for e in log.values())
    assert all((e["fault"] is None) == (e["status"] == 200) for e in log.values())
    seconds = [v for v, _ in retry_after if v.isdigit()]
    dates = [(v, at) for v, at in retry_after if not v.isdigit()]
    assert seconds and dates, retry_after
    assert all(parsedate_to_datetime(v).timestamp() > at - 1 for v, at in dates)


def test_a_retrying_client_gets_every_page_in_the_end(site_factory):
    site = site_factory(faults="flaky")
    with httpx.Client(timeout=10) as client:
        for path in page_paths(site):
            statuses = [client.get(site.url + path.lstrip("/")).status_code for _ in range(3)]
            assert 200 in statuses, (path, statuses)


def test_reset_cuts_image_bodies_off_midway(site_factory):
    site = site_factory(faults="reset")
    cut, whole = 0, 0
    with httpx.Client(timeout=10) as client:
        for path in image_paths(site)[:30]:
            try:
                client.get(site.url + path.lstrip("/"))
                whole += 1
            except httpx.RemoteProtocolError:
                cut += 1
    faulted = [e for e in site.request_log() if e["fault"] == "reset"]
    assert cut == len(faulted) > 0 and whole > 0


def test_redirects_send_pages_through_a_chain_to_the_right_place(site_factory):
    site = site_factory(faults="redirects")
    chains = []
    with httpx.Client(timeout=10, follow_redirects=True) as client:
        for path in page_paths(site):
            answer = client.get(site.url + path.lstrip("/"))
            assert answer.status_code == 200 and answer.url.path == path
            if answer.history:
                chains.append(len(answer.history))
    assert chains and max(chains) >= 2
    assert any(e["path"].startswith("/_hop/") for e in site.request_log())


def test_slow_answers_are_held_back(site_factory):
    site = site_factory(faults="slow")
    plan, seed = PLANS["slow"], site.manifest["seed"]
    slow = next(p for p in page_paths(site) if (f := decide(plan, seed, "GET", p, 0, False)))
    with httpx.Client(timeout=10) as client:
        started = time.perf_counter()
        assert client.get(site.url + slow.lstrip("/")).status_code == 200
        assert time.perf_counter() - started >= decide(plan, seed, "GET", slow, 0, False).seconds
    assert site.request_log()[-1]["fault"] == "slow"


def test_the_same_seed_meets_the_same_faults(site_factory):
    runs = []
    for _ in range(2):
        site = site_factory(faults="chaos")
        with httpx.Client(timeout=10) as client:
            for path in page_paths(site)[:12]:
                client.get(site.url + path.lstrip("/"))
        runs.append([(e["path"], e["status"], e["fault"]) for e in site.request_log()])
    assert runs[0] == runs[1]
