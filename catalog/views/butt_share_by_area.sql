-- Areas by their share of butt-shots, worst first: where a guidebook's first screen needs cleaning.
-- kept: yes
SELECT area, path, photos, butt AS butt_shots, butt_share, glory AS glory_shots, area_id
FROM class_share_by_area
ORDER BY butt_share DESC, photos DESC, area
