"""Grades and route types as data: what a guidebook page's grade text means.

A page shows a grade as text, often with the system glued on or several
systems side by side (Mountain Project: ``5.12- YDS 7b French VIII UIAA``).
:func:`parse_grade` finds the first grade the text gives and splits it into
a system and a value; :func:`parse_route_types` turns a type line (``Trad,
Alpine, 500 ft, 5 pitches``) into a small fixed set. Both are pure and table
driven: one regular expression per grade system, one keyword list per type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROUTE_TYPES = ("trad", "sport", "boulder", "ice", "mixed", "alpine", "aid", "top rope")


@dataclass(frozen=True)
class Grade:
    system: str   # yds, french, uiaa, v, font, wi, ai, m, ewbank, british, aid, snow
    value: str    # as the system writes it: 5.10a, 7a+, VIII-, V4, 6B+, WI4, 22, E2 5b


# Order matters where two systems could read the same token: the more specific
# pattern comes first (WI4 before M4, British E2 5b before French 5b, Font 6B+
# before French 6b+ is settled by case: Font grades are upper case).
_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("yds", r"5\.(?:1[0-5][a-d](?:/[a-d])?|1[0-5]|[0-9])[+-]?"),
    ("wi", r"WI\s?[1-8][+-]?"),
    ("ai", r"AI\s?[1-6][+-]?"),
    ("m", r"M\s?(?:1[0-5]|[1-9])[+-]?"),
    ("v", r"V(?:B|\d{1,2})(?:-\d{1,2}|[+-])?"),
    ("british", r"(?:E\d{1,2}|HVS|VS|HS|HVD|VD|S|D|M)\s+\d[abc]"),
    ("aid", r"[AC][0-5][+-]?"),
    ("snow", r"(?:Easy|Mod\.?|Moderate|Steep)\s+Snow"),
    ("font", r"[3-9][ABC]\+?"),
    ("french", r"[1-9][abc]\+?"),
    # "Grade IV" is a commitment grade (how long a day), not a UIAA grade
    ("uiaa", r"(?<!Grade )(?:XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)[+-]?"),
)

# Words that name a system next to a bare number (theCrag's AU grades, "UIAA 7").
_BARE_NUMBER_SYSTEMS = {"ewbank": "ewbank", "au": "ewbank", "nz": "ewbank",
                        "za": "ewbank", "uiaa": "uiaa"}
_NUMBER = r"(?:3[0-9]|[12]?[0-9])[+-]?"

_COMPILED = [(system, re.compile(rf"(?<![\w.]){pattern}(?![\w+])",
                                  re.IGNORECASE if system == "snow" else 0))
             for system, pattern in _SYSTEMS]


def parse_grade(text: str | None, bare_numbers: str = "") -> Grade | None:
    """The first grade in ``text``; a bare number (``22``) is read in the system named
    beside it (``22 AU``, ``Ewbank 22``) or in ``bare_numbers`` (a profile's default),
    else not at all. None when the text holds no grade."""
    if not text or not text.strip():
        return None
    text = " ".join(text.split())
    found = [(match.start(), order, system, match.group(0))
             for order, (system, pattern) in enumerate(_COMPILED)
             for match in pattern.finditer(text)]
    number = _bare_number(text, bare_numbers)
    if number:
        found.append(number)
    if not found:
        return None
    _, _, system, value = min(found)
    return Grade(system, _tidy(system, value))


def _bare_number(text: str, default: str) -> tuple[int, int, str, str] | None:
    """A plain number grade, when a system word or the profile says which system."""
    match = re.search(rf"(?<![\w.]){_NUMBER}(?![\w.%])", text)
    if not match:
        return None
    words = {w.lower().strip("()[],:") for w in text.split()}
    named = next((_BARE_NUMBER_SYSTEMS[w] for w in words if w in _BARE_NUMBER_SYSTEMS), "")
    system = named or default
    if not system:
        return None
    return match.start(), len(_COMPILED), system, match.group(0)


def _tidy(system: str, value: str) -> str:
    """One spelling per grade: WI 4 -> WI4, Mod. Snow -> moderate snow."""
    if system in ("wi", "ai", "m"):
        return value.replace(" ", "")
    if system == "snow":
        word = value.split()[0].lower().rstrip(".")
        return {"mod": "moderate"}.get(word, word) + " snow"
    return value


# Keywords of each route type, as guidebook sites write them (lower case, whole words).
_TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("top rope", ("tr", "toprope", "top rope", "top-rope")),
    # theCrag's "mixed trad" is trad with some bolts, not ice-and-rock mixed
    ("trad", ("trad", "traditional", "mixed trad")),
    ("sport", ("sport", "bolted")),
    ("boulder", ("boulder", "bouldering", "highball")),
    ("ice", ("ice", "water ice", "alpine ice")),
    ("mixed", ("mixed",)),
    ("alpine", ("alpine", "snow", "mountaineering")),
    ("aid", ("aid", "big wall")),
)


def parse_route_types(text: str | None) -> list[str]:
    """The route types a type line names, in the order of ROUTE_TYPES; the line's other
    parts (length, pitches, commitment grade) are ignored."""
    if not text:
        return []
    parts = [p.strip().lower() for p in re.split(r"[,/;|·]", text)]
    found = set()
    for part in parts:
        for route_type, words in _TYPE_WORDS:
            if part in words:
                found.add(route_type)
    return [t for t in ROUTE_TYPES if t in found]
