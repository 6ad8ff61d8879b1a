-- The schema documents itself: a comment on every table and column, shown by
-- DuckDB's DESCRIBE / duckdb_columns() and by DBeaver. Not a migration: these
-- statements run again whenever a migration has run (catalog.connection), so a
-- table or column added by any later migration gets its comment here too. Views
-- get theirs from their description line when they are created (catalog.reports).

COMMENT ON TABLE cragcat_meta IS 'Marks the file as a cragcat catalog (key app = cragcat).';
COMMENT ON COLUMN cragcat_meta.key IS 'Setting name, e.g. app.';
COMMENT ON COLUMN cragcat_meta.value IS 'Setting value.';

COMMENT ON TABLE schema_migrations IS 'Numbered schema migrations applied to this catalog.';
COMMENT ON COLUMN schema_migrations.version IS 'Migration number (catalog/migrations/NNN_name.sql).';
COMMENT ON COLUMN schema_migrations.name IS 'Migration name, from its file name.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When the migration ran on this file.';

COMMENT ON TABLE sources IS 'A guidebook site, an API (OpenBeta) or a local folder that photos came from.';
COMMENT ON COLUMN sources.source_id IS 'Row id.';
COMMENT ON COLUMN sources.kind IS 'html | openbeta | folder.';
COMMENT ON COLUMN sources.name IS 'Crawl profile name, API root area or folder path.';
COMMENT ON COLUMN sources.base_url IS 'Where the source starts (site URL or API URL); NULL for a folder.';
COMMENT ON COLUMN sources.created_at IS 'When the source was first crawled.';

COMMENT ON TABLE areas IS 'The area tree (country > region > crag > sector) as each source tells it.';
COMMENT ON COLUMN areas.area_id IS 'Row id.';
COMMENT ON COLUMN areas.source_id IS 'sources.source_id of the source that named the area.';
COMMENT ON COLUMN areas.external_id IS 'The source''s own id of the area (OpenBeta area uuid) or its canonical URL.';
COMMENT ON COLUMN areas.name IS 'Area name as the source writes it.';
COMMENT ON COLUMN areas.parent_id IS 'areas.area_id of the parent area; NULL at the root.';
COMMENT ON COLUMN areas.path IS 'Breadcrumb, e.g. Country > Region > Crag.';
COMMENT ON COLUMN areas.url IS 'The area''s page on the source, where it has one.';
COMMENT ON COLUMN areas.parent_url IS 'The parent''s URL as the page gave it, resolved to parent_id once read.';

COMMENT ON TABLE routes IS 'Climbing routes (and boulder problems) as each source lists them.';
COMMENT ON COLUMN routes.route_id IS 'Row id.';
COMMENT ON COLUMN routes.source_id IS 'sources.source_id of the source that listed the route.';
COMMENT ON COLUMN routes.external_id IS 'The source''s own id of the route (OpenBeta climb uuid, a profile''s route id) or its canonical URL.';
COMMENT ON COLUMN routes.area_id IS 'areas.area_id of the route''s area.';
COMMENT ON COLUMN routes.name IS 'Route name as the source writes it.';
COMMENT ON COLUMN routes.grade IS 'Grade as the source writes it (French, YDS, Font, ...).';
COMMENT ON COLUMN routes.route_type IS 'sport, trad, boulder, ... where the source says.';
COMMENT ON COLUMN routes.url IS 'The route''s page on the source, where it has one.';
COMMENT ON COLUMN routes.grade_system IS 'The grade''s system (yds, french, uiaa, v, font, wi, ai, m, ewbank, british, aid, snow).';
COMMENT ON COLUMN routes.grade_value IS 'The grade''s value in that system.';
COMMENT ON COLUMN routes.route_types IS 'The route''s types from a fixed set (trad, sport, boulder, ice, mixed, alpine, aid, top rope).';
COMMENT ON COLUMN routes.area_url IS 'The area''s URL as the route page gave it, resolved to area_id once read.';

