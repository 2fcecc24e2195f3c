-- Migration from schema version 2 to version 3.
-- Version 3 adds the derived query_cache table, its list of stale modules and
-- the triggers that keep it honest. They are defined once, in
-- sql/query_cache.sql, which the library runs after every migration; it then
-- lists every module as stale and builds their rows before the migration
-- commits. Nothing else changes.
SELECT 1;
