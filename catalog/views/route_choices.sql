-- A person's choice in force for each route's cover and topo (pin or reject), with who made it, when and why; cleared choices drop out.
SELECT route_id, kind, action, sha256, reason, reviewer, created_at AS chosen_at
FROM cover_choices
QUALIFY row_number() OVER (PARTITION BY route_id, kind ORDER BY choice_id DESC) = 1
    AND action <> 'clear'
ORDER BY route_id, kind
