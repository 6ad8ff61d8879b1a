"""When to try a request again, and how long to wait first.

Retried: connection errors and timeouts, 5xx, 408 and 429. The wait grows
exponentially with random jitter, capped; a Retry-After header (seconds or
an HTTP-date) is honoured, and one that asks for more than the cap ends the
retries instead of hammering the host sooner than it asked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({408, 429})


def retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or 500 <= status <= 599


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delay-seconds or HTTP-date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass
class RetryPolicy:
    """Built from the crawl.retries / crawl.backoff / crawl.backoff_max settings."""

    retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def wait(self, attempt: int, retry_after: str | None = None) -> float | None:
        """Seconds before try ``attempt + 1`` (attempt counts from 1); None: stop trying."""
        if attempt > self.retries:
            return None
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return asked if asked <= self.backoff_max else None
        ceiling = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        return ceiling * self.rng.uniform(0.5, 1.0)  # jitter: hosts do not see us in lockstep
