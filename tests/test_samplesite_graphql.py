"""The OpenBeta-compatible GraphQL endpoint: its schema is a subset of the real
one (checked against ../shared/openbeta-schema), real-client queries work and
point to media the same server serves."""

import hashlib

import httpx
import pytest
from graphql import (GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType,
                     GraphQLObjectType, GraphQLScalarType, build_schema, parse, validate)

from samplesite.graphql_api import SCHEMA_SDL
from tests.conftest import real_openbeta_schema

AREA_TREE = """
query Countries {
  countries { uuid area_name children { uuid area_name children { uuid area_name
    children { uuid area_name metadata { leaf lat lng } climbs { uuid } } } } }
}"""

AREA = """
query AreaWithClimbs($uuid: ID) {
  area(uuid: $uuid) {
    uuid area_name areaName pathTokens ancestors totalClimbs
    metadata { leaf isBoulder lat lng area_id }
    children { uuid area_name }
    climbs {
      uuid name fa length
      grades { yds french font vscale }
      type { sport trad bouldering tr }
      pathTokens
      media {
        id mediaUrl width height format size uploadTime username
        entityTags { id targetId climbName areaName ancestors type lat lng }
      }
    }
    media { id mediaUrl width height format size }
  }
}"""

AREAS_FILTERED = """
query Filtered($filter: Filter, $sort: Sort) {
  areas(filter: $filter, sort: $sort) { uuid area_name pathTokens totalClimbs metadata { leaf } }
}"""

CLIMB = """
query Climb($uuid: ID) {
  climb(uuid: $uuid) {
    uuid name parent { uuid area_name } ancestors
    media { mediaUrl ... on IMediaMetadata { width height } }
  }
}"""

CLIENT_QUERIES = [AREA_TREE, AREA, AREAS_FILTERED, CLIMB]


@pytest.fixture(scope="module")
def real_schema():
    return real_openbeta_schema()


def subset_problems(ours, real) -> list[str]:
    """Every way our schema is not a compatible subset of the real one."""
    problems = []
    for name, mine in ours.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        theirs = real.type_map.get(name)
        if theirs is None or type(theirs) is not type(mine):
            problems.append(f"{name}: missing or another kind in the real schema")
            continue
        if isinstance(mine, (GraphQLObjectType, GraphQLInterfaceType)):
            problems += object_problems(name, mine, theirs)
        elif isinstance(mine, GraphQLInputObjectType):
            problems += input_problems(name, mine, theirs)
        elif isinstance(mine, GraphQLEnumType):
            problems += [f"{name}.{v}: no such enum value" for v in mine.values if v not in theirs.values]
        else:
            assert isinstance(mine, GraphQLScalarType)
    return problems


def object_problems(name, mine, theirs) -> list[str]:
    problems = [f"{name} implements {i.name} only here" for i in mine.interfaces
                if i.name not in {t.name for t in theirs.interfaces}]
    for field_name, field in mine.fields.items():
        real = theirs.fields.get(field_name)
        if real is None or str(real.type) != str(field.type):
            problems.append(f"{name}.{field_name}: {field.type} vs {real.type if real else 'absent'}")
            continue
        for arg_name, arg in field.args.items():
            real_arg = real.args.get(arg_name)
            if real_arg is None or str(real_arg.type) != str(arg.type):
                problems.append(f"{name}.{field_name}({arg_name}): argument differs")
    return problems


def input_problems(name, mine, theirs) -> list[str]:
    problems = [f"{name}.{f}: {t.type} vs {theirs.fields[f].type if f in theirs.fields else 'absent'}"
                for f, t in mine.fields.items()
                if f not in theirs.fields or str(theirs.fields[f].type) != str(t.type)]
    problems += [f"{name}.{f}: required in the real schema, absent here"
                 for f, t in theirs.fields.items() if f not in mine.fields and str(t.type).endswith("!")]
    return problems


def test_our_schema_is_a_compatible_subset_of_the_real_one(real_schema):
    assert subset_problems(build_schema(SCHEMA_SDL), real_schema) == []


def test_the_subset_check_catches_a_wrong_type(real_schema):
    wrong = SCHEMA_SDL.replace("totalClimbs: Int!\n  media", "totalClimbs: String\n  media")
    assert any("Area.totalClimbs" in p for p in subset_problems(build_schema(wrong), real_schema))


