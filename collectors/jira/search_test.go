package jira

import (
	"testing"
	"time"
)

func TestUpdatedSince(t *testing.T) {
	t.Parallel()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	from := time.Date(2026, 3, 8, 6, 59, 59, 0, time.UTC)
	for _, tc := range []struct {
		name, base, zone, order, want string
	}{
		{"no base", "", "UTC", "updated ASC, key ASC", `updated >= "2026/03/08 06:59" ORDER BY updated ASC, key ASC`},
		{"base in parentheses", "project = PAY OR labels = x", "UTC", "updated ASC",
			`(project = PAY OR labels = x) AND updated >= "2026/03/08 06:59" ORDER BY updated ASC`},
		// The user's zone, rounded down to the minute: one second before New
		// York springs forward it is still 01:59 EST.
		{"user zone before DST", "project = PAY", "America/New_York", "updated ASC",
			`(project = PAY) AND updated >= "2026/03/08 01:59" ORDER BY updated ASC`},
		{"half-hour zone", "project = PAY", "Asia/Kolkata", "updated ASC",
			`(project = PAY) AND updated >= "2026/03/08 12:29" ORDER BY updated ASC`},
		{"trailing ORDER BY dropped", "project = PAY order  by created DESC, key", "UTC", "updated ASC",
			`(project = PAY) AND updated >= "2026/03/08 06:59" ORDER BY updated ASC`},
		{"order by inside a string kept", `summary ~ "order by" AND project = PAY`, "UTC", "updated ASC",
			`(summary ~ "order by" AND project = PAY) AND updated >= "2026/03/08 06:59" ORDER BY updated ASC`},
		{"only an ORDER BY", "ORDER BY rank", "UTC", "updated ASC", `updated >= "2026/03/08 06:59" ORDER BY updated ASC`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := updatedSince(tc.base, from, load(tc.zone), tc.order); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