COMMENT ON TABLE pages IS 'The crawl frontier: one row per page, image or API URL, with its state.';
COMMENT ON COLUMN pages.url IS 'The URL (API calls: the API URL with #area/<uuid>).';
COMMENT ON COLUMN pages.source_id IS 'sources.source_id of the crawl that found it.';
COMMENT ON COLUMN pages.kind IS 'page | image | api.';
COMMENT ON COLUMN pages.state IS 'queued | done | failed | skipped.';
COMMENT ON COLUMN pages.reason IS 'Why it failed or was skipped (robots, off-site, http-404, ...).';
COMMENT ON COLUMN pages.depth IS 'Links followed from a start URL to reach it.';
COMMENT ON COLUMN pages.attempts IS 'Fetch attempts so far (retries included).';
COMMENT ON COLUMN pages.http_status IS 'HTTP status of the last response.';
COMMENT ON COLUMN pages.content_type IS 'Content-Type the server declared.';
COMMENT ON COLUMN pages.etag IS 'ETag of the last response, for conditional re-fetches.';
COMMENT ON COLUMN pages.last_modified IS 'Last-Modified of the last response, for conditional re-fetches.';
COMMENT ON COLUMN pages.sha256 IS 'For an image URL: SHA-256 of the bytes it served (images.sha256).';
COMMENT ON COLUMN pages.discovered_from IS 'The page that linked to it.';
COMMENT ON COLUMN pages.context IS 'What the referring page said about it (route, caption, ...), as JSON.';
COMMENT ON COLUMN pages.discovered_at IS 'When it was queued.';
COMMENT ON COLUMN pages.fetched_at IS 'When it was last fetched.';

COMMENT ON TABLE images IS 'One row per unique photo (by SHA-256 of its bytes), with its near-duplicate cluster.';
COMMENT ON COLUMN images.sha256 IS 'SHA-256 of the original bytes: the photo''s identity everywhere.';
COMMENT ON COLUMN images.bytes IS 'Size of the original file in bytes.';
COMMENT ON COLUMN images.format IS 'Image format of the original (JPEG, PNG, WEBP, ...).';
COMMENT ON COLUMN images.width IS 'Width in pixels of the upright original (after EXIF orientation).';
COMMENT ON COLUMN images.height IS 'Height in pixels of the upright original (after EXIF orientation).';
COMMENT ON COLUMN images.mode IS 'Pillow mode of the original (RGB, CMYK, L, ...).';
COMMENT ON COLUMN images.phash IS '64-bit perceptual hash (imagehash pHash) of the derivative.';
COMMENT ON COLUMN images.cluster_id IS 'SHA-256 of the canonical photo of its near-duplicate cluster (its own when alone).';
COMMENT ON COLUMN images.is_canonical IS 'True for the one photo of a cluster that is tagged; the others take its tag.';
COMMENT ON COLUMN images.original_path IS 'The original file, relative to the catalog''s store folder.';
COMMENT ON COLUMN images.derivative_path IS 'Model-ready RGB JPEG (shorter side 256 px), relative to the store folder.';
COMMENT ON COLUMN images.sharpness IS 'Variance of the Laplacian on the derivative (higher is sharper).';
COMMENT ON COLUMN images.first_seen IS 'When the photo first entered the catalog.';
COMMENT ON COLUMN images.dedup_checked IS 'Whether the photo was already searched against the catalog for near-duplicates.';

