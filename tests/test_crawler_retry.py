"""Retry policy: which answers are retried, how long to wait, Retry-After in both forms."""

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from crawler.retry import RetryPolicy, parse_retry_after, retryable_status


def test_retryable_statuses():
    assert all(retryable_status(s) for s in (408, 429, 500, 502, 503, 504, 599))
    assert not any(retryable_status(s) for s in (200, 301, 304, 400, 403, 404, 410))


def test_retry_after_in_seconds_and_as_an_http_date():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now) == 90.0
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, now) == 0.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = RetryPolicy(retries=10, backoff=1.0, backoff_max=8.0, rng=random.Random(1))
    waits = [policy.wait(attempt) for attempt in range(1, 7)]
    for attempt, wait in enumerate(waits, start=1):
        ceiling = min(8.0, 2 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert policy.wait(11) is None


def test_retry_after_wins_and_its_cap_ends_retries():
    policy = RetryPolicy(retries=3, backoff=0.1, backoff_max=60.0)
    assert policy.wait(1, "30") == 30.0
    assert policy.wait(1, "61") is None
