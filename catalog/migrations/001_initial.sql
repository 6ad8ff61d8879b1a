-- The first cragcat catalog schema: every table the stages meet in.
-- Later changes come as new numbered files; never edit an applied one.

CREATE SEQUENCE source_ids START 1;
CREATE SEQUENCE area_ids START 1;
CREATE SEQUENCE route_ids START 1;
CREATE SEQUENCE sighting_ids START 1;
CREATE SEQUENCE crawl_run_ids START 1;

-- A guidebook site, an API or a local folder that photos came from.
CREATE TABLE sources (
    source_id   INTEGER PRIMARY KEY DEFAULT nextval('source_ids'),
    kind        VARCHAR NOT NULL,          -- html | openbeta | folder
    name        VARCHAR NOT NULL,          -- profile name, API root area, folder path
    base_url    VARCHAR,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (kind, name)
);

-- The area tree (country > region > crag > sector) as each source tells it.
CREATE TABLE areas (
    area_id     INTEGER PRIMARY KEY DEFAULT nextval('area_ids'),
    source_id   INTEGER NOT NULL,
    external_id VARCHAR NOT NULL,          -- the source's id or canonical URL
    name        VARCHAR NOT NULL,
    parent_id   INTEGER,                   -- areas.area_id; NULL at the root
    path        VARCHAR,                   -- breadcrumb, 'Country > Region > Crag'
    url         VARCHAR,
    UNIQUE (source_id, external_id)
);

CREATE TABLE routes (
    route_id    INTEGER PRIMARY KEY DEFAULT nextval('route_ids'),
    source_id   INTEGER NOT NULL,
    external_id VARCHAR NOT NULL,
    area_id     INTEGER,                   -- areas.area_id
    name        VARCHAR NOT NULL,
    grade       VARCHAR,
    route_type  VARCHAR,                   -- sport, trad, boulder, ...
    url         VARCHAR,
    UNIQUE (source_id, external_id)
);

-- The crawl frontier: one row per page or image URL, with its state.
CREATE TABLE pages (
    url             VARCHAR PRIMARY KEY,
    source_id       INTEGER,
    kind            VARCHAR NOT NULL,      -- page | image | api
    state           VARCHAR NOT NULL,      -- queued | done | failed | skipped
    reason          VARCHAR,               -- why failed or skipped (robots, off-site, http-404, ...)
    depth           INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    http_status     INTEGER,
    content_type    VARCHAR,
    etag            VARCHAR,
    last_modified   VARCHAR,
    sha256          VARCHAR,               -- for image URLs: the bytes they served
    discovered_from VARCHAR,
    context         JSON,                  -- what the referring page said (route, caption, ...)
    discovered_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    fetched_at      TIMESTAMP
);

-- One row per unique image (by SHA-256 of its bytes).
CREATE TABLE images (
    sha256          VARCHAR PRIMARY KEY,
    bytes           BIGINT NOT NULL,
    format          VARCHAR NOT NULL,      -- JPEG, PNG, WEBP, ...
    width           INTEGER NOT NULL,      -- after EXIF orientation
    height          INTEGER NOT NULL,
    mode            VARCHAR,               -- Pillow mode of the original (RGB, CMYK, L, ...)
    phash           UBIGINT,               -- 64-bit perceptual hash
    cluster_id      VARCHAR,               -- sha256 of the near-duplicate cluster's canonical image
    is_canonical    BOOLEAN NOT NULL DEFAULT TRUE,
    original_path   VARCHAR NOT NULL,      -- relative to the catalog's store folder
    derivative_path VARCHAR NOT NULL,      -- model-ready copy, relative to the store folder
    sharpness       DOUBLE,                -- variance of the Laplacian on the derivative
    first_seen      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Every place an image was seen, duplicates included.
CREATE TABLE sightings (
    sighting_id  BIGINT PRIMARY KEY DEFAULT nextval('sighting_ids'),
    sighting_key VARCHAR NOT NULL UNIQUE,  -- hash of (sha256, page, image URL, route, area)
    sha256       VARCHAR NOT NULL,
    source_id    INTEGER,
    image_url    VARCHAR,
    page_url     VARCHAR,
    area_id      INTEGER,
    route_id     INTEGER,
    caption      VARCHAR,
    credit       VARCHAR,
    licence      VARCHAR,
    votes        INTEGER,
    rating       DOUBLE,
    seen_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Human labels (folder import, CSV import, the sample site's ground truth).
CREATE TABLE labels (
    sha256      VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    origin      VARCHAR NOT NULL,
    labelled_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Stored train / validation / test assignment, reused by every run.
CREATE TABLE splits (
    sha256      VARCHAR PRIMARY KEY,
    split       VARCHAR NOT NULL,          -- train | val | test
    assigned_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE train_runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,        -- running | finished | stopped | collapsed | failed
    config        JSON,
    labels_hash   VARCHAR,
    device        VARCHAR,
    artifact_path VARCHAR,
    model_id      VARCHAR,
    collapsed     BOOLEAN NOT NULL DEFAULT FALSE,
    message       VARCHAR
);

CREATE TABLE train_epochs (
    run_id         VARCHAR NOT NULL,
    epoch          INTEGER NOT NULL,
    train_loss     DOUBLE,
    train_accuracy DOUBLE,
    val_loss       DOUBLE,
    val_accuracy   DOUBLE,
    lr             DOUBLE,
    seconds        DOUBLE,
    PRIMARY KEY (run_id, epoch)
);

-- A trained model artifact.
CREATE TABLE models (
    model_id      VARCHAR PRIMARY KEY,     -- sha256 of the artifact file
    path          VARCHAR NOT NULL,
    backbone      VARCHAR NOT NULL,
    classes       VARCHAR[] NOT NULL,
    threshold     DOUBLE NOT NULL,
    image_size    INTEGER,
    test_accuracy DOUBLE,
    test_loss     DOUBLE,
    bytes         BIGINT,
    run_id        VARCHAR,
    metrics       JSON,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A model's verdict on a canonical image (or why it could not give one).
CREATE TABLE tags (
    sha256        VARCHAR NOT NULL,
    model_id      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL DEFAULT 'tagged',  -- tagged | failed
    class         VARCHAR,                 -- glory | butt | topo | other
    confidence    DOUBLE,
    probabilities MAP(VARCHAR, DOUBLE),
    reason        VARCHAR,
    tagged_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (sha256, model_id)
);

-- The suggested cover photo and best topo of each route, per model.
CREATE TABLE route_covers (
    route_id   INTEGER NOT NULL,
    model_id   VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,           -- cover | topo
    sha256     VARCHAR,                    -- NULL when there is no candidate
    score      DOUBLE,
    reason     VARCHAR NOT NULL,
    chosen_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (route_id, model_id, kind)
);

CREATE TABLE area_covers (
    area_id    INTEGER NOT NULL,
    model_id   VARCHAR NOT NULL,
    sha256     VARCHAR,
    score      DOUBLE,
    reason     VARCHAR NOT NULL,
    chosen_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (area_id, model_id)
);

CREATE TABLE crawl_runs (
    run_id      INTEGER PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
    source_id   INTEGER,
    started_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    finished_at TIMESTAMP,
    status      VARCHAR NOT NULL,          -- running | finished | interrupted
    counts      JSON
);

-- Per-item failures of a crawl: data, not a crashed run.
CREATE TABLE crawl_errors (
    url       VARCHAR NOT NULL,
    source_id INTEGER,
    run_id    INTEGER,
    reason    VARCHAR NOT NULL,            -- http-404, not-an-image, truncated, too-large, ...
    detail    VARCHAR,
    failed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
