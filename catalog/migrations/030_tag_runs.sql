-- Tag runs: which model tagged the catalog, on which device and inference
-- backend (chosen by measurement on CPU), and what came of it.

CREATE SEQUENCE tag_run_ids START 1;

CREATE TABLE tag_runs (
    run_id          INTEGER PRIMARY KEY DEFAULT nextval('tag_run_ids'),
    model_id        VARCHAR NOT NULL,
    started_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,      -- running | finished | interrupted
    retag           BOOLEAN NOT NULL DEFAULT FALSE,
    threshold       DOUBLE,
    device          VARCHAR,               -- cpu | cuda
    backend         VARCHAR,               -- eager | channels_last | jit | int8 | compile | cuda_bf16
    backend_timings JSON,                  -- seconds per photo of each candidate on the calibration batch
    batch_size      INTEGER,
    workers         INTEGER,               -- DataLoader processes decoding derivatives
    threads         INTEGER,               -- torch threads for the model's maths (CPU)
    counts          JSON                   -- tagged, skipped, failed, by_class, seconds
);

-- Which run wrote a tag (NULL for tags written before this migration).
ALTER TABLE tags ADD COLUMN run_id INTEGER;
