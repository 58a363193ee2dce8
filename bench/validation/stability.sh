#!/bin/sh
# Reruns the reports of a run.sh output directory under one-step changes of
# one threshold at a time, for the stability table of docs/validation.md:
#
#   bench/validation/stability.sh BINARY RUNDIR VARDIR FROM TO STEP_DAYS
#
# RUNDIR is run.sh's OUTDIR (analysed with BINARY); VARDIR/VARIANT/NAME/
# reports/DATE.json are written for every variant, "defaults" included, one
# report every STEP_DAYS days from FROM to TO. summarize -variants VARDIR
# prints each variant's Jaccard index against the defaults.
set -eu
[ $# -eq 6 ] || { echo "usage: $0 BINARY RUNDIR VARDIR FROM TO STEP_DAYS" >&2; exit 2; }
bin=$1 rundir=$2 vardir=$3 from=$4 to=$5 step=$6
# name|analysis section (YAML, flow style); the step of each threshold is
# its smallest meaningful change: 1 hour, 1 week, 5 points, 5 percentage
# points, 0.05 of a share, 2 days, 1 day.
variants='defaults|{}
heavy_week_after_hours=2|{heavy_week_after_hours: 2}
heavy_week_after_hours=4|{heavy_week_after_hours: 4}
sustained.heavy_weeks=2|{sustained: {weeks: 4, heavy_weeks: 2}}
sustained.heavy_weeks=4|{sustained: {weeks: 4, heavy_weeks: 4}}
levels.elevated=25|{levels: {elevated: 25, high: 60}}
levels.elevated=35|{levels: {elevated: 35, high: 60}}
after_hours_ratio.bands-5pp|{factors: {after_hours_ratio: {weight: 25, bands: [0.05, 0.20, 0.35]}}}
after_hours_ratio.bands+5pp|{factors: {after_hours_ratio: {weight: 25, bands: [0.15, 0.30, 0.45]}}}
non_working_day_ratio.bands-5pp|{factors: {non_working_day_ratio: {weight: 15, bands: [0.01, 0.10, 0.20]}}}
non_working_day_ratio.bands+5pp|{factors: {non_working_day_ratio: {weight: 15, bands: [0.10, 0.20, 0.30]}}}
workday_span_hours.bands-1h|{factors: {workday_span_hours: {weight: 15, bands: [9, 12]}}}
workday_span_hours.bands+1h|{factors: {workday_span_hours: {weight: 15, bands: [11, 14]}}}
late_night_days.bands-1|{factors: {late_night_days: {weight: 10, bands: [1, 3, 7]}}}
late_night_days.bands+1|{factors: {late_night_days: {weight: 10, bands: [3, 5, 9]}}}
usual_hours.min_day_share=0.15|{usual_hours: {min_day_share: 0.15}}
usual_hours.min_day_share=0.25|{usual_hours: {min_day_share: 0.25}}
usual_hours.prior_days=3|{usual_hours: {prior_days: 3}}
usual_hours.prior_days=7|{usual_hours: {prior_days: 7}}
clock.min_shift_hours=3|{clock: {min_shift_hours: 3}}
clock.min_shift_hours=5|{clock: {min_shift_hours: 5}}
persistence.long_standing_share=0.4|{persistence: {long_standing_share: 0.4}}
persistence.long_standing_share=0.6|{persistence: {long_standing_share: 0.6}}
persistence.rising_ratio=1.25|{persistence: {rising_ratio: 1.25}}
persistence.rising_ratio=1.75|{persistence: {rising_ratio: 1.75}}'
for dir in "$rundir"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ -f "$dir/overtime.yaml" ] || continue
	echo "$variants" | while IFS='|' read -r var section; do
		out="$vardir/$var/$name"
		mkdir -p "$out/reports"
		{ cat "$dir/overtime.yaml"; echo "analysis: $section"; } > "$out/overtime.yaml"
		d=$from
		while [ "$(date -u -d "$d" +%s)" -le "$(date -u -d "$to" +%s)" ]; do
			"$bin" report --config "$out/overtime.yaml" --format json --as-of "$d" >"$out/reports/$d.json"
			d=$(date -u -d "$d + $step days" +%F)
		done
	done
	echo "$name: variants done"
done
