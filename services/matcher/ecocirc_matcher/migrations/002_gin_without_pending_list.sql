-- GIN indexes gather new entries in a pending list that every search reads in full until a vacuum
-- merges it. A worker searches these indexes at every batch (synergies of the flows it changes,
-- flows other workers wrote in its classes) while it inserts thousands of rows a second: the
-- searches then read megabytes of pending entries each (bench.matcher_profile: PostgreSQL spent
-- 63 µs per synergy written with the pending list, 29 without). Entries go straight into the index.
ALTER INDEX synergies_flows SET (fastupdate = off);
ALTER INDEX flows_classes SET (fastupdate = off);
SELECT gin_clean_pending_list('synergies_flows'::regclass);
SELECT gin_clean_pending_list('flows_classes'::regclass);
