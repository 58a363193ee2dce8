package store

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestQueriesHoldNoGoConstants keeps the constants Go defines out of the
// SQL text: the late-night end and the web-flow email come in as
// parameters from their one Go definition, never as literals.
func TestQueriesHoldNoGoConstants(t *testing.T) {
	literalMinute := regexp.MustCompile(`minute_of_day\s*(<|<=|>|>=|=)\s*[0-9]`)
	names, err := fs.Glob(queryFiles, "queries/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded queries: %v, %v", names, err)
	}
	for _, n := range names {
		b, err := queryFiles.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if m := literalMinute.FindString(s); m != "" {
			t.Errorf("%s compares a minute of the day with a literal (%q): bind it from its Go constant", n, m)
		}
		if strings.Contains(strings.ToLower(s), strings.ToLower(WebFlowEmail)) {
			t.Errorf("%s spells out the web-flow email: bind WebFlowEmail instead", n)
		}
	}
	for name, q := range map[string]string{"local_events": localEventsSQL, "person_days": personDaysSQL, "team_punchcard": teamPunchcardSQL} {
		if strings.Contains(q, "{{") {
			t.Errorf("%s keeps an unexpanded include", name)
		}
		if name != "team_punchcard" && !strings.Contains(q, "$late_night_end_minute") {
			t.Errorf("%s does not use $late_night_end_minute", name)
		}
	}
}
