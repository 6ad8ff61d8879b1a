-- Crawler: what each page said about each image it shows, kept until (and
-- after) the image's bytes arrive, so that an image URL shown on several pages
-- gets one fetch and one sighting per page, even across a killed and resumed crawl.
CREATE TABLE image_refs (
    image_url  VARCHAR NOT NULL,
    page_url   VARCHAR NOT NULL,
    source_id  INTEGER,
    area_id    INTEGER,
    route_id   INTEGER,
    caption    VARCHAR,
    credit     VARCHAR,
    licence    VARCHAR,
    votes      INTEGER,
    rating     DOUBLE,
    PRIMARY KEY (image_url, page_url)
);
