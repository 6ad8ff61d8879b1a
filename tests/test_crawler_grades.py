"""Grades and route types as data: one row per way a guidebook page writes them."""

import pytest

from crawler.grades import Grade, parse_grade, parse_route_types

GRADES = [
    # (page text, profile's bare-number system, expected system, expected value)
    ("5.12- YDS", "", "yds", "5.12-"),
    ("5.8 YDS 5b French HVS 4c PG13", "", "yds", "5.8"),
    ("5.10a/b", "", "yds", "5.10a/b"),
    ("5.11c", "", "yds", "5.11c"),
    ("5.9+ YDS 5c French 17 Ewbank VI UIAA 17 ZA HVS 5a British", "", "yds", "5.9+"),
    ("5.6", "", "yds", "5.6"),
    ("V4 YDS 6B Font", "", "v", "V4"),
    ("V4-5", "", "v", "V4-5"),
    ("V0+", "", "v", "V0+"),
    ("VB", "", "v", "VB"),
    ("WI4 Mod. Snow", "", "wi", "WI4"),
    ("WI 5+", "", "wi", "WI5+"),
    ("AI3", "", "ai", "AI3"),
    ("M6 WI5", "", "m", "M6"),
    ("Easy Snow", "", "snow", "easy snow"),
    ("Mod. Snow", "", "snow", "moderate snow"),
    ("5.7 C2", "", "yds", "5.7"),
    ("A2+", "", "aid", "A2+"),
    ("7a+", "", "french", "7a+"),
    ("6c French", "", "french", "6c"),
    ("6B+ Font", "", "font", "6B+"),
    ("VIII- UIAA", "", "uiaa", "VIII-"),
    ("E2 5c", "", "british", "E2 5c"),
    ("HVS 5a", "", "british", "HVS 5a"),
    ("22", "ewbank", "ewbank", "22"),
    ("22 AU", "", "ewbank", "22"),
    ("Ewbank 18", "", "ewbank", "18"),
    ("UIAA 7+", "", "uiaa", "7+"),
]


@pytest.mark.parametrize("text, bare, system, value", GRADES)
def test_a_grade_splits_into_system_and_value(text, bare, system, value):
    assert parse_grade(text, bare) == Grade(system, value)


@pytest.mark.parametrize("text", ["", "   ", None, "Grade II", "160 ft (48 m)", "22"])
def test_no_grade_is_none_not_a_guess(text):
    """A bare number without a system beside it or from the profile is not a grade."""
    assert parse_grade(text) is None


TYPES = [
    ("Trad, 500 ft (152 m), 5 pitches", ["trad"]),
    ("Sport, 2 pitches, 160 ft (48 m), Grade II", ["sport"]),
    ("Trad, Sport, 80 ft", ["trad", "sport"]),
    ("Boulder, 12 ft (4 m)", ["boulder"]),
    ("Trad, Aid, 20 pitches, 3000 ft, Grade VI", ["trad", "aid"]),
    ("Ice, Alpine, 600 ft", ["ice", "alpine"]),
    ("Trad, Ice, Snow, Alpine, Grade IV", ["trad", "ice", "alpine"]),
    ("Mixed, Ice, Alpine", ["ice", "mixed", "alpine"]),
    ("Sport, TR, 60 ft", ["sport", "top rope"]),
    ("Mixed trad", ["trad"]),
    ("Top rope", ["top rope"]),
    ("Bouldering", ["boulder"]),
    ("5.9 5c 17 VI 17 HVS 5a", []),
    ("", []),
]


@pytest.mark.parametrize("text, types", TYPES)
def test_a_type_line_becomes_a_small_set(text, types):
    assert parse_route_types(text) == types
