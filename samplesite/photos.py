"""Paint one photo of a class: topo, glory, butt or other.

What makes the classes differ is what tells them apart in real photos, not
the background (generator v5, measured by bench/sample_site_transfer.py):

- **topo**: mostly a photographed crag or whole boulder (sky and trees above,
  a shaded, grainy face, ground and sometimes crash pads below) crossed by
  thin route lines in app colours (dark red, orange, yellow), small numbered
  squares or circles at their feet, the odd traverse, rarely a text label or
  a legend; a tenth drawn by hand: black lines on paper.
- **glory**: a climber on the same kind of crag scene (pads under boulderers),
  or beside a wall with sky and landscape, from above, or distant on a tower.
- **butt**: sky behind, the wall converging upwards, and one large figure from
  below: legs from the bottom edge, rear and harness in the middle of the
  frame.
- **other**: a landscape, a pile of gear on the ground, an approach trail, or
  a plain crag scene with nobody on it (what overlay topos are drawn on).

Every photo but a hand-drawn topo then gets a camera's finish: exposure,
contrast, colour cast, softness, vignetting and (half of them) sensor grain.
Pose, scale, position, palette (shared between classes), lighting and blur
all vary with the seed.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from catalog import classes
from samplesite import climber, scenery
from samplesite.scenery import font, jitter

CLASSES = (*classes.CLASSES, classes.OTHER)  # the site also shows photos of no class
WORKING_LONG_SIDE = 640  # drawn at this size at most, then scaled up like a soft photo (the
# model sees a 256 px derivative; 640 keeps the grain and fine lines and paints in 2/3 the time)

ROUTE_COLOURS = [(230, 30, 30), (250, 220, 0), (30, 120, 250), (20, 200, 60), (255, 255, 255),
                 (255, 120, 0), (230, 0, 200), (0, 230, 230)]
# Guidebook apps draw thin lines, mostly dark red, orange and yellow.
APP_COLOURS = [(150, 20, 30), (120, 15, 25), (200, 40, 40), (235, 130, 30), (250, 200, 30),
               (255, 255, 255), (40, 170, 60)]
APP_WEIGHTS = [3, 2, 2, 3, 2, 1, 1]
WORDS = ["Crimp", "Arete", "Slab", "Flake", "Roof", "Groove", "Chimney", "Dihedral", "Pillar",
         "Crack", "Traverse", "Direct", "Variation", "Wall", "Edge", "Lip"]


def paint(cls: str, style: str, w: int, h: int, r: random.Random) -> Image.Image:
    """One RGB photo of ``cls`` in ``style`` at w x h (see STYLES)."""
    scale = min(1.0, WORKING_LONG_SIDE / max(w, h))
    ww, wh = max(64, round(w * scale)), max(64, round(h * scale))
    img = STYLES[cls][style](ww, wh, r)
    if style != "hand_drawn":
        img = scenery.sensor(scenery.light(img, r), r)
    if (ww, wh) != (w, h):
        img = img.resize((w, h), Image.BILINEAR)
    return img


def pick_style(cls: str, r: random.Random) -> str:
    styles = STYLES[cls]
    weights = [STYLE_WEIGHTS.get((cls, s), 1.0) for s in styles]
    return r.choices(list(styles), weights)[0]


# --- topo -------------------------------------------------------------------

def route_label(r: random.Random) -> str:
    grade = f"{r.randint(4, 8)}{r.choice('abc')}{r.choice(['', '+'])}"
    return f"{r.choice(WORDS)} {r.choice(WORDS)} {grade}"


def route_line(r: random.Random, w: int, h: int, x: float, hand: bool,
               span: tuple[float, float] | None = None) -> list[tuple[float, float]]:
    """A route from the foot of the crag to the top, wandering like climbing does."""
    top, foot = span or (0.0, h)
    y_top = top + (foot - top) * r.uniform(0.0, 0.25)
    y_foot = top + (foot - top) * r.uniform(0.75, 0.97)
    steps = r.randint(4, 9)
    points = []
    for k in range(steps + 1):
        y = y_foot + (y_top - y_foot) * k / steps
        x += r.uniform(-0.04, 0.04) * w * (2 if hand else 1)
        points.append((min(max(x, 0.02 * w), 0.98 * w), y))
    return points


def dashed(draw: ImageDraw.ImageDraw, points, colour, width: int, dash: float) -> None:
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1)
        n = max(1, int(length / dash))
        for k in range(0, n, 2):
            a, b = k / n, min(1.0, (k + 1) / n)
            draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                      fill=colour, width=width)


def marker(draw: ImageDraw.ImageDraw, x: float, y: float, radius: float, number: int,
           fill, ink, square: bool = False) -> None:
    box = [x - radius, y - radius, x + radius, y + radius]
    if square:  # guidebook apps mark a route's start with a small numbered square
        draw.rectangle(box, fill=fill, outline=ink, width=max(1, int(radius / 6)))
    else:
        draw.ellipse(box, fill=fill, outline=ink, width=max(1, int(radius / 6)))
    draw.text((x, y), str(number), fill=ink, font=font(int(radius * 1.3)), anchor="mm")


def draw_routes(img: Image.Image, r: random.Random, hand: bool, bold: bool = False,
                face: tuple[float, float, float, float] | None = None) -> None:
    """Route lines over a crag: thin and bright on photos (bold ones for overlays that
    must stay clearly different from their plain photo), numbered at their feet."""
    w, h = img.size
    left, top, right, foot = face or (0.0, 0.0, w, h)
    draw = ImageDraw.Draw(img)
    n = r.randint(1, 8)
    thin = not (hand or bold)
    width = max(2, int(min(w, h) * (r.uniform(0.003, 0.008) if thin else r.uniform(0.006, 0.014))))
    radius = min(w, h) * (r.uniform(0.012, 0.025) if thin else r.uniform(0.025, 0.045))
    palette = (sorted(set(r.choices(APP_COLOURS, APP_WEIGHTS, k=r.randint(1, 3)))) if thin
               else ROUTE_COLOURS)
    square = thin and r.random() < 0.6
    for k in range(n):
        colour = (20, 20, 20) if hand else r.choice(palette)
        x = left + (right - left) * (k + 0.5 + r.uniform(-0.3, 0.3)) / n
        line = route_line(r, w, h, x, hand, (top, foot))
        if thin and r.random() < 0.25:  # a traverse or a rising diagonal
            drift = r.uniform(-0.5, 0.5) * (right - left)
            line = [(min(max(px + drift * k / len(line), 0.02 * w), 0.98 * w), py)
                    for k, (px, py) in enumerate(line)]
        if r.random() < 0.3:
            dashed(draw, line, colour, width, min(w, h) * 0.02)
        else:
            if not hand and (not thin or r.random() < 0.3):  # a dark halo keeps it readable
                draw.line(line, fill=(15, 15, 15), width=width + max(2, width // 2), joint="curve")
            draw.line(line, fill=colour, width=width, joint="curve")
        top_end = line[-1]
        if not thin or r.random() < 0.4:  # the anchor, or an arrow head on app topos
            d = width * 1.5
            draw.ellipse([top_end[0] - d, top_end[1] - d, top_end[0] + d, top_end[1] + d],
                         outline=colour if not hand else (20, 20, 20), width=max(1, width // 2))
        foot_end = line[0]
        fill = (255, 255, 255) if hand else colour
        ink = (255, 255, 255) if thin and sum(colour) < 400 else (0, 0, 0)
        marker(draw, foot_end[0], foot_end[1] + radius * 1.2, radius, k + 1, fill, ink, square)
        if r.random() < (0.5 if not thin else 0.1):
            mid = line[len(line) // 2]
            draw.text((mid[0] + radius, mid[1]), route_label(r), fill=(0, 0, 0) if hand else (255, 255, 255),
                      font=font(int(radius * 0.9)), stroke_width=0 if hand else 2, stroke_fill=(0, 0, 0))
    if r.random() < (0.6 if not thin else 0.1):
        legend(img, r, n, hand)


def legend(img: Image.Image, r: random.Random, n: int, hand: bool) -> None:
    """A key of route numbers, names and grades along one edge."""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    size = int(min(w, h) * r.uniform(0.025, 0.035))
    y0 = h - (n + 1) * size * 1.3 if r.random() < 0.5 else size
    x0 = w * r.uniform(0.02, 0.6)
    if not hand:
        draw.rectangle([x0 - size * 0.5, y0 - size * 0.5, x0 + size * 14, y0 + n * size * 1.3 + size * 0.2],
                       fill=(250, 250, 245))
    for k in range(n):
        draw.text((x0, y0 + k * size * 1.3), f"{k + 1}. {route_label(r)}", fill=(0, 0, 0), font=font(size))


def topo_photo(w: int, h: int, r: random.Random) -> Image.Image:
    """A photo of a crag or boulder with its routes drawn on: thin lines, small numbers."""
    img, face = scenery.crag_scene(w, h, r)
    if r.random() < 0.3:
        scenery.crash_pads(img, r, face[3])
    draw_routes(img, r, hand=False, bold=r.random() < 0.15, face=face)
    return img


def topo_hand_drawn(w: int, h: int, r: random.Random) -> Image.Image:
    img = scenery.paper(w, h, r)
    draw = ImageDraw.Draw(img)
    ink = (15, 15, 15)
    outline, x = [], 0.0  # the crag's skyline and foot
    while x <= w:
        outline.append((x, h * r.uniform(0.08, 0.2)))
        x += w * r.uniform(0.05, 0.15)
    draw.line(outline, fill=ink, width=max(2, w // 300))
    draw.line([(0, h * 0.9), (w, h * r.uniform(0.85, 0.95))], fill=ink, width=max(2, w // 300))
    for _ in range(r.randint(3, 10)):  # hatching for features
        x, y = r.uniform(0, w), r.uniform(0.2, 0.8) * h
        for k in range(r.randint(3, 6)):
            draw.line([(x + k * 6, y), (x + k * 6 + 12, y + 30)], fill=ink, width=1)
    draw_routes(img, r, hand=True)
    if r.random() < 0.5:  # north arrow
        cx, cy, s = w * 0.92, h * 0.9, min(w, h) * 0.04
        draw.polygon([(cx, cy - s), (cx - s / 2, cy + s / 2), (cx + s / 2, cy + s / 2)], outline=ink, width=2)
        draw.text((cx, cy - s * 1.6), "N", fill=ink, font=font(int(s)), anchor="mm")
    return img


# --- glory ------------------------------------------------------------------

def glory_side(w: int, h: int, r: random.Random) -> Image.Image:
    horizon = r.uniform(0.45, 0.75)
    img = scenery.sky(w, h, r)
    scenery.mountains(img, r, horizon)
    scenery.valley(img, r, horizon)
    wall_w = w * r.uniform(0.3, 0.6)
    left = r.random() < 0.5
    wall = scenery.rock(int(wall_w * 1.2), h, r)
    mask = Image.new("L", wall.size, 0)
    edge, y = [], 0.0
    while y <= h:
        edge.append((wall_w * r.uniform(0.8, 1.1), y))
        y += h * r.uniform(0.05, 0.15)
    ImageDraw.Draw(mask).polygon([(0, 0)] + edge + [(edge[-1][0], h), (0, h)], fill=255)
    if not left:
        wall, mask = wall.transpose(Image.FLIP_LEFT_RIGHT), mask.transpose(Image.FLIP_LEFT_RIGHT)
    x0 = 0 if left else w - wall.width
    img.paste(wall, (x0, 0), mask)
    draw = ImageDraw.Draw(img)
    size = h * r.uniform(0.25, 0.6)
    edge_x = x0 + (wall_w * 0.95 if left else wall.width - wall_w * 0.95)
    x = edge_x + (-1 if left else 1) * size * r.uniform(0.0, 0.4)
    y = h * r.uniform(0.3, 0.7)
    climber.rope(draw, (x, y), (x + r.uniform(-0.1, 0.1) * w, h), r, max(1, size * 0.02))
    climber.from_side(draw, x, y, size, r)
    return img


def glory_on_crag(w: int, h: int, r: random.Random) -> Image.Image:
    """A climber on a crag or boulder photographed from the side: trees, ground, pads."""
    img, (left, top, right, foot) = scenery.crag_scene(w, h, r)
    draw = ImageDraw.Draw(img)
    if r.random() < 0.4:  # bouldering: crash pads at the foot
        scenery.crash_pads(img, r, foot)
    size = h * r.uniform(0.25, 0.7)
    x = r.uniform(left + 0.15 * (right - left), right - 0.15 * (right - left))
    y = min(max(top + size * 0.45, r.uniform(top, foot)), foot - size * 0.2)
    if r.random() < 0.6:
        climber.rope(draw, (x, y), (x + r.uniform(-0.1, 0.1) * w, h), r, max(1, size * 0.015))
    climber.from_side(draw, x, y, size, r)
    return img


def glory_above(w: int, h: int, r: random.Random) -> Image.Image:
    img = scenery.rock(w, h, r)
    ground = Image.new("RGB", (w, h))
    scenery.valley(ground, r, 0.0)
    cut = w * r.uniform(0.25, 0.5)  # the wall's edge, ground far below beyond it
    mask = Image.new("L", (w, h), 0)
    side = r.random() < 0.5
    poly = [(cut, 0), (cut + r.uniform(-0.1, 0.2) * w, h), (0, h), (0, 0)]
    if side:
        poly = [(w - x, y) for x, y in poly]
    ImageDraw.Draw(mask).polygon(poly, fill=255)
    img.paste(ground, (0, 0), mask)
    draw = ImageDraw.Draw(img)
    size = min(w, h) * r.uniform(0.3, 0.6)
    x, y = w * r.uniform(0.4, 0.6), h * r.uniform(0.25, 0.45)
    climber.rope(draw, (x, y + size * 0.5), (x + r.uniform(-0.2, 0.2) * w, h), r, size * 0.025)
    climber.from_above(draw, x, y, size, r)
    return img


def glory_distant(w: int, h: int, r: random.Random) -> Image.Image:
    horizon = r.uniform(0.55, 0.8)
    img = scenery.sky(w, h, r)
    scenery.mountains(img, r, horizon)
    scenery.valley(img, r, horizon)
    tower_w, tower_h = int(w * r.uniform(0.25, 0.5)), int(h * r.uniform(0.6, 0.9))
    tower = scenery.rock(tower_w, tower_h, r)
    mask = Image.new("L", tower.size, 0)
    top = tower_h * r.uniform(0.0, 0.2)
    ImageDraw.Draw(mask).polygon([(0, tower_h), (tower_w * 0.15, top), (tower_w * 0.8, top * 0.5),
                                  (tower_w, tower_h)], fill=255)
    tx = int(w * r.uniform(0.05, 0.7))
    img.paste(tower, (tx, h - tower_h), mask)
    draw = ImageDraw.Draw(img)
    size = h * r.uniform(0.07, 0.14)
    x, y = tx + tower_w * r.uniform(0.3, 0.7), h - tower_h * r.uniform(0.5, 0.8)
    climber.rope(draw, (x, y), (x, h), r, 2)
    climber.from_side(draw, x, y, size, r)
    return img


# --- butt -------------------------------------------------------------------

def butt_from_below(w: int, h: int, r: random.Random) -> Image.Image:
    img = scenery.sky(w, h, r)
    if r.random() < 0.4:  # the sun behind the climber
        sx, sy, s = w * r.uniform(0.2, 0.8), h * r.uniform(0.05, 0.3), min(w, h) * 0.08
        ImageDraw.Draw(img).ellipse([sx - s, sy - s, sx + s, sy + s], fill=(255, 250, 225))
    wall = scenery.rock(w, h, r)
    mask = Image.new("L", (w, h), 0)
    lean = r.uniform(-0.3, 0.3) * w  # the wall converges upwards: seen from its foot
    spread = r.uniform(0.3, 0.6)
    poly = [(w * (0.5 - spread) + lean, 0), (w * (0.5 + spread) + lean, 0),
            (w * r.uniform(1.0, 1.4), h), (w * r.uniform(-0.4, 0.0), h)]
    ImageDraw.Draw(mask).polygon(poly, fill=255)
    img.paste(wall, (0, 0), mask)
    draw = ImageDraw.Draw(img)
    x, y = climber.from_below(draw, w, h, r)
    climber.rope(draw, (x, y), (x + r.uniform(-0.1, 0.1) * w, h), r, min(w, h) * 0.012)
    return img


# --- other ------------------------------------------------------------------

def landscape(w: int, h: int, r: random.Random) -> Image.Image:
    horizon = r.uniform(0.4, 0.7)
    img = scenery.sky(w, h, r)
    scenery.mountains(img, r, horizon)
    scenery.valley(img, r, horizon)
    return img


def gear(w: int, h: int, r: random.Random) -> Image.Image:
    img = scenery.rock(w, h, r, base=jitter(r.choice(scenery.GROUND), r))
    draw = ImageDraw.Draw(img)
    for _ in range(r.randint(1, 3)):  # rope coils
        cx, cy, s = r.uniform(0.2, 0.8) * w, r.uniform(0.2, 0.8) * h, min(w, h) * r.uniform(0.1, 0.25)
        colour = r.choice(ROUTE_COLOURS[:4] + [(230, 120, 200)])
        for k in range(r.randint(5, 12)):
            d = s * (1 - k * 0.05)
            draw.ellipse([cx - d, cy - d * 0.7, cx + d, cy + d * 0.7], outline=colour, width=max(2, int(s * 0.04)))
    for _ in range(r.randint(3, 12)):  # carabiners and quickdraws
        cx, cy, s = r.uniform(0.1, 0.9) * w, r.uniform(0.1, 0.9) * h, min(w, h) * r.uniform(0.03, 0.07)
        metal = r.choice([(200, 200, 205), (220, 180, 40), (60, 90, 200), (200, 50, 50)])
        draw.rounded_rectangle([cx - s * 0.6, cy - s, cx + s * 0.6, cy + s], radius=s * 0.5, outline=metal,
                               width=max(2, int(s * 0.15)))
        if r.random() < 0.6:
            draw.line([(cx, cy + s), (cx, cy + s * 2.2)], fill=jitter(r.choice(scenery.CLOTHES), r),
                      width=max(2, int(s * 0.3)))
    return img


def approach_trail(w: int, h: int, r: random.Random) -> Image.Image:
    horizon = r.uniform(0.35, 0.6)
    img = scenery.sky(w, h, r)
    scenery.mountains(img, r, horizon)
    scenery.valley(img, r, horizon)
    draw = ImageDraw.Draw(img)
    vx = w * r.uniform(0.3, 0.7)
    trail = jitter((150, 120, 85), r, 30)
    draw.polygon([(vx - w * 0.01, horizon * h), (vx + w * 0.01, horizon * h),
                  (w * r.uniform(0.6, 0.9), h), (w * r.uniform(0.1, 0.4), h)], fill=trail)
    for _ in range(r.randint(6, 20)):  # trees lining the trail, bigger when nearer
        side = r.choice([-1, 1])
        y = r.uniform(horizon, 1.0) * h
        depth = (y - horizon * h) / max(h * (1 - horizon), 1)
        x = vx + side * (0.05 + depth * r.uniform(0.3, 0.6)) * w
        s = (0.02 + 0.15 * depth) * h
        green = jitter((40, 90, 45), r, 25)
        draw.rectangle([x - s * 0.08, y - s * 0.3, x + s * 0.08, y], fill=(90, 60, 40))
        draw.polygon([(x, y - s * 1.6), (x - s * 0.5, y - s * 0.3), (x + s * 0.5, y - s * 0.3)], fill=green)
    return img


def crag_face(w: int, h: int, r: random.Random) -> Image.Image:
    """A crag with nobody on it: the plain photo that topos get drawn on."""
    return scenery.crag_scene(w, h, r)[0]


STYLES = {
    "topo": {"photo": topo_photo, "hand_drawn": topo_hand_drawn},
    "glory": {"crag": glory_on_crag, "side": glory_side, "above": glory_above,
              "distant": glory_distant},
    "butt": {"from_below": butt_from_below},
    "other": {"landscape": landscape, "gear": gear, "approach": approach_trail, "crag": crag_face},
}
STYLE_WEIGHTS = {("topo", "photo"): 0.9, ("topo", "hand_drawn"): 0.1,
                 ("glory", "crag"): 0.45, ("glory", "side"): 0.25, ("glory", "above"): 0.2,
                 ("glory", "distant"): 0.1,
                 ("other", "crag"): 0.5}
