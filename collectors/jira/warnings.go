package jira

import (
	"sort"
)

// What a run could not use, counted so that a thousand tickets with the
// same flaw make one log line, not a thousand.
const (
	warnMalformed     = "tickets skipped: malformed in Jira's answer"
	warnVanished      = "tickets skipped: gone while being read"
	warnUnreadable    = "tickets skipped: their history or worklogs could not be read"
	warnNoAuthor      = "activity skipped: no author (deleted or anonymous user)"
	warnPointsMissing = "story points field missing on tickets"
	warnPointsType    = "story points field not a number on tickets"
	warnUnknownStatus = "statuses of unknown category in the history of tickets"
)

const maxExamples = 5

type warning struct {
	count    int
	examples []string // ticket keys
}

type warnings struct{ byKind map[string]*warning }

func newWarnings() *warnings { return &warnings{byKind: map[string]*warning{}} }

func (w *warnings) add(kind, key string) {
	x := w.byKind[kind]
	if x == nil {
		x = &warning{}
		w.byKind[kind] = x
	}
	x.count++
	if len(x.examples) < maxExamples && key != "" && (len(x.examples) == 0 || x.examples[len(x.examples)-1] != key) {
		x.examples = append(x.examples, key)
	}
}

// Count is how many times kind was warned about.
func (w *warnings) count(kind string) int {
	if x := w.byKind[kind]; x != nil {
		return x.count
	}
	return 0
}

func (s *session) reportWarnings() {
	kinds := make([]string, 0, len(s.warnings.byKind))
	for k := range s.warnings.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		x := s.warnings.byKind[k]
		s.c.opts.Logger.Warn("jira: "+k, "url", s.c.site, "count", x.count, "examples", x.examples)
	}
}
