-- Every human label ever given, append-only: who gave it, when, from where and
-- which label it replaced. `labels` stays the current label per photo (what
-- training reads); catalog.labels.write_labels writes both in one transaction.
-- An undo is a new row that puts back what the undone row replaced.
CREATE SEQUENCE label_history_ids START 1;

CREATE TABLE label_history (
    history_id BIGINT PRIMARY KEY DEFAULT nextval('label_history_ids'),
    sha256     VARCHAR NOT NULL,
    label      VARCHAR,                 -- NULL: the photo went back to having no label
    replaced   VARCHAR,                 -- the label in force before this row (NULL: none)
    origin     VARCHAR NOT NULL,        -- review, folder, csv:NAME, ...
    reviewer   VARCHAR,
    undoes     BIGINT,                  -- the history row this one undoes
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Labels given before the history existed become its first rows.
INSERT INTO label_history (sha256, label, replaced, origin, created_at)
SELECT sha256, label, NULL, origin, labelled_at FROM labels ORDER BY labelled_at, sha256;
