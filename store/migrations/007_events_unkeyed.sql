-- The events table without its primary key. DuckDB keeps a primary key as
-- an in-memory index of about 130-180 bytes per row and checks it row by
-- row on insert: at 100 k commits it cost half of the git collector's time
-- and its memory grew with every event stored (docs/architecture.md,
-- "Writing events"). An event is still stored once per (source, kind, id):
-- every write skips the events already stored (an anti-join in
-- store.writeEvents; there is only one writer, the writer lock sees to
-- that), and the git collector writes a repository's new commits and its
-- cursor in one transaction.
CREATE TABLE events_unkeyed (
    source      VARCHAR   NOT NULL,
    kind        VARCHAR   NOT NULL,
    id          VARCHAR   NOT NULL,
    identity    VARCHAR   NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    utc_offset  INTEGER,
    scope       VARCHAR   NOT NULL,
    size        BIGINT,
    counted     BOOLEAN   NOT NULL
);
-- Stored by source and time, so that the anti-join and the analysis skip
-- whole row groups by their min/max.
INSERT INTO events_unkeyed
    SELECT source, kind, id, identity, occurred_at, utc_offset, scope, size, counted
    FROM events ORDER BY source, occurred_at;
DROP TABLE events;
ALTER TABLE events_unkeyed RENAME TO events;
