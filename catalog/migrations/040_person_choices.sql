-- What a person decided, kept apart from what a model suggests: photos taken
-- out of the results (takedown request, wrong licence, a private person) and
-- route covers and topos chosen by hand. Both tables are append-only.

CREATE SEQUENCE exclusion_ids START 1;

CREATE TABLE exclusions (
    exclusion_id BIGINT PRIMARY KEY DEFAULT nextval('exclusion_ids'),
    sha256       VARCHAR NOT NULL,          -- the photo a person acted on
    action       VARCHAR NOT NULL CHECK (action IN ('exclude', 'restore')),
    reason       VARCHAR,                   -- takedown, licence, private person, ...
    reviewer     VARCHAR,                   -- who decided
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A person's choice of a route's cover or topo, which outlives re-tagging:
-- 'pin' puts a photo there whatever the model says, 'reject' refuses the
-- photo the model suggested (with a reason), 'clear' withdraws an earlier pin
-- or reject. Append-only, like exclusions; the latest row per route and kind
-- is in force (the route_choices view).
CREATE SEQUENCE cover_choice_ids START 1;

CREATE TABLE cover_choices (
    choice_id  BIGINT PRIMARY KEY DEFAULT nextval('cover_choice_ids'),
    route_id   INTEGER NOT NULL,
    kind       VARCHAR NOT NULL CHECK (kind IN ('cover', 'topo')),
    action     VARCHAR NOT NULL CHECK (action IN ('pin', 'reject', 'clear')),
    sha256     VARCHAR,                   -- the photo pinned or rejected
    reason     VARCHAR,
    reviewer   VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
