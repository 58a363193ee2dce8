package store

import (
	"database/sql"
	"embed"
	"fmt"
	"strings"

	"github.com/overtime-project/overtime/worktime"
)

// The working-time rules in SQL (local time, working day, after hours, late
// night) live in queries/*.sql, embedded here. Constants the Go side
// defines too are never written into the SQL: they are named parameters,
// bound from their one Go definition.
//
//go:embed queries/*.sql
var queryFiles embed.FS

// lateNightEndMinute is worktime.LateNightEnd as a minute of the local day:
// the SQL's $late_night_end_minute.
const lateNightEndMinute = worktime.LateNightEnd * 60

// lateNightEnd binds $late_night_end_minute.
func lateNightEnd() sql.NamedArg { return sql.Named("late_night_end_minute", lateNightEndMinute) }

var (
	// localEventsSQL lists every counted event of a known person in local
	// time, with its working-time facts. Parameter: $late_night_end_minute.
	localEventsSQL = loadQuery("local_events.sql", "")
	// personDaysSQL computes the person_days rows. Parameter:
	// $late_night_end_minute.
	personDaysSQL = loadQuery("person_days.sql", "")
	// teamPunchcardSQL counts events per team, local weekday and hour.
	// Parameters: $from_utc, $to_utc, $from_day, $to_day.
	teamPunchcardSQL = loadQuery("team_punchcard.sql", "AND e.occurred_at >= $from_utc AND e.occurred_at < $to_utc")
)

// loadQuery reads queries/name and puts the local-time clauses of
// queries/local_time.sql where it says {{local_time}}, their events
// narrowed by eventFilter (an SQL condition on the events table e starting
// with AND, "" for every event).
func loadQuery(name, eventFilter string) string {
	read := func(n string) string {
		b, err := queryFiles.ReadFile("queries/" + n)
		if err != nil {
			panic(fmt.Sprintf("store: embedded query %s: %v", n, err))
		}
		return string(b)
	}
	q := read(name)
	if !strings.Contains(q, "{{local_time}}") {
		panic(fmt.Sprintf("store: embedded query %s does not include {{local_time}}", name))
	}
	local := strings.ReplaceAll(read("local_time.sql"), "{{event_filter}}", eventFilter)
	return strings.ReplaceAll(q, "{{local_time}}", local)
}