COMMENT ON TABLE sightings IS 'Every place a photo was seen: page, image URL, route or area, and what the page said about it.';
COMMENT ON COLUMN sightings.sighting_id IS 'Row id (in the order sightings were recorded).';
COMMENT ON COLUMN sightings.sighting_key IS 'Hash of (sha256, page, image URL, route, area): the same sighting twice is one row.';
COMMENT ON COLUMN sightings.sha256 IS 'images.sha256 of the photo seen.';
COMMENT ON COLUMN sightings.source_id IS 'sources.source_id of the source it was seen on.';
COMMENT ON COLUMN sightings.image_url IS 'The URL the site serves the photo at.';
COMMENT ON COLUMN sightings.page_url IS 'The page (or API entity, openbeta:climb/<uuid>) that shows it.';
COMMENT ON COLUMN sightings.area_id IS 'areas.area_id when the photo was shown for an area.';
COMMENT ON COLUMN sightings.route_id IS 'routes.route_id when the photo was shown for a route.';
COMMENT ON COLUMN sightings.caption IS 'Caption the page gave the photo.';
COMMENT ON COLUMN sightings.credit IS 'Photographer or uploader the page credits.';
COMMENT ON COLUMN sightings.licence IS 'Licence the page states for the photo (CC BY 4.0, All rights reserved, ...).';
COMMENT ON COLUMN sightings.votes IS 'Votes the photo has on the source, where it counts them.';
COMMENT ON COLUMN sightings.rating IS 'Rating (0..5) the photo has on the source, where it rates photos.';
COMMENT ON COLUMN sightings.seen_at IS 'When the sighting was recorded.';
COMMENT ON COLUMN sightings.photo_id IS 'The source''s own id of the photo (OpenBeta media id), where it has one.';

COMMENT ON TABLE image_refs IS 'Crawler: image URLs pages showed, with what the page said, kept until and after the bytes arrive.';
COMMENT ON COLUMN image_refs.image_url IS 'The image URL the page shows.';
COMMENT ON COLUMN image_refs.page_url IS 'The page (or API entity) that shows it.';
COMMENT ON COLUMN image_refs.source_id IS 'sources.source_id of the crawl.';
COMMENT ON COLUMN image_refs.area_id IS 'areas.area_id the page shows it for.';
COMMENT ON COLUMN image_refs.route_id IS 'routes.route_id the page shows it for.';
COMMENT ON COLUMN image_refs.caption IS 'Caption the page gave the image.';
COMMENT ON COLUMN image_refs.credit IS 'Photographer or uploader the page credits.';
COMMENT ON COLUMN image_refs.licence IS 'Licence the page states for the image.';
COMMENT ON COLUMN image_refs.votes IS 'Votes the image has on the source.';
COMMENT ON COLUMN image_refs.rating IS 'Rating (0..5) the image has on the source.';
COMMENT ON COLUMN image_refs.photo_page IS 'The photo''s own page the reference came with (a profile''s photo_page).';
COMMENT ON COLUMN image_refs.photo_id IS 'The source''s own id of the photo (OpenBeta media id).';

COMMENT ON TABLE near_duplicates IS 'Crawler: every pair of photos with close perceptual hashes and the pixel check''s verdict.';
COMMENT ON COLUMN near_duplicates.sha256_a IS 'The smaller SHA-256 of the pair.';
COMMENT ON COLUMN near_duplicates.sha256_b IS 'The larger SHA-256 of the pair.';
COMMENT ON COLUMN near_duplicates.distance IS 'Hamming distance of their pHashes.';
COMMENT ON COLUMN near_duplicates.edited_cells IS 'Grid cells that differ after alignment.';
COMMENT ON COLUMN near_duplicates.merged IS 'Whether the pair was put in one cluster.';
COMMENT ON COLUMN near_duplicates.reason IS 'near-duplicate | edited (many cells differ, e.g. topo lines drawn on) | drawn-line (few cells differ, along a long thin stroke: a route line) | unreadable.';
COMMENT ON COLUMN near_duplicates.checked_at IS 'When the pair was checked.';

COMMENT ON TABLE labels IS 'Human labels (folder import, CSV import, the sample site''s ground truth).';
COMMENT ON COLUMN labels.sha256 IS 'images.sha256 of the labelled photo.';
COMMENT ON COLUMN labels.label IS 'The class a person gave: glory | butt | topo | ...';
COMMENT ON COLUMN labels.origin IS 'Where the label came from (folder, csv, ...).';
COMMENT ON COLUMN labels.labelled_at IS 'When the label was recorded.';

