-- Only mutualisation groups have a group id, but the index of active synergies by group held an entry
-- (NULL) for every substitution as well: one more index insertion per synergy written, for rows no
-- search by group ever reads. It now holds the groups only (searches say `group_id IS NOT NULL`).
DROP INDEX synergies_groups;
CREATE INDEX synergies_groups ON synergies (group_id) WHERE active AND group_id IS NOT NULL;
