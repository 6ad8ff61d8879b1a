"""Durations in settings: '90s', '30m', '12h', '7d', '2w', or combined '1d12h'."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; raise ValueError(expected ...) when it is not a duration."""
    compact = text.strip().lower().replace(" ", "")
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError("a duration such as 90s, 30m, 12h, 7d or 1d12h")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def check_duration_or_empty(text: str) -> None:
    """Setting validator: empty means 'never'."""
    if text:
        parse_duration(text)
