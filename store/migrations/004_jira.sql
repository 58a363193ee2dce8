-- Jira tickets as the collector last saw them: the facts the ticket load is
-- built from, never text (no summary, description, comment or worklog body).
CREATE TABLE jira_tickets (
    issue_id        VARCHAR PRIMARY KEY,   -- Jira's issue id: it survives a move to another project, the key does not
    issue_key       VARCHAR   NOT NULL,
    project         VARCHAR   NOT NULL,
    issue_type      VARCHAR   NOT NULL,
    priority        VARCHAR   NOT NULL,    -- '' when the ticket has none
    status          VARCHAR   NOT NULL,
    status_category VARCHAR   NOT NULL,    -- Jira's category key: new, indeterminate, done ('' when unknown)
    assignee        VARCHAR,               -- identity (jira:...), NULL while unassigned
    reporter        VARCHAR,               -- identity, NULL when none
    created         TIMESTAMP NOT NULL,    -- UTC
    updated         TIMESTAMP NOT NULL,
    resolved        TIMESTAMP,
    story_points    DOUBLE,
    gone_at         TIMESTAMP,             -- when reconciliation found it deleted or out of the JQL; NULL while present
    synced_at       TIMESTAMP NOT NULL
);

-- The status and assignee of each ticket over time, rebuilt from its
-- changelog every time the ticket is collected.
CREATE TABLE jira_ticket_intervals (
    issue_id   VARCHAR   NOT NULL,
    field      VARCHAR   NOT NULL,         -- status, assignee
    value      VARCHAR,                    -- status name; assignee identity, NULL while unassigned
    category   VARCHAR,                    -- status category of a status interval
    valid_from TIMESTAMP NOT NULL,
    valid_to   TIMESTAMP                   -- NULL: still so
);

-- The time zone Jira has for each user it showed, a suggestion for people
-- whose zone the config does not set.
CREATE TABLE jira_users (
    identity  VARCHAR PRIMARY KEY,
    time_zone VARCHAR   NOT NULL,
    seen_at   TIMESTAMP NOT NULL
);