COMMENT ON TABLE splits IS 'Stored train / validation / test assignment (a near-duplicate cluster in one split), reused by every run.';
COMMENT ON COLUMN splits.sha256 IS 'images.sha256 of the photo.';
COMMENT ON COLUMN splits.split IS 'train | val | test.';
COMMENT ON COLUMN splits.assigned_at IS 'When the photo was given its split.';

COMMENT ON TABLE train_runs IS 'Training runs: configuration, outcome and artifact.';
COMMENT ON COLUMN train_runs.run_id IS 'Run id (also the models/<run>/ folder name).';
COMMENT ON COLUMN train_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN train_runs.finished_at IS 'When the run ended.';
COMMENT ON COLUMN train_runs.status IS 'running | finished | stopped | collapsed | failed.';
COMMENT ON COLUMN train_runs.config IS 'The training settings used, as JSON.';
COMMENT ON COLUMN train_runs.labels_hash IS 'Hash of the labels trained on.';
COMMENT ON COLUMN train_runs.device IS 'cpu | cuda.';
COMMENT ON COLUMN train_runs.artifact_path IS 'The model artifact written.';
COMMENT ON COLUMN train_runs.model_id IS 'models.model_id of the artifact.';
COMMENT ON COLUMN train_runs.collapsed IS 'Whether training collapsed to one class.';
COMMENT ON COLUMN train_runs.message IS 'Why the run stopped or failed, in words.';

COMMENT ON TABLE train_epochs IS 'Per-epoch losses and accuracies of each training run.';
COMMENT ON COLUMN train_epochs.run_id IS 'train_runs.run_id.';
COMMENT ON COLUMN train_epochs.epoch IS 'Epoch number, from 1.';
COMMENT ON COLUMN train_epochs.train_loss IS 'Mean training loss.';
COMMENT ON COLUMN train_epochs.train_accuracy IS 'Training accuracy.';
COMMENT ON COLUMN train_epochs.val_loss IS 'Validation loss.';
COMMENT ON COLUMN train_epochs.val_accuracy IS 'Validation accuracy.';
COMMENT ON COLUMN train_epochs.lr IS 'Learning rate at the end of the epoch.';
COMMENT ON COLUMN train_epochs.seconds IS 'Wall-clock seconds the epoch took.';

COMMENT ON TABLE models IS 'Trained model artifacts (safetensors) known to the catalog.';
COMMENT ON COLUMN models.model_id IS 'SHA-256 of the artifact file.';
COMMENT ON COLUMN models.path IS 'Where the artifact file is.';
COMMENT ON COLUMN models.backbone IS 'Backbone name (efficientnet_lite0, resnet18, ...).';
COMMENT ON COLUMN models.classes IS 'Classes in the model''s output order.';
COMMENT ON COLUMN models.threshold IS 'Top probability under which a photo is tagged other.';
COMMENT ON COLUMN models.image_size IS 'Input size in pixels (square).';
COMMENT ON COLUMN models.test_accuracy IS 'Accuracy on the stored test split.';
COMMENT ON COLUMN models.test_loss IS 'Loss on the stored test split.';
COMMENT ON COLUMN models.bytes IS 'Size of the artifact file.';
COMMENT ON COLUMN models.run_id IS 'train_runs.run_id that made it.';
COMMENT ON COLUMN models.metrics IS 'Scores and export details, as JSON.';
COMMENT ON COLUMN models.created_at IS 'When the model was recorded.';

COMMENT ON TABLE tags IS 'A model''s verdict on a canonical photo (near-duplicates take it through images.cluster_id), or why there is none.';
COMMENT ON COLUMN tags.sha256 IS 'images.sha256 of the canonical photo.';
COMMENT ON COLUMN tags.model_id IS 'models.model_id of the model.';
COMMENT ON COLUMN tags.status IS 'tagged | failed.';
COMMENT ON COLUMN tags.class IS 'glory | butt | topo | other (top probability under the threshold).';
COMMENT ON COLUMN tags.confidence IS 'Probability of the top class.';
COMMENT ON COLUMN tags.probabilities IS 'Probability of every class, as a MAP(class, probability).';
COMMENT ON COLUMN tags.reason IS 'Why tagging failed (unreadable derivative, ...).';
COMMENT ON COLUMN tags.tagged_at IS 'When the tag was written.';
COMMENT ON COLUMN tags.run_id IS 'tag_runs.run_id that wrote it (NULL before tag runs were recorded).';

