-- Reports kept as tables (catalog.kept): the catalog's change count, bumped by every
-- write transaction, and each kept report's copy with the count it was kept at.
CREATE TABLE catalog_changes (generation BIGINT NOT NULL);
INSERT INTO catalog_changes VALUES (0);
CREATE SCHEMA kept;
CREATE TABLE kept_reports (
    name VARCHAR PRIMARY KEY,
    generation BIGINT NOT NULL,
    views VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    compute_seconds DOUBLE NOT NULL,
    kept_at TIMESTAMP NOT NULL
);
