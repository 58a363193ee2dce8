-- The WITH clauses that put every counted event of a known person into
-- local wall time, the time model of docs/design.md: the configured zone;
-- else the offset the event recorded (a +0000 stamp on a day of
-- person_clock_days, which the person's other stamps contradict, at that
-- day's read_as); else the person's inferred offset; else the default zone. A query includes them where it says local_time
-- in double braces; the event_filter in double braces below narrows the
-- events (it is empty for all of them; see store/queries.go).
--
-- They end in loc(pid, start_minute, end_minute, source, local_us, day,
-- minute_of_day): local_us is microseconds of local wall time since
-- 1970-01-01T00:00, day the local date as days since then, start_minute and
-- end_minute the person's working hours; ruled(pid, person_id,
-- workday_mask, ...) maps the integer pid back.
--
-- Everything is integer arithmetic on purpose: at hundreds of millions of
-- events, timestamp and interval functions, VARCHAR keys and DuckDB's ASOF
-- join (a sort of all events per zone) cost several times the aggregation
-- itself. A zone's offset comes instead from an equality hash join on
-- (zone, UTC day) against zone_days, one row per zone, UTC day and offset
-- period touching that day, with a range check for the day of a transition.
span AS (
    -- No row without events: greatest() and least() skip a NULL bound, so
    -- an empty span would spread every zone period over every day to
    -- 9999-01-01 (about 2.9 M rows a period).
    SELECT CAST(min(occurred_at) AS DATE) - 2 AS d0, CAST(max(occurred_at) AS DATE) + 2 AS d1 FROM events HAVING count(*) > 0
), zones AS (
    SELECT zone, CAST(row_number() OVER (ORDER BY zone) AS BIGINT) AS zid FROM (SELECT DISTINCT zone FROM zone_transitions)
), periods AS (
    SELECT zones.zid, t.valid_from AS period_start,
        coalesce(lead(t.valid_from) OVER (PARTITION BY t.zone ORDER BY t.valid_from), TIMESTAMP '9999-01-01') AS period_end,
        t.offset_s
    FROM zone_transitions t JOIN zones USING (zone)
), zone_days AS (
    SELECT p.zid * 100000000 + CAST(epoch(CAST(d.day AS DATE)) // 86400 AS BIGINT) AS zone_day,
        epoch_us(p.period_start) AS period_start, epoch_us(p.period_end) AS period_end, p.offset_s
    FROM periods p, span, generate_series(CAST(greatest(CAST(p.period_start AS DATE), span.d0) AS TIMESTAMP),
        CAST(least(CAST(p.period_end AS DATE), span.d1) AS TIMESTAMP), INTERVAL 1 DAY) d(day)
), ruled AS (
    SELECT CAST(row_number() OVER (ORDER BY person_id) AS INTEGER) AS pid, person_id, zone, fallback_zone,
        inferred_offset, workday_mask, start_minute, end_minute
    FROM person_rules
), holidays AS (
    -- A person's holidays as pid * 100000000 + local day number (days
    -- since 1970-01-01), the key a person-day is looked up by: a join on
    -- one BIGINT, not on (VARCHAR, DATE).
    SELECT DISTINCT CAST(p.pid AS BIGINT) * 100000000 + CAST(h.day - DATE '1970-01-01' AS BIGINT) AS pid_day
    FROM person_holidays h JOIN ruled p USING (person_id)
), who AS (
    SELECT pi.identity, p.pid, z.zid, fz.zid AS fallback_zid, p.inferred_offset, p.start_minute, p.end_minute
    FROM person_identities pi JOIN ruled p USING (person_id)
    LEFT JOIN zones z ON z.zone = p.zone
    LEFT JOIN zones fz ON fz.zone = p.fallback_zone
), clock_days AS (
    SELECT CAST(p.pid AS BIGINT) * 100000000 + c.utc_day AS pid_day, c.read_as
    FROM person_clock_days c JOIN ruled p USING (person_id)
), ev AS (
    SELECT w.pid, w.start_minute, w.end_minute, e.source, epoch_us(e.occurred_at) AS us,
        CASE WHEN w.zid IS NULL THEN coalesce(CASE WHEN e.utc_offset = 0 THEN c.read_as END, e.utc_offset, w.inferred_offset) END AS fixed_offset,
        CASE WHEN w.zid IS NOT NULL THEN w.zid
             WHEN coalesce(e.utc_offset, w.inferred_offset) IS NULL THEN w.fallback_zid END AS zid
    FROM events e JOIN who w USING (identity)
    LEFT JOIN clock_days c ON c.pid_day = CAST(w.pid AS BIGINT) * 100000000 + epoch_us(e.occurred_at) // 86400000000
    WHERE e.counted {{event_filter}}
), loc AS (
    SELECT pid, start_minute, end_minute, source, local_us, local_us // 86400000000 AS day,
        CAST((local_us // 60000000) % 1440 AS INTEGER) AS minute_of_day
    FROM (
        SELECT ev.pid, ev.start_minute, ev.end_minute, ev.source, ev.us + 1000000 * CAST(coalesce(ev.fixed_offset, z.offset_s) AS BIGINT) AS local_us
        FROM ev LEFT JOIN zone_days z ON z.zone_day = ev.zid * 100000000 + ev.us // 86400000000
            AND ev.us >= z.period_start AND ev.us < z.period_end
    )
)
