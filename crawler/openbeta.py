"""The `openbeta` source: the OpenBeta GraphQL API, from a root area down to its media.

One frontier row per API call (``<api_url>#area/<uuid>``; the name lookup is
``<api_url>#areas?name=<name>``). Each area call returns the area, its child
areas (queued next), its climbs (routes) and its media - OpenBeta's
``Area.media`` holds the media tagged to the area or to its climbs. Every
media object becomes one image reference per entity tag, so a photo tagged
to two climbs has two sightings. Image URLs are ``media_url`` + ``mediaUrl``.

The queries below are checked against the real schema in
tests/test_crawler_openbeta.py (../shared/openbeta-schema).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from catalog.sightings import Sighting
from crawler.engine import Discoveries, PageRejected, Request
from crawler.fetch import Fetched
from crawler.frontier import Frontier, FrontierItem
from crawler.grades import parse_grade, parse_route_types
from crawler.places import ensure_area, ensure_route, ensure_source
from cragcat.errors import UsageError

FIND_AREAS = """
query CragcatFindAreas($name: String!) {
  areas(filter: {area_name: {match: $name, exactMatch: true}}) {
    uuid
    area_name
    pathTokens
  }
}
"""

AREA = """
query CragcatArea($uuid: ID) {
  area(uuid: $uuid) {
    uuid
    area_name
    pathTokens
    ancestors
    children { uuid area_name }
    climbs {
      uuid
      name
      grades { yds french font vscale uiaa ewbank brazilianCrux }
      type { sport trad bouldering tr alpine aid ice mixed deepwatersolo snow }
    }
    media {
      id
      mediaUrl
      width
      height
      format
      size
      username
      entityTags { targetId type climbName areaName }
    }
  }
}
"""

QUERIES = {"FIND_AREAS": FIND_AREAS, "AREA": AREA}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")
CLIMB, AREA_TAG = 0, 1  # EntityTag.type


@dataclass
class AreaAnswer:
    """What one area call said (or, for the name lookup, which areas match)."""

    area: dict | None = None
    matches: list[dict] = field(default_factory=list)


class OpenBetaSource:
    parse_anywhere = False  # json.loads is quick: not worth a trip to a worker process

    def __init__(self, api_url: str, media_url: str, root: str):
        if not root.strip():
            raise UsageError("crawl --source openbeta needs --area NAME_OR_UUID")
        self.api_url = api_url
        self.media_url = media_url.rstrip("/")
        self.root = root.strip()
        self.source_id = 0

    def open(self, tx) -> int:
        self.source_id = ensure_source(tx, "openbeta", f"{self.root} @ {self.api_url}",
                                       self.api_url)
        return self.source_id

    # -- frontier keys ----------------------------------------------------------
    def area_key(self, uuid: str) -> str:
        return f"{self.api_url}#area/{uuid}"

    def seed(self, tx, frontier: Frontier) -> None:
        if _UUID.match(self.root):
            frontier.enqueue(tx, self.area_key(self.root), "api", 0)
        else:
            frontier.enqueue(tx, f"{self.api_url}#areas?name={quote(self.root)}", "api", 0)

    def request(self, item: FrontierItem) -> Request:
        target = item.url.split("#", 1)[1]
        if target.startswith("areas?name="):
            body = {"query": FIND_AREAS, "operationName": "CragcatFindAreas",
                    "variables": {"name": unquote(target[len("areas?name="):])}}
        else:
            body = {"query": AREA, "operationName": "CragcatArea",
                    "variables": {"uuid": target[len("area/"):]}}
        return Request(self.api_url, "POST", body)

    def hop_rule(self, item: FrontierItem) -> None:
        return None  # the API and its media host: only the address guard judges hops

    # -- reading answers (worker thread) -------------------------------------------
    def parse(self, item: FrontierItem, fetched: Fetched) -> AreaAnswer:
        try:
            answer = json.loads(fetched.content)
        except (ValueError, UnicodeDecodeError):
            raise PageRejected("not-json", "the API answered something that is not JSON")
        if not isinstance(answer, dict) or answer.get("errors"):
            errors = answer.get("errors") if isinstance(answer, dict) else answer
            raise PageRejected("graphql-error", json.dumps(errors)[:500])
        data = answer.get("data") or {}
        if "areas" in data:
            matches = [a for a in data["areas"] or [] if a]
            if not matches:
                raise PageRejected("no-such-area", f"no area is named {self.root!r}")
            return AreaAnswer(matches=matches)
        if not data.get("area"):
            raise PageRejected("not-found", f"no area {item.url.rsplit('/', 1)[-1]}")
        return AreaAnswer(area=data["area"])

    # -- writing what they said -------------------------------------------------------
    def record(self, tx, item: FrontierItem, fetched: Fetched, answer: AreaAnswer,
               frontier: Frontier, found: Discoveries) -> None:
        if answer.area is None:  # the name lookup: crawl every area of that exact name
            found.follow += [(self.area_key(a["uuid"]), "api", item.depth + 1, item.url, None)
                             for a in answer.matches]
            return
        area = answer.area
        area_id = ensure_area(tx, self.source_id, area["uuid"], area["area_name"],
                              parent_id=self._parent_id(tx, area),
                              path=" > ".join(area.get("pathTokens") or []))
        for child in area.get("children") or []:
            ensure_area(tx, self.source_id, child["uuid"], child["area_name"], parent_id=area_id)
            found.follow.append((self.area_key(child["uuid"]), "api", item.depth + 1, item.url,
                                 None))
        for climb in area.get("climbs") or []:
            grade = _grade(climb)
            meaning = parse_grade(grade, "ewbank" if (climb.get("grades") or {}).get("ewbank")
                                  else "")
            ensure_route(tx, self.source_id, climb["uuid"], climb["name"], area_id=area_id,
                         grade=grade, route_type=_route_type(climb),
                         grade_system=meaning.system if meaning else None,
                         grade_value=meaning.value if meaning else None,
                         route_types=_route_types(climb))
        for media in area.get("media") or []:
            found.refs += [(ref, item.depth + 1) for ref in self._refs(tx, media, area)]

    def _parent_id(self, tx, area: dict) -> int | None:
        ancestors = area.get("ancestors") or []
        parents = [a for a in ancestors if a != area["uuid"]]
        if not parents:
            return None
        row = tx.execute("SELECT area_id FROM areas WHERE source_id = ? AND external_id = ?",
                         [self.source_id, parents[-1]]).fetchone()
        return row[0] if row else None

    def _refs(self, tx, media: dict, area: dict) -> list[Sighting]:
        """One reference per entity tag: the climb or area the photo shows."""
        image_url = self.media_url + "/" + media["mediaUrl"].lstrip("/")
        untagged = {"type": AREA_TAG, "targetId": area["uuid"], "areaName": area["area_name"]}
        refs = []
        for tag in media.get("entityTags") or [untagged]:
            if tag["type"] == CLIMB:
                route_id = ensure_route(tx, self.source_id, tag["targetId"],
                                        tag.get("climbName") or tag["targetId"])
                refs.append(Sighting(image_url=image_url,
                                     page_url=f"openbeta:climb/{tag['targetId']}",
                                     route_id=route_id, credit=media.get("username"),
                                     photo_id=media.get("id")))
            else:
                target_area = ensure_area(tx, self.source_id, tag["targetId"],
                                          tag.get("areaName") or tag["targetId"])
                refs.append(Sighting(image_url=image_url,
                                     page_url=f"openbeta:area/{tag['targetId']}",
                                     area_id=target_area, credit=media.get("username"),
                                     photo_id=media.get("id")))
        return refs

    def finish(self, tx) -> None:
        """Nothing to link afterwards: OpenBeta names parents by uuid."""

    def run_report(self) -> dict:
        """No profile, so no profile quality report."""
        return {}


def _grade(climb: dict) -> str | None:
    grades = climb.get("grades") or {}
    return next((v for v in grades.values() if v), None)


def _route_types(climb: dict) -> list[str]:
    """Every type the climb is flagged with, in crawler.grades' small set."""
    kinds = climb.get("type") or {}
    return parse_route_types(", ".join(k for k, v in kinds.items() if v))


def _route_type(climb: dict) -> str | None:
    kinds = climb.get("type") or {}
    names = {"bouldering": "boulder"}
    return next((names.get(k, k) for k, v in kinds.items() if v), None)
