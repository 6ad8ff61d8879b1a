"""Folder names a person would use map to the three classes."""

import pytest

from crawler.labels import label_for_folder


@pytest.mark.parametrize("name, label", [
    ("glory", "glory"), ("Glory Shots", "glory"), ("glory_shot", "glory"), ("hero", "glory"),
    ("butt", "butt"), ("Butt-Shot", "butt"), ("rear", "butt"), ("REAR VIEW", "butt"),
    ("topo", "topo"), ("topos", "topo"), ("Diagram", "topo"), ("route.diagrams", "topo"),
    ("misc", None), ("2023", None), ("", None),
])
def test_folder_names(name, label):
    assert label_for_folder(name) == label
