"""An OpenBeta-compatible GraphQL endpoint over the sample site's data.

The schema below is a subset of the real OpenBeta schema (same type, field
and argument names and types; tests/test_samplesite_graphql.py checks it
against ../shared/openbeta-schema): the queries a client makes for areas,
their children and climbs, and their media work unchanged. ``mediaUrl``
values are paths relative to the manifest's ``media_base`` (``/media``),
served by the same server, as the real ones are relative to the media host.

Area ``media`` holds the photos tagged to the area and to its own climbs.
Only photos under ``/media`` are exposed (copies under ``/uploads`` are HTML
only), and none that robots.txt hides.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from graphql import build_schema, graphql_sync

SCHEMA_SDL = """
scalar Date

type Query {
  area(uuid: ID): Area
  areas(filter: Filter, sort: Sort): [Area]
  countries: [Area]
  stats: Stats
  climb(uuid: ID): Climb
  media(input: MediaInput): MediaWithTags
}

type Area {
  id: ID!
  uuid: ID!
  area_name: String!
  areaName: String!
  metadata: AreaMetadata!
  climbs: [Climb]
  children: [Area]
  ancestors: [String]!
  pathTokens: [String]!
  content: AreaContent
  gradeContext: String!
  density: Float!
  totalClimbs: Int!
  media: [MediaWithTags]
}

type AreaMetadata {
  isDestination: Boolean!
  leaf: Boolean!
  isBoulder: Boolean
  lat: Float
  lng: Float
  bbox: [Float]
  leftRightIndex: Int
  mp_id: String!
  area_id: ID!
  areaId: ID!
}

type AreaContent {
  description: String
}

type Stats {
  totalClimbs: Int!
  totalCrags: Int!
}

input Sort {
  area_name: Int
  density: Int
  totalClimbs: Int
}

input Filter {
  area_name: AreaFilter
  leaf_status: LeafFilter
  path_tokens: PathFilter
  field_compare: [ComparisonFilter]
}

enum Field {
  density
  totalClimbs
}

enum CompareType {
  lt
  gt
  eq
}

input ComparisonFilter {
  field: Field
  num: Float
  comparison: CompareType
}

input PathFilter {
  tokens: [String]!
  exactMatch: Boolean
  size: Int
}

input AreaFilter {
  match: String!
  exactMatch: Boolean
}

input LeafFilter {
  isLeaf: Boolean!
}

type Climb {
  id: ID!
  uuid: ID!
  name: String!
  fa: String
  length: Int!
  boltsCount: Int
  grades: GradeType
  gradeContext: String
  type: ClimbType!
  safety: SafetyEnum
  metadata: ClimbMetadata!
  content: Content!
  pathTokens: [String!]
  ancestors: [String!]
  media: [MediaWithTags]
  parent: Area!
}

type ClimbMetadata {
  lat: Float
  lng: Float
  leftRightIndex: Int
  mp_id: String
  climb_id: ID!
  climbId: ID!
}

type Content {
  description: String
  location: String
  protection: String
}

type ClimbType {
  trad: Boolean
  sport: Boolean
  bouldering: Boolean
  deepwatersolo: Boolean
  alpine: Boolean
  snow: Boolean
  ice: Boolean
  mixed: Boolean
  aid: Boolean
  tr: Boolean
}

type GradeType {
  vscale: String
  yds: String
  ewbank: String
  french: String
  brazilianCrux: String
  font: String
  uiaa: String
}

enum SafetyEnum {
  UNSPECIFIED
  PG
  PG13
  runout
  terrain
  R
  X
}

interface IMediaMetadata {
  id: ID!
  width: Int!
  height: Int!
  format: String!
  uploadTime: Date!
  size: Int!
}

type MediaWithTags implements IMediaMetadata {
  id: ID!
  username: String
  mediaUrl: String!
  width: Int!
  height: Int!
  format: String!
  uploadTime: Date!
  size: Int!
  entityTags: [EntityTag]
}