COMMENT ON TABLE tag_runs IS 'Tagging runs: model, device, inference backend and counts.';
COMMENT ON COLUMN tag_runs.run_id IS 'Row id.';
COMMENT ON COLUMN tag_runs.model_id IS 'models.model_id tagged with.';
COMMENT ON COLUMN tag_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN tag_runs.finished_at IS 'When the run ended.';
COMMENT ON COLUMN tag_runs.status IS 'running | finished | interrupted.';
COMMENT ON COLUMN tag_runs.retag IS 'Whether photos already tagged by this model were tagged again.';
COMMENT ON COLUMN tag_runs.threshold IS 'Threshold used for other.';
COMMENT ON COLUMN tag_runs.device IS 'cpu | cuda.';
COMMENT ON COLUMN tag_runs.backend IS 'Inference backend (eager, channels_last, jit, int8, onnx, compile, cuda_bf16).';
COMMENT ON COLUMN tag_runs.backend_timings IS 'Seconds per photo of each candidate backend on the calibration batch, as JSON.';
COMMENT ON COLUMN tag_runs.batch_size IS 'Photos per inference batch.';
COMMENT ON COLUMN tag_runs.workers IS 'DataLoader processes decoding derivatives.';
COMMENT ON COLUMN tag_runs.threads IS 'Torch threads for the model''s maths (CPU).';
COMMENT ON COLUMN tag_runs.counts IS 'tagged, skipped, failed, by_class, seconds, as JSON.';

COMMENT ON TABLE route_covers IS 'The model''s suggested cover photo and best topo of each route, per model (a person''s pin wins: route_choices).';
COMMENT ON COLUMN route_covers.route_id IS 'routes.route_id.';
COMMENT ON COLUMN route_covers.model_id IS 'models.model_id whose tags chose it.';
COMMENT ON COLUMN route_covers.kind IS 'cover | topo.';
COMMENT ON COLUMN route_covers.sha256 IS 'images.sha256 of the chosen photo; NULL when there is no candidate.';
COMMENT ON COLUMN route_covers.score IS 'Score of the chosen photo (model sureness and card quality).';
COMMENT ON COLUMN route_covers.reason IS 'Why this photo, or why none, in words.';
COMMENT ON COLUMN route_covers.chosen_at IS 'When it was chosen.';

COMMENT ON TABLE area_covers IS 'The model''s suggested cover photo of each area, per model.';
COMMENT ON COLUMN area_covers.area_id IS 'areas.area_id.';
COMMENT ON COLUMN area_covers.model_id IS 'models.model_id whose tags chose it.';
COMMENT ON COLUMN area_covers.sha256 IS 'images.sha256 of the chosen photo; NULL when there is no candidate.';
COMMENT ON COLUMN area_covers.score IS 'Score of the chosen photo.';
COMMENT ON COLUMN area_covers.reason IS 'Why this photo, or why none, in words.';
COMMENT ON COLUMN area_covers.chosen_at IS 'When it was chosen.';

COMMENT ON TABLE crawl_runs IS 'Crawl runs: source, status and counts.';
COMMENT ON COLUMN crawl_runs.run_id IS 'Row id.';
COMMENT ON COLUMN crawl_runs.source_id IS 'sources.source_id crawled.';
COMMENT ON COLUMN crawl_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN crawl_runs.finished_at IS 'When the run ended.';
COMMENT ON COLUMN crawl_runs.status IS 'running | finished | interrupted.';
COMMENT ON COLUMN crawl_runs.counts IS 'Pages, images, sightings, failures by reason, as JSON.';