@pytest.mark.parametrize("query", CLIENT_QUERIES)
def test_client_queries_are_valid_against_both_schemas(real_schema, query):
    assert validate(real_schema, parse(query)) == []
    assert validate(build_schema(SCHEMA_SDL), parse(query)) == []


def ask(site, query, **variables):
    answer = httpx.post(site.url + "graphql", json={"query": query, "variables": variables}, timeout=10)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


def test_walking_areas_and_climbs_finds_every_route_photo_and_it_is_servable(tiny_site):
    manifest = tiny_site.manifest
    sectors = [s for c in ask(tiny_site, AREA_TREE)["countries"] for r in c["children"]
               for crag in r["children"] for s in crag["children"]]
    assert {s["uuid"] for s in sectors} == {a["uuid"] for a in manifest["areas"] if a["kind"] == "sector"}
    seen = {}
    for sector in sectors:
        area = ask(tiny_site, AREA, uuid=sector["uuid"])["area"]
        assert area["metadata"]["leaf"] and area["pathTokens"][-1] == area["area_name"]
        for climb in area["climbs"]:
            for media in climb["media"]:
                assert climb["uuid"] in {t["targetId"] for t in media["entityTags"]}
                seen[media["mediaUrl"]] = media
    base = manifest["media_base"]
    expected = {p["path"][len(base):]: p for p in manifest["photos"]
                if p["crawlable"] and p["path"].startswith(base + "/") and p["routes"]}
    assert set(seen) == set(expected)
    with httpx.Client(timeout=10) as client:
        for url, media in seen.items():
            photo = expected[url]
            assert (media["width"], media["height"], media["format"], media["size"]) == \
                (photo["width"], photo["height"], photo["format"], photo["bytes"])
            data = client.get(tiny_site.url + base.lstrip("/") + url).content
            assert hashlib.sha256(data).hexdigest() == photo["sha256"]


def test_area_filters_and_sort_work_like_openbeta(tiny_site):
    crag = next(a for a in tiny_site.manifest["areas"] if a["kind"] == "crag")
    by_name = ask(tiny_site, AREAS_FILTERED, filter={"area_name": {"match": crag["name"].upper()[:4]}})
    assert crag["uuid"] in {a["uuid"] for a in by_name["areas"]}
    leaves = ask(tiny_site, AREAS_FILTERED, filter={"leaf_status": {"isLeaf": True}})["areas"]
    assert all(a["metadata"]["leaf"] for a in leaves) and len(leaves) == 4
    country = next(a for a in tiny_site.manifest["areas"] if a["kind"] == "country")
    depth2 = ask(tiny_site, AREAS_FILTERED, filter={"path_tokens": {"tokens": [country["name"]], "size": 2}})
    assert [a["pathTokens"] for a in depth2["areas"]] == [[country["name"], r["name"]] for r in
                                                          tiny_site.manifest["areas"] if r["kind"] == "region"]
    busy = ask(tiny_site, AREAS_FILTERED, sort={"totalClimbs": -1},
               filter={"field_compare": [{"field": "totalClimbs", "num": 0, "comparison": "gt"}]})["areas"]
    assert busy[0]["totalClimbs"] == 10 and all(a["totalClimbs"] > 0 for a in busy)


def test_a_climb_knows_its_parent_and_media(tiny_site):
    route = next(r for r in tiny_site.manifest["routes"] if r["photos"])
    climb = ask(tiny_site, CLIMB, uuid=route["uuid"])["climb"]
    assert climb["parent"]["uuid"] == route["area"] and climb["ancestors"][-1] == route["area"]
    base = tiny_site.manifest["media_base"]
    assert {base + m["mediaUrl"] for m in climb["media"]} == {p for p in route["photos"] if p.startswith(base + "/")}


def test_bad_requests_get_graphql_errors(tiny_site):
    answer = httpx.post(tiny_site.url + "graphql", json={"query": "{ area(uuid: 1) { nope } }"}, timeout=10)
    assert answer.status_code == 400 and "nope" in answer.json()["errors"][0]["message"]
    assert httpx.post(tiny_site.url + "graphql", content=b"not json", timeout=10).status_code == 400
    assert ask(tiny_site, "{ area(uuid: \"no-such\") { uuid } }") == {"area": None}
