-- Crawler: the parent of an area and the area of a route as the page said it
-- (a URL from the breadcrumb), resolved to ids once that page has been read.
ALTER TABLE areas ADD COLUMN parent_url VARCHAR;
ALTER TABLE routes ADD COLUMN area_url VARCHAR;
