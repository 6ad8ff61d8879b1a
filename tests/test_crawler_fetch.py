"""The fetcher against a real local server: robots, politeness, retries, limits, conditionals."""

import asyncio
import socket

import pytest

from crawler.fetch import FetchFailed, Fetcher, FetchSettings
from crawler.guard import AddressGuard
from crawler.retry import RetryPolicy
from crawler.throttle import HostPolicy, Throttle
from cragcat.settings import registry
from tests.crawler_apps import polite_site
from tests.crawler_server import serve


USER_AGENT = registry()["crawl.user_agent"].default


def fetcher(delay=0.0, concurrency=4, retries=3, backoff=0.01, backoff_max=5.0,
            timeout=5.0, max_bytes=1_000_000, total=8, hosts=None):
    throttle = Throttle(total, HostPolicy(delay, concurrency), hosts)
    return Fetcher(FetchSettings(contact="tests@example.org", user_agent=USER_AGENT,
                                 timeout=timeout, max_bytes=max_bytes),
                   throttle, AddressGuard(["127.0.0.1", "localhost"]),
                   RetryPolicy(retries, backoff, backoff_max))


def run(coro):
    return asyncio.run(coro)


async def fetch_all(f, urls, **kwargs):
    async with f:
        return await asyncio.gather(*(f.fetch(u, **kwargs) for u in urls),
                                    return_exceptions=True)


def test_a_disallowed_path_is_never_requested():
    with serve(polite_site()) as site:
        results = run(fetch_all(fetcher(), [site.url + "/private/x", site.url + "/page/a"]))
        assert isinstance(results[0], FetchFailed) and results[0].reason == "robots"
        assert results[0].skipped
        assert results[1].content == b"page a"
        assert "/private/x" not in site.paths()
        assert site.paths().count("/robots.txt") == 1


def test_robots_5xx_means_disallow_everything_and_4xx_means_no_rules():
    with serve(polite_site(robots_status=503)) as site:
        (result,) = run(fetch_all(fetcher(retries=1), [site.url + "/page/a"]))
        assert result.reason == "robots" and "/page/a" not in site.paths()
    with serve(polite_site(robots_status=404)) as site:
        (result,) = run(fetch_all(fetcher(), [site.url + "/private/a"]))
        assert result.status == 200


def test_the_user_agent_is_honest():
    seen = []

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]).get(b"user-agent", b"").decode())
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    with serve(app) as site:
        run(fetch_all(fetcher(), [site.url + "/x"]))
    assert seen and all(ua.startswith("cragcat/") and "tests@example.org" in ua for ua in seen)


def test_per_host_delay_is_respected_by_the_server_clock():
    with serve(polite_site()) as site:
        urls = [site.url + f"/page/{i}" for i in range(4)]
        run(fetch_all(fetcher(delay=0.25, concurrency=1), urls))
        times = [t for t, _, _ in site.log]
    assert len(times) == 5  # robots.txt and four pages
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.24, gaps


def test_robots_crawl_delay_wins_when_larger():
    with serve(polite_site(robots="User-agent: *\nCrawl-delay: 0.3\n")) as site:
        run(fetch_all(fetcher(delay=0.0, concurrency=1), [site.url + f"/page/{i}" for i in range(3)]))
        times = [t for t, _, path in site.log if path.startswith("/page/")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 2 and min(gaps) >= 0.29, gaps


def test_per_host_concurrency_and_the_global_cap():
    app = polite_site()
    with serve(app) as site:
        run(fetch_all(fetcher(concurrency=2, total=8), [site.url + f"/slow/{i}?s=0.15" for i in range(6)]))
        assert app.state.in_flight["most"] == 2
    app = polite_site()
    with serve(app) as site:
        run(fetch_all(fetcher(concurrency=8, total=3), [site.url + f"/slow/{i}?s=0.15" for i in range(6)]))
        assert app.state.in_flight["most"] == 3


def test_5xx_is_retried_with_backoff_and_counted():
    with serve(polite_site()) as site:
        f = fetcher()
        (result,) = run(fetch_all(f, [site.url + "/flaky/a?fail=2&status=503"]))
        assert result.status == 200 and result.attempts == 3
        assert f.retries == {"http-503": 2}
        (result,) = run(fetch_all(fetcher(retries=1), [site.url + "/flaky/b?fail=5&status=500"]))
        assert isinstance(result, FetchFailed) and result.reason == "http-500"
        assert result.attempts == 2


@pytest.mark.parametrize("status", [408, 429, 502])
def test_408_429_and_other_5xx_are_retried(status):
    with serve(polite_site()) as site:
        (result,) = run(fetch_all(fetcher(), [site.url + f"/flaky/s?fail=1&status={status}"]))
        assert result.status == 200 and result.attempts == 2


def test_404_is_not_retried():
    with serve(polite_site()) as site:
        (result,) = run(fetch_all(fetcher(), [site.url + "/nothing"]))
        assert result.status == 404 and result.attempts == 1


def test_retry_after_seconds_is_honoured():
    with serve(polite_site()) as site:
        (result,) = run(fetch_all(fetcher(), [site.url + "/flaky/r?fail=1&status=429&after=1"]))
        assert result.status == 200
        times = [t for t, _, path in site.log if path.startswith("/flaky/")]
    assert times[1] - times[0] >= 0.99


def test_retry_after_longer_than_the_cap_ends_the_retries():
    with serve(polite_site()) as site:
        (result,) = run(fetch_all(fetcher(backoff_max=2),
                                  [site.url + "/flaky/x?fail=1&status=503&after=3600"]))
        assert isinstance(result, FetchFailed) and result.reason == "http-503"
        assert "Retry-After: 3600" in result.detail
        assert [p for p in site.paths() if p.startswith("/flaky")] == \
            ["/flaky/x?fail=1&status=503&after=3600"]


def test_connection_errors_are_retried_then_recorded():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connection refused
    f = fetcher(retries=2)
    (result,) = run(fetch_all(f, [f"http://127.0.0.1:{port}/page"], check_robots=False))
    assert isinstance(result, FetchFailed) and result.reason == "connection-error"
    assert result.attempts == 3 and f.retries == {"connection-error": 2}


def test_a_slow_server_times_out():
    with serve(polite_site()) as site:
        (result,) = run(fetch_all(fetcher(timeout=0.15, retries=1), [site.url + "/slow/t?s=0.7"]))
        assert isinstance(result, FetchFailed) and result.reason == "timeout"


@pytest.mark.parametrize("query", ["", "?declare=1"])
def test_the_byte_limit_is_enforced(query):
    with serve(polite_site()) as site:
        (result,) = run(fetch_all(fetcher(max_bytes=200_000), [site.url + "/huge" + query]))
        assert isinstance(result, FetchFailed) and result.reason == "too-large"


def test_redirects_are_followed_and_loops_stopped():
    with serve(polite_site()) as site:
        landed, looped = run(fetch_all(fetcher(), [site.url + "/hop", site.url + "/loop"]))
        assert landed.status == 200 and landed.url.endswith("/page/landed")
        assert isinstance(looped, FetchFailed) and looped.reason == "too-many-redirects"


def test_conditional_requests_get_304():
    with serve(polite_site()) as site:
        (fresh,) = run(fetch_all(fetcher(), [site.url + "/conditional"]))
        assert fresh.etag == '"v1"' and not fresh.not_modified
        (again,) = run(fetch_all(fetcher(), [site.url + "/conditional"], etag='"v1"'))
        assert again.not_modified and again.content == b""
