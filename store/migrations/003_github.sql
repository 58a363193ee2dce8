-- Pull requests seen on GitHub: who opened and merged them, and when.
-- Timestamps and identities only: never titles, bodies or branch names.
CREATE TABLE pull_requests (
    id         BIGINT    PRIMARY KEY,     -- GitHub's id of the pull request; survives repository renames
    repo       VARCHAR   NOT NULL,        -- owner/name, lowercased
    number     INTEGER   NOT NULL,
    author     VARCHAR   NOT NULL,        -- identity (github:<login>); '' when the account is gone
    created_at TIMESTAMP NOT NULL,
    closed_at  TIMESTAMP,                 -- NULL while open
    merged_at  TIMESTAMP,                 -- NULL unless merged
    merged_by  VARCHAR,                   -- identity of whoever merged it; NULL until known
    updated_at TIMESTAMP NOT NULL         -- GitHub's updated_at when last read
);

-- Git emails that GitHub itself ties to a login (the author of a commit in the
-- REST commit list). Suggestions for `overtime people`, never merges.
CREATE TABLE identity_links (
    email_identity VARCHAR NOT NULL,      -- email:<address, lowercased>
    login_identity VARCHAR NOT NULL,      -- github:<login, lowercased>
    PRIMARY KEY (email_identity, login_identity)
);

-- The repositories a GitHub listing (one page of an organisation's list, or
-- one explicitly configured repository) answered with, kept so that a 304 Not
-- Modified, which has no body, still says which repositories there are.
CREATE TABLE github_repositories (
    listing        VARCHAR   NOT NULL,    -- the listing's cursor scope: orgs/acme/repos#2, repos/acme/api
    full_name      VARCHAR   NOT NULL,    -- owner/name as GitHub spells it
    clone_url      VARCHAR   NOT NULL,
    default_branch VARCHAR   NOT NULL,
    fork           BOOLEAN   NOT NULL,
    archived       BOOLEAN   NOT NULL,
    pushed_at      TIMESTAMP,             -- NULL for a repository never pushed to
    PRIMARY KEY (listing, full_name)
);
