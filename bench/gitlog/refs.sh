#!/usr/bin/env bash
# Benchmark and check of the git collector reading many refs: a default branch
# and thousands of pull-request heads, as a squash-merging organisation has.
#
# It builds a bare repository with `git fast-import` (bench/gitlog/genrepo
# -pulls: a main history, then pull requests on refs/pull/<n>/head, 70 %
# squash-merged and 15 % rebase-merged by GitHub's web-flow, 15 % open; refs
# packed, as in a mirror), or
# reads the repository given with -g (a mirror made with `git clone --mirror`,
# which holds refs/pull/*/head), and
#   1. times the baseline, `git log --no-merges --date=raw --format=<the
#      collector's> <the refs> -- >/dev/null` (patterns as --glob=), against
#      `overtime collect` into a fresh DuckDB file, paired run by run, and a
#      second collect that finds nothing new;
#   2. checks the figures: the counted commits per identity that the store
#      holds (`overtime people`) against the same `git log` with merges,
#      GitHub's web-flow and the default bot patterns left out and one commit
#      per (author email after .mailmap, author time). Any difference is
#      printed and makes the script exit 1.
#
# Usage: bench/gitlog/refs.sh [-g REPO] [-p PULLS] [-n COMMITS] [-R "REF ..."] [-r RUNS] [-o BINARY] [-k]
#   -g  read this repository instead of building one
#   -p  pull requests of the built repository (default 3000)
#   -n  commits on its main before them (default 20000)
#   -R  refs to read (default "HEAD refs/pull/*/head")
#   -r  runs per timing (default 5)
#   -o  benchmark this overtime binary instead of building ./cmd/overtime
#   -k  keep the temporary directory
# Environment: GIT (default git), TMPDIR.
set -euo pipefail

repo=""
pulls=3000
n=20000
refs="HEAD refs/pull/*/head"
runs=5
binary=""
keep=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts "g:p:n:R:r:o:kh" opt; do
	case $opt in
	g) repo=$OPTARG ;;
	p) pulls=$OPTARG ;;
	n) n=$OPTARG ;;
	R) refs=$OPTARG ;;
	r) runs=$OPTARG ;;
	o) binary=$OPTARG ;;
	k) keep=1 ;;
	h) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
done
GIT=${GIT:-git}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/overtime-refs.XXXXXX")
if [ "$keep" = 1 ]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
if [ -n "$binary" ]; then
	cp "$binary" "$tmp/overtime"
else
	(cd "$root" && go build -o "$tmp/overtime" ./cmd/overtime)
fi

if [ -z "$repo" ]; then
	(cd "$root" && go build -o "$tmp/genrepo" ./bench/gitlog/genrepo)
	repo="$tmp/repo.git"
	"$GIT" init -q --bare -b main "$repo"
	"$tmp/genrepo" -commits "$n" -pulls "$pulls" | "$GIT" -C "$repo" fast-import --quiet
	# fast-import leaves every ref in a file of its own; a mirror made by
	# `git clone --mirror` (and the GitHub source's clones) has them packed.
	"$GIT" -C "$repo" pack-refs --all
fi
repo=$(cd "$repo" && pwd)

# The refs as the config lists them, and as git log's arguments.
set -f
yaml_refs="" args=()
for r in $refs; do
	yaml_refs+="${yaml_refs:+, }\"$r\""
	case $r in
	*[*?[]*) args+=("--glob=$r") ;;
	*) args+=("$r") ;;
	esac
