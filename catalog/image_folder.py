"""`cragcat export folder`: photos in the ImageFolder layout, with their provenance.

``DIR/<class>/<sha256>.<ext>`` (or ``DIR/<split>/<class>/...`` with the stored,
cluster-safe split) is what torchvision's ``ImageFolder``, fastai's
``ImageDataLoaders.from_folder`` and Keras' ``image_dataset_from_directory``
read. ``DIR/provenance.csv`` says where every file came from. A photo's class
is its human label, the current model's class, or (``both``) the human label
where there is one and the model's class elsewhere. Excluded photos are left out.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from catalog.outfile import write_table
from cragcat.errors import UsageError

LABEL_CHOICES = ("human", "model", "both")
PATH_COLUMN = {"originals": "original_path", "derivatives": "derivative_path"}
PROVENANCE = "provenance.csv"
_SAFE_CLASS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# One row per photo: its class under each rule, its split (a cluster shares one),
# and the first place it was seen.
PHOTOS_SQL = """
WITH cluster_split AS (
    SELECT coalesce(i.cluster_id, i.sha256) AS cluster, min(sp.split) AS split
    FROM splits sp JOIN images i ON i.sha256 = sp.sha256
    GROUP BY ALL
), first_seen AS (
    SELECT sha256, source_id, page_url, image_url, licence, credit
    FROM sightings
    QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY sighting_id) = 1
)
SELECT i.sha256, p.canonical_sha256 AS cluster, i.original_path, i.derivative_path,
       p.human_label,
       CASE WHEN p.status = 'tagged' THEN p.predicted_class END AS predicted_class,
       p.confidence, p.model_id,
       coalesce(sp.split, cs.split) AS split,
       src.kind AS source, f.page_url, f.image_url, f.licence, f.credit
FROM images i
JOIN photo_tags p ON p.sha256 = i.sha256
LEFT JOIN splits sp ON sp.sha256 = i.sha256
LEFT JOIN cluster_split cs ON cs.cluster = p.canonical_sha256
LEFT JOIN first_seen f ON f.sha256 = i.sha256
LEFT JOIN sources src ON src.source_id = f.source_id
WHERE i.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
ORDER BY i.sha256
"""


@dataclass
class FolderExport:
    """What an export wrote, and why the photos it left out were left out."""

    photos: int = 0
    by_class: Counter = field(default_factory=Counter)
    left_out: Counter = field(default_factory=Counter)
    provenance: Path | None = None


def photo_class(row: dict, labels: str) -> tuple[str | None, str | None]:
    """(class, where it came from) under the ``labels`` rule."""
    if labels in ("human", "both") and row["human_label"]:
        return row["human_label"], "human"
    if labels in ("model", "both") and row["predicted_class"]:
        return row["predicted_class"], "model"
    return None, None


def export_folder(catalog, out: Path, labels: str = "human", split: bool = False,
                  source: str = "originals") -> FolderExport:
    """Copy the catalog's photos into ``out`` in the ImageFolder layout."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty: export into a new or empty folder")
    result, provenance = FolderExport(), []
    for row in catalog.query_dicts(PHOTOS_SQL):
        target, reason = _target(row, labels, split, source)
        if reason is None:
            reason = _copy(catalog.store_dir / row[PATH_COLUMN[source]], out / target)
        if reason:
            result.left_out[reason] += 1
            continue
        label, origin = photo_class(row, labels)
        result.photos += 1
        result.by_class[label] += 1
        provenance.append(dict(path=target.as_posix(), label=label, label_origin=origin,
                               **{k: row[k] for k in _PROVENANCE_FIELDS}))
    result.provenance = out / PROVENANCE
    write_table(pa.Table.from_pylist(provenance, schema=_PROVENANCE_SCHEMA), "csv",
                result.provenance)
    return result


_PROVENANCE_FIELDS = ("split", "sha256", "cluster", "human_label", "predicted_class",
                      "confidence", "model_id", "source", "page_url", "image_url",
                      "licence", "credit")
_PROVENANCE_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("path", "label", "label_origin")]
    + [(name, pa.float64() if name == "confidence" else pa.string())
       for name in _PROVENANCE_FIELDS])


def _target(row: dict, labels: str, split: bool, source: str) -> tuple[Path | None, str | None]:
    """Where the photo goes, relative to the folder, or why it does not go anywhere."""
    label, _ = photo_class(row, labels)
    if label is None:
        return None, f"no {labels if labels != 'both' else 'human or model'} label"
    if not _SAFE_CLASS.match(label):
        return None, "label is not a safe folder name"
    if split and row["split"] is None:
        return None, "no stored split (train stores one)"
    name = Path(row[PATH_COLUMN[source]]).name
    return (Path(row["split"]) if split else Path()) / label / name, None


def _copy(source: Path, target: Path) -> str | None:
    if not source.is_file():
        return "file missing from the store"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return None
