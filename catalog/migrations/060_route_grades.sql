-- Crawler: a route's grade and types as data. routes.grade and routes.route_type
-- keep the page's own text; these hold what it means (crawler/grades.py):
-- the grade's system (yds, french, uiaa, v, font, wi, ai, m, ewbank, british,
-- aid, snow) and value, and the route's types from a small fixed set
-- (trad, sport, boulder, ice, mixed, alpine, aid, top rope).
ALTER TABLE routes ADD COLUMN grade_system VARCHAR;
ALTER TABLE routes ADD COLUMN grade_value VARCHAR;
ALTER TABLE routes ADD COLUMN route_types VARCHAR[];

-- Crawler: the photo's own page a reference came with (a profile's photo_page), so
-- that what that page says (credit, full caption, licence) reaches every sighting
-- of the photo, whichever size of it each page showed.
ALTER TABLE image_refs ADD COLUMN photo_page VARCHAR;
