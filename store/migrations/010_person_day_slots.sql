-- Active time, not counts: the half hours of a person's local day with any
-- activity, as a 48-bit mask (bit i is 00:00 + 30*i minutes, local wall
-- time). The risk model builds active time and sessions from it, so that a
-- batch of twelve commits in one minute is one half hour, not twelve events
-- (docs/methodology.md). person_days is rebuilt by every analysis; rows an
-- older release wrote keep 0 until the next one, and the risk model falls
-- back to the half hours of their first and last activity.
ALTER TABLE person_days ADD COLUMN slots BIGINT DEFAULT 0;
