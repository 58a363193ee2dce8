-- The risk model's weekly signals: one row per person and local calendar
-- week (Monday to Sunday) with activity, rebuilt from person_days by every
-- analysis, so that the history of each signal is there to chart and to
-- alert on. Weeks without a row had no activity.
CREATE TABLE person_weeks (
    person_id          VARCHAR NOT NULL,
    week_start         DATE    NOT NULL,   -- the local Monday
    events             INTEGER NOT NULL,
    after_hours_events INTEGER NOT NULL,
    after_hours_hours  INTEGER NOT NULL,   -- after-hours active hours: distinct local clock hours outside working time with activity, summed over the days
    active_days        INTEGER NOT NULL,
    non_working_days   INTEGER NOT NULL,   -- non-working days (weekends, holidays) with activity
    non_working_events INTEGER NOT NULL,
    late_night_days    INTEGER NOT NULL,   -- days with activity 00:00-05:00 local
    late_night_events  INTEGER NOT NULL,
    workday_span_s     DOUBLE,             -- median first-to-last activity on active working days, seconds; NULL with none
    span_days          INTEGER NOT NULL,   -- active working days the median is over
    heavy              BOOLEAN NOT NULL    -- after_hours_hours >= analysis.heavy_week_after_hours at the last analysis
);
-- No primary key, here or on person_days and person_holidays below: these
-- tables are rewritten whole by every analysis, unique by construction
-- (a GROUP BY; a set per person), and DuckDB maintains a primary-key index
-- row by row. At 10 M events (1.5 M person-days, 100 k holidays) deleting
-- and re-inserting them under their keys cost about 20 s of CPU, more than
-- three times the whole analysis without them (bench/analysis/README.md).
CREATE TABLE person_days_unkeyed (
    person_id          VARCHAR NOT NULL,
    day                DATE    NOT NULL,
    working_day        BOOLEAN NOT NULL,
    events             INTEGER NOT NULL,
    after_hours_events INTEGER NOT NULL,
    late_night_events  INTEGER NOT NULL,
    after_hours_hours  INTEGER NOT NULL,
    first_local        TIMESTAMP NOT NULL,
    last_local         TIMESTAMP NOT NULL,
    git_events         INTEGER NOT NULL,
    github_events      INTEGER NOT NULL,
    jira_events        INTEGER NOT NULL
);
INSERT INTO person_days_unkeyed SELECT * FROM person_days;
DROP TABLE person_days;
ALTER TABLE person_days_unkeyed RENAME TO person_days;

CREATE TABLE person_holidays_unkeyed (
    person_id VARCHAR NOT NULL,
    day       DATE    NOT NULL
);
INSERT INTO person_holidays_unkeyed SELECT * FROM person_holidays;
DROP TABLE person_holidays;
ALTER TABLE person_holidays_unkeyed RENAME TO person_holidays;