type EntityTag {
  id: ID!
  targetId: ID!
  climbName: String
  areaName: String!
  ancestors: String!
  type: Int!
  lng: Float!
  lat: Float!
}

input MediaInput {
  id: ID!
}
"""

EPOCH = datetime(2015, 1, 1, tzinfo=timezone.utc)


def object_id(text: str) -> str:
    """A 24-hex id like OpenBeta's (MongoDB ObjectId), derived from ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class OpenBetaEndpoint:
    """The schema plus the site's areas, climbs and media as resolvable objects."""

    def __init__(self, manifest: dict):
        self.schema = build_schema(SCHEMA_SDL)
        self.media_base = manifest["media_base"]
        self.areas: dict[str, dict] = {}
        self.climbs: dict[str, dict] = {}
        self.media: dict[str, dict] = {}
        self._load(manifest)

    def execute(self, body: Any) -> tuple[int, dict]:
        """(HTTP status, JSON answer) for a request body {query, variables, operationName}."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 400, {"errors": [{"message": "body must be JSON with a 'query' string"}]}
        result = graphql_sync(self.schema, body["query"], root_value=self._root(),
                              variable_values=body.get("variables"),
                              operation_name=body.get("operationName"))
        answer: dict = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        return (400 if result.data is None and result.errors else 200), answer

    # --- the data ---------------------------------------------------------

    def _load(self, manifest: dict) -> None:
        for index, a in enumerate(manifest["areas"]):
            self.areas[a["uuid"]] = self._area(a, index)
        for a in manifest["areas"]:
            area = self.areas[a["uuid"]]
            area["children"] = [self.areas[c] for c in a["children"]]
            parent = self.areas.get(a["parent"])
            area["ancestors"] = (parent["ancestors"] if parent else []) + [a["uuid"]]
            area["pathTokens"] = (parent["pathTokens"] if parent else []) + [a["name"]]
        for index, rt in enumerate(manifest["routes"]):
            self.climbs[rt["uuid"]] = self._climb(rt, index)
        for a in self.areas.values():
            a["totalClimbs"] = self._count(a)
            a["density"] = float(a["totalClimbs"])
        for photo in manifest["photos"]:
            if photo["crawlable"] and photo["path"].startswith(self.media_base + "/"):
                self._add_media(photo)

    def _area(self, a: dict, index: int) -> dict:
        leaf = not a["children"]
        meta = {"isDestination": a["kind"] in ("country", "region"), "leaf": leaf,
                "isBoulder": False, "lat": a["lat"], "lng": a["lng"],
                "bbox": [a["lng"] - 0.01, a["lat"] - 0.01, a["lng"] + 0.01, a["lat"] + 0.01],
                "leftRightIndex": index, "mp_id": "", "area_id": a["uuid"], "areaId": a["uuid"]}
        return {"id": object_id(a["uuid"]), "uuid": a["uuid"], "area_name": a["name"],
                "areaName": a["name"], "metadata": meta, "climbs": [], "media": [],
                "content": {"description": f"The {a['kind']} {a['name']}."},
                "gradeContext": "FR", "kind": a["kind"]}

    def _climb(self, rt: dict, index: int) -> dict:
        parent = self.areas[rt["area"]]
        system = rt["grade_system"]
        kinds = {"sport": "sport", "trad": "trad", "boulder": "bouldering", "tr": "tr"}
        climb = {"id": object_id(rt["uuid"]), "uuid": rt["uuid"], "name": rt["name"], "fa": rt["fa"],
                 "length": rt["length"], "boltsCount": rt["bolts"], "grades": {system: rt["grade"]},
                 "gradeContext": "US" if system in ("yds", "vscale") else "FR",
                 "type": {kinds[rt["type"]]: True}, "safety": "UNSPECIFIED",
                 "metadata": {"lat": parent["metadata"]["lat"], "lng": parent["metadata"]["lng"],
                              "leftRightIndex": index, "mp_id": None, "climb_id": rt["uuid"],
                              "climbId": rt["uuid"]},
                 "content": {"description": rt["description"], "location": "", "protection": ""},
                 "pathTokens": parent["pathTokens"], "ancestors": parent["ancestors"],
                 "media": [], "parent": parent}
        parent["climbs"].append(climb)
        if rt["type"] == "boulder":
            parent["metadata"]["isBoulder"] = True
        return climb

    def _count(self, area: dict) -> int:
        return len(area["climbs"]) + sum(self._count(c) for c in area["children"])

    def _add_media(self, photo: dict) -> None:
        tags, owners = [], []
        for n, s in enumerate(photo["sightings"]):
            climb = self.climbs.get(s["route"]) if s["route"] else None
            area = climb["parent"] if climb else self.areas.get(s["area"])
            if area is None:
                continue
            tags.append({"id": object_id(f"{photo['sha256']}:{photo['path']}:{n}"),
                         "targetId": climb["uuid"] if climb else area["uuid"],
                         "climbName": climb["name"] if climb else None, "areaName": area["area_name"],
                         "ancestors": ",".join(area["ancestors"]), "type": 0 if climb else 1,
                         "lng": area["metadata"]["lng"], "lat": area["metadata"]["lat"]})
            owners += [climb, area] if climb else [area]
        digest = hashlib.sha256(photo["path"].encode()).digest()
        uploaded = EPOCH + timedelta(seconds=int.from_bytes(digest[:4], "big") % (9 * 365 * 86400))
        media = {"id": object_id(photo["path"]), "username": photo["photographer"].lower().replace(" ", "_"),
                 "mediaUrl": photo["path"][len(self.media_base):], "width": photo["width"],
                 "height": photo["height"], "format": photo["format"],
                 "uploadTime": uploaded.isoformat().replace("+00:00", "Z"), "size": photo["bytes"],
                 "entityTags": tags}
        self.media[media["id"]] = media
        for owner in owners:
            if media not in owner["media"]:
                owner["media"].append(media)

    # --- the queries --------------------------------------------------------

    def _root(self) -> dict:
        return {"area": lambda info, uuid=None: self.areas.get(uuid),
                "areas": lambda info, filter=None, sort=None: self._areas(filter, sort),
                "countries": lambda info: [a for a in self.areas.values() if a["kind"] == "country"],
                "stats": lambda info: {"totalClimbs": len(self.climbs),
                                       "totalCrags": sum(a["kind"] == "crag" for a in self.areas.values())},
                "climb": lambda info, uuid=None: self.climbs.get(uuid),
                "media": lambda info, input=None: self.media.get((input or {}).get("id"))}

    def _areas(self, filter: dict | None, sort: dict | None) -> list[dict]:
        found = [a for a in self.areas.values() if matches(a, filter or {})]
        for key, direction in (sort or {}).items():
            if direction:
                found.sort(key=lambda a: a[key], reverse=direction < 0)
        return found


def matches(area: dict, f: dict) -> bool:
    """OpenBeta's area filter: name, leaf status, path tokens, numeric comparisons."""
    name = f.get("area_name")
    if name:
        wanted, have = name["match"].lower(), area["area_name"].lower()
        if not (have == wanted if name.get("exactMatch") else wanted in have):
            return False
    leaf = f.get("leaf_status")
    if leaf and area["metadata"]["leaf"] != leaf["isLeaf"]:
        return False
    path = f.get("path_tokens")
    if path:
        tokens, have = list(path["tokens"]), area["pathTokens"]
        if path.get("exactMatch") and have != tokens:
            return False
        if have[:len(tokens)] != tokens:
            return False
        if path.get("size") is not None and len(have) != path["size"]:
            return False
    for compare in f.get("field_compare") or []:
        value, num = area[compare["field"]], compare["num"]
        ok = {"lt": value < num, "gt": value > num, "eq": value == num}[compare["comparison"]]
        if not ok:
            return False
    return True
