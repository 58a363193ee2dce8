-- Events per team, local weekday and local clock hour, each event in its
-- own person's local time, for the local days $from_day to $to_day (days
-- since 1970-01-01). Only events with $from_utc <= occurred_at < $to_utc
-- are read: the caller widens the window by a day either side in UTC.
-- 1970-01-01, day 0, was a Thursday: weekday = (day + 4) % 7.
WITH {{local_time}}
SELECT pe.team, CAST((loc.day + 4) % 7 AS INTEGER) AS weekday, loc.minute_of_day // 60 AS hour, count(*)
FROM loc JOIN ruled r USING (pid) JOIN people pe ON pe.person_id = r.person_id
WHERE loc.day BETWEEN $from_day AND $to_day
GROUP BY ALL ORDER BY ALL
