// Command clockmix shows what the mixed-clock rule (docs/methodology.md, "A
// clock that does not match its person") does on real histories: per
// database that bench/validation/run.sh collected and analysed, the people
// whose commits mix +0000 and other offsets, the +0000 stamps the rule
// reads at another offset, and, for each person it touches, whether that
// reading agrees with their hours; and the people with 20 or more stamps,
// 20 % or more of them +0000, that it leaves alone.
//
//	go run ./bench/validation/clockmix OUTDIR/NAME...
//
// The evidence is the person's own hours: how many of their non-+0000
// stamps, in those stamps' own offsets (the clock the rule trusts), fall in
// each hour of the day. A re-read stamp reads *better* when its hour as
// re-read is busier in that histogram than its hour at +0000, *worse* when
// it is quieter, *even* otherwise. People
// appear as short ids: initials and 4 hex digits of a SHA-256 of their
// person id (the address stays out of the output).
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/overtime-project/overtime/bench/validation/label"
)

type stamp struct {
	us    int64 // UTC microseconds
	off   int   // recorded offset, seconds
	reads int   // offset the analysis reads it at
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: clockmix OUTDIR/NAME...")
		os.Exit(2)
	}
	for _, dir := range os.Args[1:] {
		if err := run(dir); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", dir, err)
			os.Exit(1)
		}
	}
}

func run(dir string) error {
	db, err := sql.Open("duckdb", filepath.Join(dir, "overtime.duckdb")+"?access_mode=READ_ONLY")
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT p.person_id, p.name, epoch_us(e.occurred_at), e.utc_offset,
			CASE WHEN e.utc_offset = 0 THEN coalesce(c.read_as, 0) ELSE e.utc_offset END
		FROM events e JOIN person_identities pi USING (identity) JOIN people p USING (person_id)
		JOIN person_rules r USING (person_id)
		LEFT JOIN person_clock_days c ON c.person_id = p.person_id AND c.utc_day = epoch_us(e.occurred_at) // 86400000000
		WHERE e.counted AND e.utc_offset IS NOT NULL AND r.zone IS NULL
		ORDER BY p.person_id, 3`)
	if err != nil {
		return fmt.Errorf("read stamps: %w", err)
	}
	defer rows.Close()
	by, names := map[string][]stamp{}, map[string]string{}
	for rows.Next() {
		var id, name string
		var s stamp
		if err := rows.Scan(&id, &name, &s.us, &s.off, &s.reads); err != nil {
			return fmt.Errorf("read stamps: %w", err)
		}
		by[id] = append(by[id], s)
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read stamps: %w", err)
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	mixed, touched, reread, better, worse := 0, 0, 0, 0, 0
	var lines, untouched []string
	for _, id := range ids {
		ss := by[id]
		utc, other := 0, 0
		for _, s := range ss {
			if s.off == 0 {
				utc++
			} else {
				other++
			}
		}
		if utc == 0 || other == 0 {
			continue
		}
		mixed++
		hist := ownHours(ss)
		n, b, w := 0, 0, 0
		offs := map[int]int{}
		for _, s := range ss {
			if s.off != 0 || s.reads == 0 {
				continue
			}
			n++
			offs[s.reads]++
			switch h0, hO := hist[hour(s.us, 0)], hist[hour(s.us, s.reads)]; {
			case hO > h0:
				b++
			case hO < h0:
				w++
			}
		}
		if n == 0 {
			if len(ss) >= 20 && utc*5 >= len(ss) {
				untouched = append(untouched, fmt.Sprintf("%s %.0f%% of %d", label.ShortID(id, names[id]), 100*float64(utc)/float64(len(ss)), len(ss)))
			}
			continue
		}
		touched++
		reread += n
		better += b
		worse += w
		var readAs []string
		for o, k := range offs {
			readAs = append(readAs, fmt.Sprintf("%s×%d", offsetText(o), k))
		}
		sort.Strings(readAs)
		lines = append(lines, fmt.Sprintf("  %s: %d stamps, %d at +0000 (%.0f%%); %d re-read at %s: %d read better, %d worse, %d even",
			label.ShortID(id, names[id]), len(ss), utc, 100*float64(utc)/float64(len(ss)), n, strings.Join(readAs, " "), b, w, n-b-w))
	}
	fmt.Printf("%s: %d people without a zone mix +0000 and other offsets; the rule touches %d: %d stamps re-read, %d read better, %d worse, %d even\n",
		filepath.Base(dir), mixed, touched, reread, better, worse, reread-better-worse)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("  untouched, 20 or more stamps and 20 %% or more at +0000 (%d): %s\n", len(untouched), strings.Join(untouched, ", "))
	return nil
}

// ownHours counts the person's non-+0000 stamps by hour of the day, in
// their own offsets.
func ownHours(ss []stamp) [24]int {
	var h [24]int
	for _, s := range ss {
		if s.off != 0 {
			h[hour(s.us, s.off)]++
		}
	}
	return h
}

// hour is the hour of the day of an instant read at an offset.
func hour(us int64, off int) int {
	local := us/1e6 + int64(off)
	return int(local-floorDiv(local, 86400)*86400) / 3600
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func offsetText(s int) string {
	sign := '+'
	if s < 0 {
		sign, s = '-', -s
	}
	return fmt.Sprintf("%c%02d%02d", sign, s/3600, s%3600/60)
}
