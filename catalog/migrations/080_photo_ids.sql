-- Export: the source's own id of a photo (OpenBeta's media id), kept with each
-- reference and sighting so an export can name the photo the way its site does.
ALTER TABLE image_refs ADD COLUMN photo_id VARCHAR;
ALTER TABLE sightings ADD COLUMN photo_id VARCHAR;
