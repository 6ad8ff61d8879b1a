"""The one writer of each shared table: models and labels, and their conflict rules."""

import json

from catalog import open_catalog
from catalog.labels import record_labels
from catalog.models import ModelRecord, forget_model, record_model

CLASSES = ["glory", "butt", "topo"]


def test_a_model_first_recorded_stands_and_a_later_record_only_fills_blanks(catalog_path):
    trained = ModelRecord("m1", "/models/run/model.safetensors", "efficientnet_lite0", CLASSES,
                          0.5, 224, test_accuracy=0.9, test_loss=None, bytes=1000,
                          run_id="run", metrics={"per_class": {"glory": 0.9}})
    seen_by_tagger = ModelRecord("m1", "model.safetensors", "efficientnet_lite0", CLASSES,
                                 0.5, 224, test_accuracy=0.9, test_loss=0.3,
                                 metrics={"test_accuracy": 0.9})
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            record_model(tx, trained)
            record_model(tx, seen_by_tagger)
        row = catalog.query_one("SELECT path, test_loss, bytes, run_id, metrics FROM models")
        assert row[:4] == ("/models/run/model.safetensors", 0.3, 1000, "run")
        assert json.loads(row[4]) == {"per_class": {"glory": 0.9}}
        with catalog.transaction() as tx:
            forget_model(tx, "m1")
        assert catalog.scalar("SELECT count(*) FROM models") == 0


def test_a_folder_keeps_an_earlier_label_while_a_csv_corrects_it(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            first = record_labels(tx, {"a": "glory", "b": "butt"}, "folder")
            folder = record_labels(tx, {"a": "glory", "b": "topo", "c": "topo"}, "folder")
        assert (first["new"], folder["new"], folder["same"], folder["conflict"]) == (2, 1, 1, 1)
        assert catalog.scalar("SELECT label FROM labels WHERE sha256 = 'b'") == "butt"
        with catalog.transaction() as tx:
            csv = record_labels(tx, {"b": "topo", "c": "topo"}, "csv:labels.csv", relabel=True)
        assert (csv["changed"], csv["same"], csv["new"]) == (1, 1, 0)
        assert catalog.query_one("SELECT label, origin FROM labels WHERE sha256 = 'b'") == \
            ("topo", "csv:labels.csv")
