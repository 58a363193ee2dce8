-- The local events aggregated into person_days rows, by the rules of
-- local_events.sql. The events are grouped per person and local day first,
-- with what depends on the time of day (outside working hours, late night
-- before $late_night_end_minute, which clock hours); whether the day is a
-- working day (workdays, holidays) is decided after, once per person-day
-- instead of once per event. Clock hours are a 24-bit mask per day, so
-- counting distinct hours is a bit_count, not a DISTINCT; the half hours
-- with activity (slots) are a 48-bit mask the same way. Each aggregate
-- costs: when the events are stored out of order, a state of the hash
-- table per aggregate is a cache miss per event.
WITH {{local_time}}, agg AS (
    SELECT loc.pid, loc.day,
        count(*) AS events,
        count(*) FILTER (loc.minute_of_day < loc.start_minute OR loc.minute_of_day >= loc.end_minute) AS outside_events,
        count(*) FILTER (loc.minute_of_day < $late_night_end_minute) AS late_night_events,
        bit_or(CASE WHEN loc.minute_of_day < loc.start_minute OR loc.minute_of_day >= loc.end_minute
            THEN 1 << (loc.minute_of_day // 60) ELSE 0 END) AS outside_hours,
        min(loc.local_us) AS first_us, max(loc.local_us) AS last_us,
        count(*) FILTER (loc.source = 'git') AS git_events,
        count(*) FILTER (loc.source = 'github') AS github_events,
        count(*) FILTER (loc.source = 'jira') AS jira_events,
        bit_or(CAST(1 AS BIGINT) << (loc.minute_of_day // 30)) AS slots
    FROM loc
    GROUP BY loc.pid, loc.day
), days AS (
    -- 1970-01-01, day 0, was a Thursday: weekday = (day + 4) % 7.
    -- A holiday is looked up with IN, not a LEFT JOIN: DuckDB estimates
    -- the aggregated days far too few and would build its hash table on
    -- them (1.2 M rows with every column) instead of on the holidays.
    SELECT a.*, p.person_id, CAST(DATE '1970-01-01' + CAST(a.day AS INTEGER) AS DATE) AS local_date,
        ((p.workday_mask >> CAST((a.day + 4) % 7 AS INTEGER)) & 1) = 1
            AND CAST(a.pid AS BIGINT) * 100000000 + a.day NOT IN (SELECT pid_day FROM holidays) AS working_day
    FROM agg a JOIN ruled p USING (pid)
)
SELECT person_id, local_date, working_day, events,
    CASE WHEN working_day THEN outside_events ELSE events END,
    late_night_events,
    -- On a non-working day every clock hour with activity counts: hour h
    -- had activity when half hour 2h or 2h+1 did (0x555555555555 keeps
    -- the even bits), one aggregate less than a mask of hours of its own.
    CASE WHEN working_day THEN bit_count(outside_hours) ELSE bit_count((slots | (slots >> 1)) & 93824992236885) END,
    make_timestamp(first_us), make_timestamp(last_us),
    git_events, github_events, jira_events, slots
FROM days
