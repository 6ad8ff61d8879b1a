-- Photos a person took out of the catalog's results (takedown request, wrong
-- licence, a private person). Append-only: an exclusion is undone by a later
-- 'restore' row, never by deleting, so who did what and why stays on record.

CREATE SEQUENCE exclusion_ids START 1;

CREATE TABLE exclusions (
    exclusion_id BIGINT PRIMARY KEY DEFAULT nextval('exclusion_ids'),
    sha256       VARCHAR NOT NULL,          -- the photo a person acted on
    action       VARCHAR NOT NULL CHECK (action IN ('exclude', 'restore')),
    reason       VARCHAR,                   -- takedown, licence, private person, ...
    reviewer     VARCHAR,                   -- who decided
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);
