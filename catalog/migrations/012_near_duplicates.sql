-- Crawler: near-duplicate decisions. Every pair of images whose perceptual
-- hashes are within the threshold is kept with the verdict of the pixel
-- check, so a merge (or a refusal to merge, such as a topo drawn over the plain
-- photo) can always be explained. images.dedup_checked marks images already
-- searched against the catalog.
CREATE TABLE near_duplicates (
    sha256_a      VARCHAR NOT NULL,          -- the smaller SHA-256 of the pair
    sha256_b      VARCHAR NOT NULL,
    distance      INTEGER NOT NULL,          -- pHash Hamming distance
    edited_cells  INTEGER,                   -- grid cells that differ after alignment
    merged        BOOLEAN NOT NULL,
    reason        VARCHAR NOT NULL,          -- near-duplicate | edited (e.g. topo lines) | unreadable
    checked_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (sha256_a, sha256_b)
);
ALTER TABLE images ADD COLUMN dedup_checked BOOLEAN NOT NULL DEFAULT FALSE;
