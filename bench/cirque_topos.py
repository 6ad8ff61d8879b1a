"""Real app-style topos: the Cirque app's boulder photos with their route lines drawn.

``../shared/real-photos-2/plain-boulders`` holds 126 plain boulder photos (640 x 480)
and ``problems.geojson``, each problem's line as pixel points in its photo's frame,
its colour and its number. Drawing them the way a bouldering app does (a bold
rounded polyline in the problem's colour with a thin dark edge so white and
black lines show on any rock, and a numbered disc at the start) turns each photo
with problems into a real topo in a style the first real set lacks, paired with
its plain photo. The drawn topos are written to a work folder outside the project
(the photos are never copied into it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CIRQUE_REPOSITORY = "nathan-hadley/cirque"
LINE_WIDTH = 5          # px in the app's 640 x 480 frame
EDGE_WIDTH = 2          # dark edge on each side of the line
BADGE_RADIUS = 10
COLOURS = {"red": (220, 38, 38), "blue": (37, 99, 235), "white": (250, 250, 250),
           "black": (20, 20, 20), "": (234, 179, 8)}


@dataclass(frozen=True)
class Problem:
    """One boulder problem as the app stores it."""

    topo: str                      # photo name without .jpg
    line: list[tuple[float, float]]
    colour: str
    order: str


def read_problems(folder: Path) -> dict[str, list[Problem]]:
    """The problems of ``problems.geojson`` that have a photo and a line, per photo."""
    features = json.loads((folder / "problems.geojson").read_text())["features"]
    found: dict[str, list[Problem]] = {}
    for feature in features:
        props = feature["properties"]
        topo = props.get("topo")
        if not topo or not (folder / f"{topo}.jpg").is_file():
            continue
        line = [tuple(p) for p in json.loads(props.get("line") or "[]")]
        if len(line) < 2:
            continue
        found.setdefault(topo, []).append(
            Problem(topo, line, props.get("color") or "", str(props.get("order") or "")))
    return found


def edge_colour(colour: str) -> tuple[int, int, int]:
    return (250, 250, 250) if colour == "black" else (15, 15, 15)


def draw_problem(draw: ImageDraw.ImageDraw, problem: Problem, font) -> None:
    """One route line with its edge, and its number on a disc at the start."""
    fill = COLOURS.get(problem.colour, COLOURS[""])
    edge = edge_colour(problem.colour)
    draw.line(problem.line, fill=edge, width=LINE_WIDTH + 2 * EDGE_WIDTH, joint="curve")
    draw.line(problem.line, fill=fill, width=LINE_WIDTH, joint="curve")
    if problem.order:
        x, y = problem.line[0]
        r = BADGE_RADIUS
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=edge, width=EDGE_WIDTH)
        draw.text((x, y), problem.order, fill=edge, font=font, anchor="mm")


def draw_topo(photo: Path, problems: list[Problem]) -> Image.Image:
    """The photo with every one of its problems drawn over it."""
    with Image.open(photo) as image:
        topo = image.convert("RGB")
    draw = ImageDraw.Draw(topo)
    font = ImageFont.load_default(size=13)
    for problem in sorted(problems, key=lambda p: p.order):
        draw_problem(draw, problem, font)
    return topo


def write_topos(folder: Path, out_dir: Path) -> list[tuple[Path, Path]]:
    """Draw every photo's topo of ``folder`` into ``out_dir`` (JPEG, quality 90, as an app exports);
    returns (plain photo, drawn topo) pairs. Files already drawn are kept."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs = []
    for name, problems in sorted(read_problems(folder).items()):
        plain, drawn = folder / f"{name}.jpg", out_dir / f"cirque__{name}.jpg"
        if not drawn.is_file():
            draw_topo(plain, problems).save(drawn, quality=90)
        pairs.append((plain, drawn))
    return pairs
