#!/usr/bin/env bash
# Benchmark of the local git collector against git itself.
#
# For each size it builds a synthetic repository with `git fast-import`
# (bench/gitlog/genrepo: many authors and time zones, a .mailmap, merges,
# web-flow and bot commits), then times
#   - the baseline: `git log` with exactly the arguments the collector uses,
#     that is what a user would run to list the same facts, output to /dev/null;
#   - the same `git log` read through a pipe (`| cat >/dev/null`), as any
#     reader of git's output, the collector included, must read it;
#   - plain `git log` (default format), for reference only;
#   - `overtime collect` into a fresh DuckDB file, and a second, incremental
#     collect that finds nothing new;
# and measures the peak RSS of the overtime process and of its git child.
# Each timing is taken -r times on a warm page cache; the table shows the
# fastest wall time, the median wall time, and the median CPU time (user +
# system, children included), which a busy machine disturbs least. Each
# collect is also paired with a git log run just before it; the median of
# those paired ratios is what the wall-time target is judged on.
#
# Usage: bench/gitlog/run.sh [-n COMMITS] [-s "SIZE SIZE ..."] [-r RUNS] [-o BINARY] [-k]
#   -n  base size (default 100000); sizes default to COMMITS and 2×COMMITS
#   -s  explicit list of sizes, overrides -n
#   -r  runs per timing (default 5)
#   -o  benchmark this overtime binary instead of building ./cmd/overtime
#   -k  keep the temporary directory (repositories, databases, logs)
# Environment: GIT (default git), TMPDIR. Needs GNU time (/usr/bin/time).
set -euo pipefail

n=100000
sizes=""
runs=5
binary=""
keep=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts "n:s:r:o:kh" opt; do
	case $opt in
	n) n=$OPTARG ;;
	s) sizes=$OPTARG ;;
	r) runs=$OPTARG ;;
	o) binary=$OPTARG ;;
	k) keep=1 ;;
	h) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
done
[ -n "$sizes" ] || sizes="$n $((2 * n))"
GIT=${GIT:-git}
TIME=/usr/bin/time
if ! "$TIME" -f %M true >/dev/null 2>&1; then
	echo "run.sh: GNU time is needed for CPU time and peak RSS: apt-get install time" >&2
	exit 2
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/overtime-bench.XXXXXX")
if [ "$keep" = 1 ]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi

# The flags and format of collectors/git: the fair baseline lists the same
# facts (sha, author after .mailmap, raw author date, committer email).
logfmt='--format=%H%x1f%aN%x1f%aE%x1f%ad%x1f%cE%x1e'

