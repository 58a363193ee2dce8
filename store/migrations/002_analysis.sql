-- The people the last analysis judged, and which identities are theirs.
CREATE TABLE people (
    person_id  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    team       VARCHAR NOT NULL,
    configured BOOLEAN NOT NULL
);

CREATE TABLE person_identities (
    identity  VARCHAR PRIMARY KEY,
    person_id VARCHAR NOT NULL
);

-- Each person's resolved working-time rules, in the form the SQL needs.
CREATE TABLE person_rules (
    person_id       VARCHAR PRIMARY KEY,
    zone            VARCHAR,              -- configured IANA zone; NULL when none is configured
    fallback_zone   VARCHAR NOT NULL,     -- defaults.timezone
    inferred_offset INTEGER,              -- most common recent commit offset, for events that record none
    workday_mask    INTEGER NOT NULL,     -- bit d set when time.Weekday d is a workday (0 = Sunday)
    start_minute    INTEGER NOT NULL,     -- working hours [start_minute, end_minute) after local midnight
    end_minute      INTEGER NOT NULL
);

CREATE TABLE person_holidays (
    person_id VARCHAR NOT NULL,
    day       DATE    NOT NULL,
    PRIMARY KEY (person_id, day)
);

-- UTC offset of each zone from valid_from on (generated from Go's tzdata).
CREATE TABLE zone_transitions (
    zone       VARCHAR   NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    offset_s   INTEGER   NOT NULL,
    PRIMARY KEY (zone, valid_from)
);

-- One row per person and local day with activity: the facts every signal is built from.
CREATE TABLE person_days (
    person_id          VARCHAR NOT NULL,
    day                DATE    NOT NULL,   -- local calendar date
    working_day        BOOLEAN NOT NULL,   -- a workday and not a holiday
    events             INTEGER NOT NULL,
    after_hours_events INTEGER NOT NULL,
    late_night_events  INTEGER NOT NULL,
    after_hours_hours  INTEGER NOT NULL,   -- distinct local clock hours with after-hours activity
    first_local        TIMESTAMP NOT NULL, -- first and last activity, local wall time
    last_local         TIMESTAMP NOT NULL,
    git_events         INTEGER NOT NULL,
    github_events      INTEGER NOT NULL,
    jira_events        INTEGER NOT NULL,
    PRIMARY KEY (person_id, day)
);
