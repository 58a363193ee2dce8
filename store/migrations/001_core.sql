-- Activity events: one row per thing a person did, with when and how big.
-- Only timestamps, counts and sizes: never messages, titles or bodies.
CREATE TABLE events (
    source     VARCHAR   NOT NULL,        -- git, github, jira
    kind       VARCHAR   NOT NULL,        -- commit, pr_opened, review, ticket_transition, ...
    id         VARCHAR   NOT NULL,        -- unique within source and kind (commit SHA, review id, ...)
    identity   VARCHAR   NOT NULL,        -- who, as the source names them: email:..., github:..., jira:...
    occurred_at TIMESTAMP NOT NULL,       -- the instant, in UTC
    utc_offset INTEGER,                   -- seconds east of UTC the source recorded (git author dates); NULL when none
    scope      VARCHAR   NOT NULL,        -- repository or project the event belongs to
    size       BIGINT,                    -- a size where the source has one (lines, points); NULL otherwise
    counted    BOOLEAN   NOT NULL,        -- false for events stored but not counted as their author's work (web-flow commits)
    PRIMARY KEY (source, kind, id)
);

-- Every identity a source has shown, with the display name it carried.
CREATE TABLE identities (
    identity     VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    first_seen   TIMESTAMP NOT NULL,
    last_seen    TIMESTAMP NOT NULL
);

-- Where each source stopped, per scope (repository, resource). A cursor is
-- written in the same transaction as, or after, the data it covers.
CREATE TABLE sync_cursors (
    source     VARCHAR NOT NULL,
    scope      VARCHAR NOT NULL,
    position   VARCHAR NOT NULL,
    etag       VARCHAR NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, scope)
);
