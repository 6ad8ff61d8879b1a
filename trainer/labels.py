"""Human labels: import a CSV (a sha256 or url column, a label or human_label column), export them, read them for training.

A row that cannot be used (unknown photo, unknown class, malformed hash) is
reported with its line number and reason; the good rows are imported in one
transaction, so a bad file never leaves half an import behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from catalog.labels import record_labels
from trainer.errors import LabelsFileError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class LabelImport:
    """What an import did: counts, and every refused row with its reason."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, value, reason)

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, reason in self.refused:
            counts[reason] = counts.get(reason, 0) + 1
        return counts


def read_labels_csv(path: Path) -> tuple[str, list[tuple[int, str, str]]]:
    """(key column, [(line, key, label)]) from a CSV whose header names sha256 or url."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsFileError(f"{path}: cannot read labels file ({exc})") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    key = next((k for k in ("sha256", "url") if k in header), None)
    # human_label: the review_queue report's own column, so its CSV comes back filled in
    label_column = next((k for k in ("label", "human_label") if k in header), None)
    if key is None or label_column is None:
        raise LabelsFileError(f"{path}: the header must name a sha256 (or url) column and a "
                              f"label (or human_label) column (found "
                              f"{','.join(header) or 'nothing'})")
    key_at, label_at = header.index(key), header.index(label_column)
    rows = []
    for line, row in enumerate(reader, start=2):
        cells = [c.strip() for c in row] + [""] * len(header)
        if cells[label_at]:  # a blank line, or a queue row not labelled yet: no label
            rows.append((line, cells[key_at], cells[label_at]))
    return key, rows


def import_labels(catalog, path: Path, classes: list[str], origin: str | None = None
                  ) -> LabelImport:
    """Add or change labels from a CSV; refused rows are listed, never fatal."""
    key, rows = read_labels_csv(path)
    origin = origin or f"csv:{path.name}"
    result = LabelImport()
    accepted: dict[str, str] = {}
    for line, value, label in rows:
        sha, reason = _resolve(catalog, key, value)
        if reason is None and label not in classes:
            reason = "unknown-class"
        if reason is not None:
            result.refused.append((line, value, reason))
            continue
        accepted[sha] = label
    with catalog.transaction() as tx:
        verdicts = record_labels(tx, accepted, origin, relabel=True)
    result.added, result.changed, result.unchanged = (verdicts["new"], verdicts["changed"],
                                                      verdicts["same"])
    return result


def _resolve(catalog, key: str, value: str) -> tuple[str | None, str | None]:
    if key == "sha256":
        sha = value.lower()
        if not _SHA256.match(sha):
            return None, "not-a-sha256"
        found = catalog.scalar("SELECT sha256 FROM images WHERE sha256 = ?", [sha])
        return (sha, None) if found else (None, "unknown-photo")
    if not value:
        return None, "empty-url"
    sha = catalog.scalar("SELECT sha256 FROM sightings WHERE image_url = ? LIMIT 1", [value])
    if sha is None:
        sha = catalog.scalar("SELECT sha256 FROM pages WHERE url = ? AND sha256 IS NOT NULL",
                             [value])
    return (sha, None) if sha else (None, "unknown-url")


def export_labels(catalog) -> str:
    """All labels as CSV text (sha256,label,origin,split), importable again."""
    rows = catalog.query("""SELECT l.sha256, l.label, l.origin, s.split
                            FROM labels l LEFT JOIN splits s USING (sha256)
                            ORDER BY l.label, l.sha256""")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["sha256", "label", "origin", "split"])
    writer.writerows(rows)
    return buffer.getvalue()


@dataclass(frozen=True)
class LabelledPhoto:
    """One labelled photo as training sees it."""

    sha256: str
    label: str
    derivative: Path
    cluster: str


def labelled_photos(catalog, classes: list[str]) -> tuple[list[LabelledPhoto], dict[str, int]]:
    """Labelled photos with a derivative, and counts of those left out by reason."""
    rows = catalog.query("""SELECT l.sha256, l.label, i.derivative_path,
                                   coalesce(i.cluster_id, l.sha256), i.sha256 IS NULL
                            FROM labels l LEFT JOIN images i USING (sha256)
                            ORDER BY l.sha256""")
    photos, skipped = [], {}
    for sha, label, derivative, cluster, no_image in rows:
        reason = ("no-image" if no_image else
                  "unknown-class" if label not in classes else None)
        if reason is None:
            path = catalog.store_dir / derivative
            if not path.is_file():
                reason = "derivative-missing"
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        photos.append(LabelledPhoto(sha, label, path, cluster))
    return photos, skipped


def labels_hash(photos: list[LabelledPhoto], splits: dict[str, str]) -> str:
    """sha256 over the sorted (sha256, label, split) triples a model was trained on."""
    digest = hashlib.sha256()
    for photo in sorted(photos, key=lambda p: p.sha256):
        digest.update(f"{photo.sha256},{photo.label},{splits.get(photo.sha256)}\n".encode())
    return digest.hexdigest()