now() { date +%s%N; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
minimum() { tr ' ' '\n' | grep . | sort -g | head -n 1; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# status PID FIELD: a kB figure from /proc/PID/status, empty once it is gone.
status() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# GNU time measures every run: wall seconds, user and system seconds
# (children included) and the peak RSS of the largest process of the tree.
timefmt='%e %U %S %M'

# measure CMD...: runs CMD under GNU time with its output thrown away and
# sets wall, cpu (user + system) and rss (kB).
measure() {
	"$TIME" -f "$timefmt" -o "$tmp/time.out" "$@" >/dev/null 2>&1
	read_time "$tmp/time.out"
}
read_time() {
	read -r wall u s rss < <(tail -n 1 "$1")
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

if [ -n "$binary" ]; then
	cp "$binary" "$tmp/overtime"
	echo "benchmarking $binary"
else
	echo "building overtime from $root"
	(cd "$root" && go build -o "$tmp/overtime" ./cmd/overtime)
fi
(cd "$root" && go build -o "$tmp/genrepo" ./bench/gitlog/genrepo)

printf 'host: %s CPUs, load %s; %s; %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$($GIT --version)" "$(go version | cut -d' ' -f3-)"
printf 'timings: %s runs each, warm page cache\n\n' "$runs"

summary="$tmp/summary.txt"
row() { printf '%8s %9s | %7s %7s %6s | %6s %6s | %8s %8s %6s | %6s %6s %6s | %7s | %8s %5s %5s %5s %5s\n' "$@" >>"$summary"; }
row "" "" "git log" "(fair)" "" piped plain "overtime" collect "" ratio ratio ratio re- "" "peak" RSS MB "" ""
row commits non-merge "min s" "med s" "cpu s" "min s" "min s" "min s" "med s" "cpu s" paired wall cpu collect overtime git anon tree alone
status=0
for size in $sizes; do
	repo="$tmp/repo-$size"
	echo "== $size commits"
	t0=$(now)
	"$GIT" init -q -b main "$repo"
	"$tmp/genrepo" -commits "$size" | "$GIT" -C "$repo" fast-import --quiet
	"$GIT" -C "$repo" checkout -q main # the .mailmap is read from the work tree
	t1=$(now)
	total=$("$GIT" -C "$repo" rev-list --count HEAD)
	nonmerge=$("$GIT" -C "$repo" rev-list --count --no-merges HEAD)
	echo "repository built in $(((t1 - t0) / 1000000)) ms: $total commits, $nonmerge non-merge, $(du -sh "$repo/.git" | cut -f1) on disk"

	"$GIT" -C "$repo" log --no-merges --date=raw "$logfmt" HEAD -- >/dev/null # warm the cache
	fair_wall=() fair_cpu=() piped=() plain=() gitrss=0
	for _ in $(seq "$runs"); do
		measure "$GIT" -C "$repo" log --no-merges --date=raw "$logfmt" HEAD --
		fair_wall+=("$wall") fair_cpu+=("$cpu")
		[ "$rss" -gt "$gitrss" ] && gitrss=$rss
		measure sh -c '"$1" -C "$2" log --no-merges --date=raw "$3" HEAD -- | cat' sh "$GIT" "$repo" "$logfmt"
		piped+=("$wall")
		measure "$GIT" -C "$repo" log
		plain+=("$wall")
	done

	col_wall=() col_cpu=() pair=() recollect=() otrss=0 childrss=0 childanon=0 treerss=0
	for i in $(seq "$runs"); do
		# The baseline once more, right before this collect: git's own time
		# drifts by a third on a shared machine, and a ratio of two runs
		# taken side by side is the least disturbed by that.
		measure "$GIT" -C "$repo" log --no-merges --date=raw "$logfmt" HEAD --
		pair_git=$wall
		run="$tmp/run-$size-$i"
		mkdir "$run"
		cat >"$run/overtime.yaml" <<-EOF
			database: $run/overtime.duckdb
			sources:
			  git: [{path: $repo}]
		EOF
		# In the background, so /proc can be sampled for the peak RSS of
		# overtime and of its git child separately.
		"$TIME" -f "$timefmt" -o "$run/time.out" "$tmp/overtime" collect --config "$run/overtime.yaml" >"$run/stdout" 2>"$run/stderr" &
		pid=$! ot="" ot_hwm=0 git_hwm=0 git_anon=0
		while kill -0 "$pid" 2>/dev/null; do
			[ -n "$ot" ] || ot=$(pgrep -P "$pid" -x overtime || true)
			if [ -n "$ot" ]; then
				v=$(status "$ot" VmHWM)
				[ -n "$v" ] && [ "$v" -gt "$ot_hwm" ] && ot_hwm=$v
				for c in $(pgrep -P "$ot" -x git || true); do
					v=$(status "$c" VmHWM)
					[ -n "$v" ] && [ "$v" -gt "$git_hwm" ] && git_hwm=$v
					v=$(status "$c" RssAnon)
					[ -n "$v" ] && [ "$v" -gt "$git_anon" ] && git_anon=$v
				done
			fi
			sleep 0.05
		done
		if ! wait "$pid"; then
			echo "overtime collect failed:" >&2
			cat "$run/stderr" >&2
			exit 1
		fi
		read_time "$run/time.out"
		col_wall+=("$wall") col_cpu+=("$cpu")
		pair+=("$(awk -v c="$wall" -v f="$pair_git" 'BEGIN { printf "%.2f", c / f }')")
		[ "$ot_hwm" -gt "$otrss" ] && otrss=$ot_hwm
		[ "$git_hwm" -gt "$childrss" ] && childrss=$git_hwm
		[ "$git_anon" -gt "$childanon" ] && childanon=$git_anon
		[ "$rss" -gt "$treerss" ] && treerss=$rss
		line=$(grep 'source=git' "$run/stderr" | tail -n 1 || true)
		echo "collect run $i: ${wall} s wall, ${cpu} s cpu; peak RSS MB: overtime $(mb "$ot_hwm"), git $(mb "$git_hwm") (anon $(mb "$git_anon")), tree $(mb "$rss"); ${line#*msg=}"
		if ! grep -q "read=$nonmerge inserted=$nonmerge" <<<"$line"; then
			echo "  MISMATCH: expected read=$nonmerge inserted=$nonmerge" >&2
			status=1
		fi
		if [ "$i" = 1 ]; then
			echo "database file after one collect: $(du -sh "$run/overtime.duckdb" | cut -f1)"
		fi
		measure "$tmp/overtime" collect --config "$run/overtime.yaml"
		recollect+=("$wall")
		[ "$keep" = 1 ] || rm -rf "$run"
	done

	fw=$(echo "${fair_wall[*]}" | minimum)
	cw=$(echo "${col_wall[*]}" | minimum)
	fc=$(echo "${fair_cpu[*]}" | median)
	cc=$(echo "${col_cpu[*]}" | median)
	echo "git log (fair) wall: ${fair_wall[*]}"
	echo "git log (fair) cpu:  ${fair_cpu[*]}"
	echo "collect wall:        ${col_wall[*]}"
	echo "collect cpu:         ${col_cpu[*]}"
	echo "paired ratios:       ${pair[*]}"
	row "$total" "$nonmerge" \
		"$fw" "$(echo "${fair_wall[*]}" | median)" "$fc" \
		"$(echo "${piped[*]}" | minimum)" "$(echo "${plain[*]}" | minimum)" \
		"$cw" "$(echo "${col_wall[*]}" | median)" "$cc" \
		"$(echo "${pair[*]}" | median)" \
		"$(awk -v c="$cw" -v f="$fw" 'BEGIN { printf "%.2f", c / f }')" \
		"$(awk -v c="$cc" -v f="$fc" 'BEGIN { printf "%.2f", c / f }')" \
		"$(echo "${recollect[*]}" | median)" \
		"$(mb "$otrss")" "$(mb "$childrss")" "$(mb "$childanon")" "$(mb "$treerss")" "$(mb "$gitrss")"
	echo
done

cat "$summary"
cat <<'EOF'

git log (fair): git log --no-merges --date=raw --format=<the collector's> HEAD -- >/dev/null;
                fastest and median wall time, median cpu time
piped:          the same, read through a pipe (| cat >/dev/null); fastest run
plain:          git log >/dev/null, reference only (it formats whole messages); fastest run
overtime collect: into a fresh DuckDB file; cpu includes the git child
ratio:          collect / git log (fair): paired = the median, over the runs, of one collect's wall
                time over that of a git log run just before it (the figure the wall target is
                judged on); wall = fastest over fastest; cpu = median over median,
                for reference only: the collector's own work is added to git's, on another core
re-collect:     median wall seconds of a second collect (nothing new: the cursor is HEAD)
peak RSS:       overtime = the overtime process (VmHWM, sampled every 50 ms);
                git = its git log child (VmHWM: file-backed pack pages included),
                anon = that child's anonymous memory only (RssAnon);
                tree = the largest single process of the run (wait4, exact);
                alone = the baseline git log by itself (wait4)
targets:        ratio <= 1.5, overtime peak RSS < 300 MB at every size
EOF
awk -F'|' 'NR > 2 {
	split($5, r, " "); split($7, m, " ")
	if (r[1] + 0 > 1.5) wall = 1
	if (m[1] + 0 >= 300) mem = 1
}
END {
	print ""
	print "ratio target (wall, paired): " (wall ? "MISSED" : "met")
	print "memory target:       " (mem ? "MISSED" : "met")
}' "$summary"
exit $status
