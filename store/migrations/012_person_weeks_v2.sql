-- The weekly history in the risk model's terms (docs/methodology.md): active
-- time in half hours, judged against the person's usual window in the clock
-- the model judges them in (a suspect +0000 clock moved by whole hours), a
-- day off counted once. The v1 columns keep their meaning (counts and
-- distinct clock hours against the configured hours, in the recorded clock);
-- these are added beside them:
ALTER TABLE person_weeks ADD COLUMN active_s INTEGER DEFAULT 0;               -- active time: active half hours x 1800
ALTER TABLE person_weeks ADD COLUMN sessions INTEGER DEFAULT 0;               -- runs of consecutive active half hours
ALTER TABLE person_weeks ADD COLUMN after_hours_s INTEGER DEFAULT 0;          -- active time on working days outside the usual window
ALTER TABLE person_weeks ADD COLUMN non_working_s INTEGER DEFAULT 0;          -- active time on non-working days (weekends, holidays): a day off counts here only
ALTER TABLE person_weeks ADD COLUMN late_night_s INTEGER DEFAULT 0;           -- active time 00:00-05:00 outside the usual window
ALTER TABLE person_weeks ADD COLUMN judged_non_working_days INTEGER DEFAULT 0; -- non-working days with activity, in the judging clock
ALTER TABLE person_weeks ADD COLUMN judged_late_night_days INTEGER DEFAULT 0;  -- days with activity 00:00-05:00 outside the usual window, in the judging clock
ALTER TABLE person_weeks ADD COLUMN usual_start_minute INTEGER DEFAULT 0;     -- the usual window the week was judged against, minutes after midnight;
ALTER TABLE person_weeks ADD COLUMN usual_end_minute INTEGER DEFAULT 0;       -- the end is below the start when it wraps past midnight, 1440 at midnight
ALTER TABLE person_weeks ADD COLUMN usual_source VARCHAR DEFAULT '';          -- configured, learned or prior
ALTER TABLE person_weeks ADD COLUMN clock_shift_minutes INTEGER DEFAULT 0;    -- added to the recorded local time to judge it (0 unless the clock is suspect)
-- heavy CHANGES MEANING here: it was after_hours_hours >= ceil(analysis.heavy_week_after_hours)
-- (v1's distinct clock hours); from this migration on it is the risk model's rule,
-- after_hours_s + non_working_s >= analysis.heavy_week_after_hours x 3600 (no rounding).
-- person_weeks is rebuilt by every analysis, so older rows take the new
-- meaning at the next run.