done
set +f
fmt='--format=%H%x1f%aN%x1f%aE%x1f%ad%x1f%cE'

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# cpu FILE CMD...: runs CMD, writing its user + system seconds (children
# included) to FILE; without GNU time, "-".
cpu() {
	local out=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$out.raw" "$@"
		awk '{ printf "%.2f", $1 + $2 }' "$out.raw" >"$out"
	else
		"$@"
		echo - >"$out"
	fi
}
# duration LOG: the seconds of the git source's "collected" log line.
duration() {
	grep 'msg=collected source=git' "$1" | grep -o 'duration=[0-9.]*[mµ]*s' | sed 's/duration=//' |
		awk '/ms$/ { sub(/ms$/, ""); printf "%.3f", $1 / 1000; next } /µs$/ { sub(/µs$/, ""); printf "%.3f", $1 / 1e6; next } { sub(/s$/, ""); printf "%.3f", $1 }'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf 'host: %s CPUs, load %s; %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$("$GIT" --version)"
printf 'repository: %s\n' "$repo"
printf '  %s refs, %s matched by [%s]; %s non-merge commits reachable from them\n' \
	"$("$GIT" -C "$repo" for-each-ref | wc -l)" \
	"$("$GIT" -C "$repo" rev-list --no-walk "${args[@]}" | wc -l)" "$yaml_refs" \
	"$("$GIT" -C "$repo" rev-list --count --no-merges "${args[@]}")"

"$GIT" -C "$repo" log --no-merges --date=raw "$fmt" "${args[@]}" -- >/dev/null # warm the cache
git_cpu=() col_cpu=() git_t=() col_t=() own_t=() ratio=() own_ratio=() again_t=() again_own=()
for i in $(seq "$runs"); do
	t0=$(now)
	cpu "$tmp/git.cpu" "$GIT" -C "$repo" log --no-merges --date=raw "$fmt" "${args[@]}" -- >/dev/null
	t1=$(now)
	run="$tmp/run-$i"
	mkdir "$run"
	printf 'database: %s/overtime.duckdb\nsources:\n  git:\n    - path: %s\n      refs: [%s]\n' "$run" "$repo" "$yaml_refs" >"$run/overtime.yaml"
	t2=$(now)
	cpu "$tmp/collect.cpu" "$tmp/overtime" collect --config "$run/overtime.yaml" 2>"$run/collect.log" >/dev/null
	t3=$(now)
	"$tmp/overtime" collect --config "$run/overtime.yaml" 2>"$run/again.log" >/dev/null
	t4=$(now)
	git_t+=("$(secs "$t0" "$t1")") col_t+=("$(secs "$t2" "$t3")") again_t+=("$(secs "$t3" "$t4")")
	# The collector's own time, as its log line says (the process without
	# starting, opening and creating the database).
	own_t+=("$(duration "$run/collect.log")") again_own+=("$(duration "$run/again.log")")
	git_cpu+=("$(cat "$tmp/git.cpu")") col_cpu+=("$(cat "$tmp/collect.cpu")")
	ratio+=("$(awk -v c="$((t3 - t2))" -v g="$((t1 - t0))" 'BEGIN { printf "%.2f", c / g }')")
	own_ratio+=("$(awk -v c="${own_t[-1]}" -v g="${git_t[-1]}" 'BEGIN { printf "%.2f", c / g }')")
	echo "run $i: git log ${git_t[-1]} s; collect ${col_t[-1]} s (ratio ${ratio[-1]}), the collector itself ${own_t[-1]} s (ratio ${own_ratio[-1]});" \
		"cpu: git log ${git_cpu[-1]} s, collect ${col_cpu[-1]} s; collect again ${again_t[-1]} s (the collector ${again_own[-1]} s); $(grep -o 'read=[0-9]* inserted=[0-9]* skipped=[0-9]*' "$run/collect.log" | head -n 1)"
	grep -o 'read=[0-9]* inserted=[0-9]*' "$run/again.log" | grep -qx 'read=0 inserted=0' || { echo "  the second collect read something:" >&2; cat "$run/again.log" >&2; exit 1; }
done
echo
echo "git log over the refs, median:        $(echo "${git_t[*]}" | median) s"
echo "overtime collect (fresh database):    $(echo "${col_t[*]}" | median) s; paired ratio $(echo "${ratio[*]}" | median)"
echo "the collector itself:                 $(echo "${own_t[*]}" | median) s; paired ratio $(echo "${own_ratio[*]}" | median) (target <= 1.5)"
echo "collect with nothing new:             $(echo "${again_t[*]}" | median) s; the collector itself $(echo "${again_own[*]}" | median) s (target < 0.2)"
echo "cpu (user + system, children included): git log $(echo "${git_cpu[*]}" | median) s, collect $(echo "${col_cpu[*]}" | median) s"
echo "(medians over $runs runs)"

# The figures: counted commits per identity, the store's against git's.
"$tmp/overtime" people --config "$tmp/run-1/overtime.yaml" 2>/dev/null |
	awk -F '  +' '/^Unclaimed identities/ { on = 1; next } on && /^IDENTITY/ { next } on && NF == 0 { on = 0 } on && NF >= 3 && $3 > 0 { print $1, $3 }' |
	sort >"$tmp/store.txt"
# git log, the same refs: merges out; web-flow out (committer noreply@github.com);
# one commit per (email, author time); identities whose latest name or whose
# email matches the default bot patterns (*[bot]*, dependabot*, renovate*) out.
"$GIT" -C "$repo" log --no-merges --date=raw --format='%aN%x1f%aE%x1f%ad%x1f%cE' "${args[@]}" -- |
	awk -F'\x1f' '
	tolower($4) == "noreply@github.com" { next }
	{
		email = tolower($2); split($3, d, " "); t = d[1] + 0
		id = (email == "" ? "name:" $1 : "email:" email)
		if (!((id, t) in seen)) { seen[id, t] = 1; n[id]++ }
		if (!(id in last) || t >= last[id]) { last[id] = t; name[id] = tolower($1) }
	}
	function bot(s) { return s != "" && (index(s, "[bot]") > 0 || s ~ /^dependabot/ || s ~ /^renovate/) }
	END {
		for (id in n) {
			v = id; sub(/^(email|name):/, "", v)
			if (!bot(name[id]) && !bot(v)) print id, n[id]
		}
	}' | sort >"$tmp/git.txt"
sum() { awk '{ s += $2 } END { print s + 0 }' "$1"; }
echo
echo "figures: the store $(wc -l <"$tmp/store.txt") people, $(sum "$tmp/store.txt") counted commits;" \
	"git log $(wc -l <"$tmp/git.txt") people, $(sum "$tmp/git.txt") commits"
if diff "$tmp/git.txt" "$tmp/store.txt" >"$tmp/diff.txt"; then
	echo "per-person figures: equal"
else
	echo "per-person figures DIFFER (< git log, > the store):"
	head -n 40 "$tmp/diff.txt"
	exit 1
fi
