#!/bin/sh
# Runs one overtime binary over public git histories, one report every 28
# days, with no people configured (each author is their own person, judged
# in their commits' own offsets, default hours 09:00-18:00 Mon-Fri), and
# writes one JSON report per as-of date.
#
#   bench/validation/run.sh BINARY OUTDIR FROM TO REPO...
#
# BINARY  the overtime binary to judge with (build the old and the new one)
# OUTDIR  where each repository's database and reports go: OUTDIR/NAME/
# FROM    first as-of date, YYYY-MM-DD; TO the last one (inclusive)
# REPO    a git repository (bare or not); its HEAD is read. NAME is the
#         repository directory's name, or its parent's when it is "repo".
#
# An OUTDIR/NAME/overtime.duckdb left by an earlier run is reused (no
# collect); analyze always runs, with BINARY, so the same collected history
# can be judged by several binaries.
#
# The reports hold author names and e-mail addresses from public history:
# keep OUTDIR out of version control. summarize.go turns them into figures.
set -eu
[ $# -ge 5 ] || { echo "usage: $0 BINARY OUTDIR FROM TO REPO..." >&2; exit 2; }
bin=$1 out=$2 from=$3 to=$4
shift 4
for repo in "$@"; do
	repo=$(cd "$repo" && pwd)
	name=$(basename "$repo")
	[ "$name" = repo ] && name=$(basename "$(dirname "$repo")")
	dir="$out/$name"
	mkdir -p "$dir/reports"
	cat > "$dir/overtime.yaml" <<YAML
database: "$dir/overtime.duckdb"
sources:
  git:
    - path: "$repo"
YAML
	# A database already collected is reused: the histories are fixed at
	# their HEAD, and analyze recomputes everything from the stored events.
	[ -f "$dir/overtime.duckdb" ] || "$bin" collect --config "$dir/overtime.yaml" >"$dir/collect.log" 2>&1
	"$bin" analyze --config "$dir/overtime.yaml" >"$dir/analyze.log" 2>&1
	d=$from
	while [ "$(date -u -d "$d" +%s)" -le "$(date -u -d "$to" +%s)" ]; do
		"$bin" report --config "$dir/overtime.yaml" --format json --as-of "$d" >"$dir/reports/$d.json"
		d=$(date -u -d "$d + 28 days" +%F)
	done
	echo "$name: $(ls "$dir/reports" | wc -l) reports in $dir/reports"
done
