"""The address guard refuses non-public addresses BEFORE any connection is opened.

Connections are counted by a recording network backend wrapped around the
real one: a refused address must never reach it. No test here resolves a
public name or connects anywhere but 127.0.0.1 (names resolve from a fixed
host table).
"""

import asyncio

import httpcore
import pytest

from crawler.fetch import FetchFailed, Fetcher, FetchSettings
from crawler.netstream import AsyncioBackend
from crawler.guard import AddressGuard, AddressRefused, static_resolver, why_not_public
from crawler.retry import RetryPolicy
from crawler.throttle import HostPolicy, Throttle
from tests.crawler_apps import polite_site
from tests.crawler_server import serve


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The crawler's real network backend, with every connect attempt written down first."""

    def __init__(self):
        self.inner = AsyncioBackend()
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host, port, **kwargs):
        self.connects.append((host, port))
        assert host == "127.0.0.1", f"a test tried to connect to {host}"
        return await self.inner.connect_tcp(host, port, **kwargs)

    async def sleep(self, seconds):
        await self.inner.sleep(seconds)


HOSTS = static_resolver({"intranet.test": ["192.168.10.20"], "meta.test": ["169.254.169.254"],
                         "mixed.test": ["127.0.0.1", "10.0.0.7"],
                         "pinned.test": ["127.0.0.1"], "sneaky.test": ["127.0.0.1"]})


async def _fetch(url, allowed=(), backend=None):
    guard = AddressGuard(allowed, resolver=HOSTS)
    throttle = Throttle(4, HostPolicy(delay=0, concurrency=4))
    async with Fetcher(FetchSettings("", "cragcat-tests", 5, 1_000_000), throttle, guard, RetryPolicy(retries=0),
                       backend=backend) as fetcher:
        return await fetcher.fetch(url)


@pytest.mark.parametrize("address, kind", [
    ("10.1.2.3", "private"), ("172.16.5.4", "private"), ("192.168.0.1", "private"),
    ("127.0.0.1", "loopback"), ("169.254.169.254", "link-local"), ("224.0.0.251", "multicast"),
    ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-global"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("ff02::1", "multicast"), ("::ffff:10.0.0.1", "private"),
])
def test_non_public_addresses_are_named(address, kind):
    assert why_not_public(address) == kind


def test_public_addresses_pass():
    assert why_not_public("93.184.216.34") is None
    assert why_not_public("2606:2800:220:1:248:1893:25c8:1946") is None


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/photo.jpg", "http://192.168.1.1:8080/", "http://[fe80::1]/",
    "http://intranet.test/topo.png", "http://meta.test/latest/meta-data/",
    "http://mixed.test/", "http://127.0.0.1:9/",
])
def test_refused_before_any_connection(url):
    backend = RecordingBackend()
    with pytest.raises(FetchFailed) as caught:
        asyncio.run(_fetch(url, backend=backend))
    assert caught.value.reason == "address-refused"
    assert backend.connects == []


def test_loopback_is_refused_unless_the_host_is_allowed():
    with serve(polite_site()) as site:
        backend = RecordingBackend()
        with pytest.raises(FetchFailed, match="address-refused"):
            asyncio.run(_fetch(site.url + "/page/a", backend=backend))
        assert backend.connects == [] and site.log == []
        fetched = asyncio.run(_fetch(site.url + "/page/a", ["127.0.0.1"], backend))
        assert fetched.status == 200 and fetched.content == b"page a"
        assert site.paths() == ["/robots.txt", "/page/a"]


def test_an_allowed_name_is_connected_at_the_address_that_was_checked():
    with serve(polite_site()) as site:
        port = site.url.rsplit(":", 1)[1]
        backend = RecordingBackend()
        fetched = asyncio.run(_fetch(f"http://pinned.test:{port}/page/p", ["pinned.test"],
                                     backend))
        assert fetched.status == 200
        assert {host for host, _ in backend.connects} == {"127.0.0.1"}


@pytest.mark.parametrize("target, allowed", [
    ("http://10.9.8.7/secret", ["127.0.0.1"]),
    ("http://sneaky.test:{port}/page/x", ["127.0.0.1"]),
])
def test_every_redirect_hop_is_checked_again(target, allowed):
    with serve(polite_site(redirect_to="placeholder")) as site:
        port = site.url.rsplit(":", 1)[1]
        app_target = target.format(port=port)
        with serve(polite_site(redirect_to=app_target)) as hopper:
            backend = RecordingBackend()
            with pytest.raises(FetchFailed) as caught:
                asyncio.run(_fetch(hopper.url + "/hop", allowed, backend))
            assert caught.value.reason == "address-refused"
            assert "/hop" in hopper.paths()
            assert site.log == []
            assert {host for host, _ in backend.connects} == {"127.0.0.1"}


def test_a_name_that_does_not_resolve_is_refused():
    guard = AddressGuard([], resolver=HOSTS)
    with pytest.raises(AddressRefused, match="does not resolve"):
        asyncio.run(guard.addresses("nowhere.test", 80))
    assert guard.refusals == 0  # no address to judge: refused by the resolver
