-- Jira tickets a run had to skip (malformed in Jira's answer, or their
-- history unreadable). The sync cursor moves past them with the tickets
-- around them, so without this list they would stay out until Jira changes
-- them again; the next run reads each again by key. Keys only, no text.
CREATE TABLE jira_skipped (
    scope      VARCHAR   NOT NULL,   -- the Jira source's cursor scope (site and JQL)
    issue_key  VARCHAR   NOT NULL,
    reason     VARCHAR   NOT NULL,
    skipped_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, issue_key)
);
