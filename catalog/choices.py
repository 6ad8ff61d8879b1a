"""A person's choice of a route's cover or topo: the one writer of ``cover_choices``.

A pin puts a photo there whatever the model says; a reject refuses the photo
the model suggested (with a reason); a clear withdraws either. Rows are only
added, and the latest per route and kind is in force (the ``route_choices``
view), so a choice outlives every re-tagging and its history is kept.
"""

from __future__ import annotations

from catalog.connection import Catalog
from cragcat.errors import UsageError

KINDS = ("cover", "topo")


def pin_photo(catalog: Catalog, route_id: int, kind: str, sha256: str,
              reviewer: str | None = None, reason: str | None = None) -> int:
    """Make ``sha256`` the route's cover (or topo); returns the choice's id."""
    _check_on_route(catalog, route_id, sha256)
    return _record(catalog, route_id, kind, "pin", sha256, reason, reviewer)


def reject_photo(catalog: Catalog, route_id: int, kind: str, sha256: str, reason: str,
                 reviewer: str | None = None) -> int:
    """Refuse ``sha256`` as the route's cover (or topo), with the reason."""
    if not reason or not reason.strip():
        raise UsageError("a rejected cover needs a reason (butt-shot, blurred, wrong route, ...)")
    _check_on_route(catalog, route_id, sha256)
    return _record(catalog, route_id, kind, "reject", sha256, reason.strip(), reviewer)


def clear_choice(catalog: Catalog, route_id: int, kind: str,
                 reviewer: str | None = None) -> int:
    """Withdraw the pin or reject in force: the model's suggestion counts again."""
    return _record(catalog, route_id, kind, "clear", None, None, reviewer)


def choices_in_force(catalog: Catalog) -> dict[tuple[int, str], tuple[str, str]]:
    """(route_id, kind) -> (action, sha256) for every pin and reject in force."""
    return {(route, kind): (action, sha) for route, kind, action, sha in catalog.query(
        "SELECT route_id, kind, action, sha256 FROM route_choices")}


def _check_on_route(catalog: Catalog, route_id: int, sha256: str) -> None:
    if not catalog.scalar("SELECT count(*) FROM sightings WHERE route_id = ? AND sha256 = ?",
                          [route_id, sha256]):
        raise UsageError(f"photo {sha256[:12]} was not seen on route {route_id}")


def _record(catalog: Catalog, route_id: int, kind: str, action: str, sha256: str | None,
            reason: str | None, reviewer: str | None) -> int:
    if kind not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    with catalog.transaction() as tx:
        return tx.execute(
            "INSERT INTO cover_choices (route_id, kind, action, sha256, reason, reviewer) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING choice_id",
            [route_id, kind, action, sha256, reason, reviewer]).fetchone()[0]
