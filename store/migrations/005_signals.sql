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
    heavy              BOOLEAN NOT NULL,   -- after_hours_hours >= analysis.heavy_week_after_hours at the last analysis
    PRIMARY KEY (person_id, week_start)
);
