-- Every counted event of a known person, with its local wall time and
-- working-time facts, one row per event: the SQL twin of
-- worktime.Rules.Classify, tested to agree with it.
--
-- A day is a working day when its weekday's bit is set in the person's
-- workday_mask (1970-01-01, day 0, was a Thursday: weekday = (day + 4) % 7)
-- and it is not one of their holidays. An event is after hours on a
-- non-working day, or outside [start_minute, end_minute). It is late night
-- before $late_night_end_minute (worktime.LateNightEnd, in minutes).
WITH {{local_time}}, judged AS (
    SELECT p.person_id, loc.source, loc.local_us, loc.minute_of_day, p.start_minute, p.end_minute,
        CAST(DATE '1970-01-01' + CAST(loc.day AS INTEGER) AS DATE) AS day,
        ((p.workday_mask >> CAST((loc.day + 4) % 7 AS INTEGER)) & 1) = 1
            AND CAST(loc.pid AS BIGINT) * 100000000 + loc.day NOT IN (SELECT pid_day FROM holidays) AS working_day
    FROM loc JOIN ruled p USING (pid)
)
SELECT person_id, source, make_timestamp(local_us) AS local_ts, day,
    minute_of_day // 60 AS hour,
    working_day,
    NOT working_day OR minute_of_day < start_minute OR minute_of_day >= end_minute AS after_hours,
    minute_of_day < $late_night_end_minute AS late_night
FROM judged