COMMENT ON TABLE crawl_errors IS 'Per-item failures of a crawl: data, not a crashed run.';
COMMENT ON COLUMN crawl_errors.url IS 'The URL that failed.';
COMMENT ON COLUMN crawl_errors.source_id IS 'sources.source_id of the crawl.';
COMMENT ON COLUMN crawl_errors.run_id IS 'crawl_runs.run_id.';
COMMENT ON COLUMN crawl_errors.reason IS 'http-404, not-an-image, truncated, too-large, ...';
COMMENT ON COLUMN crawl_errors.detail IS 'More about the failure, in words.';
COMMENT ON COLUMN crawl_errors.failed_at IS 'When it failed.';

COMMENT ON TABLE exclusions IS 'Photos a person took out of the results (takedown, licence, private person) or restored; append-only.';
COMMENT ON COLUMN exclusions.exclusion_id IS 'Row id (later rows win).';
COMMENT ON COLUMN exclusions.sha256 IS 'images.sha256 of the photo acted on.';
COMMENT ON COLUMN exclusions.action IS 'exclude | restore.';
COMMENT ON COLUMN exclusions.reason IS 'takedown, licence, private person, ...';
COMMENT ON COLUMN exclusions.reviewer IS 'Who decided.';
COMMENT ON COLUMN exclusions.created_at IS 'When it was decided.';

COMMENT ON TABLE cover_choices IS 'A person''s pin, reject or clear of a route''s cover or topo; append-only, the latest per route and kind is in force.';
COMMENT ON COLUMN cover_choices.choice_id IS 'Row id (later rows win).';
COMMENT ON COLUMN cover_choices.route_id IS 'routes.route_id.';
COMMENT ON COLUMN cover_choices.kind IS 'cover | topo.';
COMMENT ON COLUMN cover_choices.action IS 'pin (this photo, whatever the model says) | reject (not the suggested photo) | clear.';
COMMENT ON COLUMN cover_choices.sha256 IS 'images.sha256 of the photo pinned or rejected.';
COMMENT ON COLUMN cover_choices.reason IS 'Why, in words.';
COMMENT ON COLUMN cover_choices.reviewer IS 'Who decided.';
COMMENT ON COLUMN cover_choices.created_at IS 'When it was decided.';

COMMENT ON TABLE label_history IS 'Every human label ever given, append-only: who, when, from where and which label it replaced (labels holds the current one).';
COMMENT ON COLUMN label_history.history_id IS 'Row id (later rows win).';
COMMENT ON COLUMN label_history.sha256 IS 'images.sha256 of the labelled photo.';
COMMENT ON COLUMN label_history.label IS 'The label given; NULL: the photo went back to having no label.';
COMMENT ON COLUMN label_history.replaced IS 'The label in force before this row (NULL: none).';
COMMENT ON COLUMN label_history.origin IS 'Where it came from: review, folder, csv:NAME, ...';
COMMENT ON COLUMN label_history.reviewer IS 'Who gave it.';
COMMENT ON COLUMN label_history.undoes IS 'label_history.history_id of the row this one undoes.';
COMMENT ON COLUMN label_history.created_at IS 'When it was given.';

COMMENT ON TABLE catalog_changes IS 'One row: how many write transactions the catalog has seen. A kept report is current while this is the count it was kept at.';
COMMENT ON COLUMN catalog_changes.generation IS 'The count, bumped by every transaction that writes data.';

COMMENT ON TABLE kept_reports IS 'Reports kept as tables in the schema kept (report --keep, and tag-catalog on big catalogs): which, when, and whether still current.';
COMMENT ON COLUMN kept_reports.name IS 'The report (kept.NAME holds its rows in report order).';
COMMENT ON COLUMN kept_reports.generation IS 'catalog_changes.generation when it was kept: current while equal.';
COMMENT ON COLUMN kept_reports.views IS 'Digest of the report views that computed it: a cragcat with other views computes live.';
COMMENT ON COLUMN kept_reports.rows IS 'Rows kept.';
COMMENT ON COLUMN kept_reports.compute_seconds IS 'Seconds it took to compute and write them.';
COMMENT ON COLUMN kept_reports.kept_at IS 'When it was kept.';
