"""Throttle: per-host spacing and concurrency, robots Crawl-delay, the global cap."""

import asyncio
import time

from crawler.throttle import HostPolicy, Throttle


async def _starts(throttle, hosts, hold=0.0):
    starts = []

    async def one(host):
        async with throttle.slot(host):
            starts.append((host, time.monotonic()))
            await asyncio.sleep(hold)
    await asyncio.gather(*(one(h) for h in hosts))
    return starts


def test_one_host_is_spaced_and_two_hosts_are_independent():
    throttle = Throttle(8, HostPolicy(delay=0.1, concurrency=1))
    starts = asyncio.run(_starts(throttle, ["a", "a", "a", "b"]))
    a = [t for h, t in starts if h == "a"]
    b = [t for h, t in starts if h == "b"]
    assert min(y - x for x, y in zip(a, a[1:])) >= 0.099
    assert b[0] - a[0] < 0.05  # host b does not wait behind host a


def test_profile_policies_and_crawl_delay():
    throttle = Throttle(8, HostPolicy(delay=5.0), {"fast.test": HostPolicy(delay=0.0)})
    assert throttle.delay("fast.test") == 0.0 and throttle.delay("other.test") == 5.0
    throttle.set_crawl_delay("fast.test", 2.0)
    assert throttle.delay("fast.test") == 2.0
    throttle.set_crawl_delay("other.test", 1.0)
    assert throttle.delay("other.test") == 5.0  # ours is larger: ours wins
