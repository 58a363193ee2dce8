// Package prometheus exports the nightly analysis to Prometheus: the run writes
// a Snapshot file beside the database, and one Collector turns a Snapshot into
// the overtime_ metrics for a scrape (serve), a Pushgateway (push), a
// node_exporter textfile, or timestamped OpenMetrics for backfilling history.
//
// Serve reads the snapshot file, never the database: DuckDB locks the file
// for as long as any process has it open, so a long-running reader would make
// the nightly run wait. The snapshot is replaced atomically (temp file and
// rename), so a scrape sees the old snapshot or the new one, never half of one.
package prometheus

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// SnapshotVersion is the version of the snapshot file format. A reader
// refuses a file of another version rather than misreading it.
const SnapshotVersion = 1

// Snapshot is everything the metrics contract needs, as of one nightly run.
// It holds counts, ratios and durations only: person ids and team names are
// the only identifying strings.
type Snapshot struct {
	Version     int       `json:"version"`
	GeneratedAt time.Time `json:"generated_at"`
	// AsOf is the last local date the figures cover, YYYY-MM-DD.
	AsOf   string   `json:"as_of,omitempty"`
	People []Person `json:"people"`
	// Punchcard holds the teams' activity by local weekday and hour over the
	// analysis window. Cells a team lacks are exported as 0, so every team
	// that has at least one cell gets the full 7 × 24 grid.
	Punchcard []PunchcardCell `json:"punchcard"`
	// Teams are the team-level figures (see ApplyPrivacy): every team of a
	// person, with its figures withheld when it has too few scored members.
	Teams []Team `json:"teams,omitempty"`
	// UnclaimedIdentities counts the identities no configured person claims
	// (bots left out); nil when not known.
	UnclaimedIdentities *int `json:"unclaimed_identities,omitempty"`
	Job                 Job  `json:"job"`
}

// Person is one person's figures. ID is the metrics' person label: the
// configured id, or its pseudonym when privacy.pseudonymize is on.
type Person struct {
	ID   string `json:"id"`
	Team string `json:"team"`
	// RiskScore is 0–100; nil when the person has too little activity or
	// history to judge (level insufficient_data): no series is exported then.
	RiskScore *float64 `json:"risk_score,omitempty"`
	// Level is the analysis's level (low, elevated, high,
	// insufficient_data); "" when the person was not assessed.
	Level string `json:"level,omitempty"`
	// Factors are the reasons of the score: for a scored person every
	// factor with its points, for insufficient_data the reasons there is no
	// score (points nil).
	Factors             []Factor `json:"factors,omitempty"`
	SustainedAfterHours bool     `json:"sustained_after_hours"`
	// Windows maps a window label ("7d", "28d") to the figures of the local
	// days it covers, ending at AsOf.
	Windows map[string]WindowFigures `json:"windows"`
	// WorkdaySpanSeconds is the median first-to-last activity on the
	// person's active working days in the analysis window.
	WorkdaySpanSeconds float64 `json:"workday_span_seconds"`
	// LongestActiveStreak is the longest run of consecutive local days with
	// activity in the analysis window.
	LongestActiveStreak int `json:"longest_active_streak"`
	// OpenTickets and OpenPullRequests are nil when no ticket (GitHub)
	// source is configured: the metric is then absent, never 0.
	OpenTickets      *int `json:"open_tickets,omitempty"`
	OpenPullRequests *int `json:"open_pull_requests,omitempty"`
	// Pattern is the risk model's "rising", "long_standing" or "none"; ""
	// (no series) when the person is not judged.
	Pattern string `json:"pattern,omitempty"`
	// EvidenceActiveDays and EvidenceActiveSeconds are what the assessment
	// rests on: active days and active time in the judged weeks; nil (no
	// series) in snapshots written before they existed.
	EvidenceActiveDays    *int     `json:"evidence_active_days,omitempty"`
	EvidenceActiveSeconds *float64 `json:"evidence_active_seconds,omitempty"`
}

// Factor is one reason of a person's score.
type Factor struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Points *int    `json:"points,omitempty"` // nil for the reasons of insufficient_data
}

// Levels are the values of the level label, in the analysis's words.
var Levels = []string{"low", "elevated", "high", "insufficient_data"}

// Team is one team's figures over its scored members (people whose level
// is not insufficient_data). When Withheld, the team has fewer scored
// members than privacy.min_group_size and none of its figures is exported.
type Team struct {
	Name     string `json:"name"`
	Withheld bool   `json:"withheld"`
	// People counts the team's people by level, insufficient_data included.
	People              map[string]int `json:"people,omitempty"`
	SustainedAfterHours int            `json:"sustained_after_hours"`
	RiskScoreMedian     *float64       `json:"risk_score_median,omitempty"`
	// AfterHoursRatioMedian maps a window label to the median after-hours
	// share of the scored members.
	AfterHoursRatioMedian map[string]float64 `json:"after_hours_ratio_median,omitempty"`
}

// WindowFigures are a person's after-hours figures over one window.
type WindowFigures struct {
	AfterHoursRatio float64 `json:"after_hours_ratio"` // 0–1, after-hours events / events
	// AfterHoursActiveSeconds is the number of distinct local clock hours
	// outside working hours with any activity, × 3600.
	AfterHoursActiveSeconds float64 `json:"after_hours_active_seconds"`
	NonWorkdaysActive       int     `json:"nonworkdays_active"` // distinct non-working local days with activity
	LateNightEvents         int     `json:"late_night_events"`  // events 00:00–05:00 local
	// ActivityEvents counts activity events by source ("git", "github",
	// "jira"). Give every configured source, 0 included.
	ActivityEvents map[string]int `json:"activity_events"`
}

// PunchcardCell is the number of a team's activity events that fell on one
// local weekday and hour.
type PunchcardCell struct {
	Team    string       `json:"team"`
	Weekday time.Weekday `json:"weekday"` // Go's numbering: 0 = Sunday
	Hour    int          `json:"hour"`    // 0–23, local
	Events  int          `json:"events"`
}

// Job describes the nightly runs. LastSuccess outlives failed runs: a run
// carries it over from the previous snapshot (see Finish).
type Job struct {
	LastRun     time.Time `json:"last_run,omitzero"`     // when the last run ended, failed or not
	LastSuccess time.Time `json:"last_success,omitzero"` // zero: no run has succeeded yet
	// CollectedRecords and SourceErrors are per configured source, of the
	// last run. Give every configured source, 0 included, so an alert on
	// errors resolves when a source recovers.
	CollectedRecords map[string]int `json:"collected_records"`
	SourceErrors     map[string]int `json:"source_errors"`
	// PhaseSeconds is the wall time of each phase of the last run
	// ("collect", "analyze", "export").
	PhaseSeconds map[string]float64 `json:"phase_seconds"`
}

// Finish stamps a run that ended at ended. A run that succeeded becomes the
// last success; a failed one keeps the last success of prev, the snapshot
// the previous run wrote (nil when there is none). When the analysis itself
// failed, the run should also copy prev's figures into s (KeepFigures), so
// that every exporter keeps answering from the last good data.
func (s *Snapshot) Finish(prev *Snapshot, ended time.Time, succeeded bool) {
	s.Version = SnapshotVersion
	s.Job.LastRun = ended
	switch {
	case succeeded:
		s.Job.LastSuccess = ended
	case prev != nil && !prev.Job.LastSuccess.After(ended.Add(ClockSkew)):
		// A last success after this run's end is not believed: carried
		// over, it would keep the staleness alerts from ever firing.
		s.Job.LastSuccess = prev.Job.LastSuccess
	default:
		s.Job.LastSuccess = time.Time{}
	}
}

// ClockSkew is how far in the future a snapshot's times may lie (a clock
// set slightly differently on another host) before the snapshot is refused.
const ClockSkew = 5 * time.Minute

// SnapshotPath is where the nightly run writes the snapshot of the database
// at dbPath, and where serve, push and the textfile writer read it. An
// in-memory database has no snapshot: the path is "".
func SnapshotPath(dbPath string) string {
	if dbPath == "" || dbPath == ":memory:" {
		return ""
	}
	return dbPath + ".metrics.json"
}

var (
	windowRE = regexp.MustCompile(`^[1-9][0-9]*d$`)
	sourceRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Validate reports the first inconsistency that would make the exported
// metrics wrong or duplicate.
func (s *Snapshot) Validate() error {
	if s.Version != SnapshotVersion {
		return fmt.Errorf("version: want %d, got %d", SnapshotVersion, s.Version)
	}
	seen := make(map[string]bool, len(s.People))
	for i, p := range s.People {
		at := fmt.Sprintf("people[%d]", i)
		if p.ID == "" {
			return fmt.Errorf("%s.id: empty", at)
		}
		if !utf8.ValidString(p.ID) || !utf8.ValidString(p.Team) {
			return fmt.Errorf("%s: id or team is not valid UTF-8", at)
		}
		if seen[p.ID] {
			return fmt.Errorf("%s.id: duplicate %q", at, p.ID)
		}
		seen[p.ID] = true
		if p.RiskScore != nil && !(*p.RiskScore >= 0 && *p.RiskScore <= 100) {
			return fmt.Errorf("%s.risk_score: want 0 to 100, got %v", at, *p.RiskScore)
		}
		if !finiteNonNegative(p.WorkdaySpanSeconds) || p.WorkdaySpanSeconds > 86400 {
			return fmt.Errorf("%s.workday_span_seconds: want 0 to 86400, got %v", at, p.WorkdaySpanSeconds)
		}
		if p.LongestActiveStreak < 0 {
			return fmt.Errorf("%s.longest_active_streak: negative", at)
		}
		if p.OpenTickets != nil && *p.OpenTickets < 0 {
			return fmt.Errorf("%s.open_tickets: negative", at)
		}
		if p.OpenPullRequests != nil && *p.OpenPullRequests < 0 {
			return fmt.Errorf("%s.open_pull_requests: negative", at)
		}
		if p.Level != "" && !slices.Contains(Levels, p.Level) {
			return fmt.Errorf("%s.level: want one of %v, got %q", at, Levels, p.Level)
		}
		factors := make(map[string]bool, len(p.Factors))
		for j, f := range p.Factors {
			if !sourceRE.MatchString(f.Name) || factors[f.Name] {
				return fmt.Errorf("%s.factors[%d]: bad or repeated name %q", at, j, f.Name)
			}
			factors[f.Name] = true
			if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
				return fmt.Errorf("%s.factors[%d].value: not a finite number", at, j)
			}
			if f.Points != nil && (*f.Points < 0 || *f.Points > 100) {
				return fmt.Errorf("%s.factors[%d].points: want 0 to 100, got %d", at, j, *f.Points)
			}
		}
		for w, f := range p.Windows {
			wat := fmt.Sprintf("%s.windows[%q]", at, w)
			if !windowRE.MatchString(w) {
				return fmt.Errorf("%s: window label must look like \"28d\"", wat)
			}
			if !(f.AfterHoursRatio >= 0 && f.AfterHoursRatio <= 1) {
				return fmt.Errorf("%s.after_hours_ratio: want 0 to 1, got %v", wat, f.AfterHoursRatio)
			}
			if !finiteNonNegative(f.AfterHoursActiveSeconds) {
				return fmt.Errorf("%s.after_hours_active_seconds: want a non-negative number, got %v", wat, f.AfterHoursActiveSeconds)
			}
			if f.NonWorkdaysActive < 0 || f.LateNightEvents < 0 {
				return fmt.Errorf("%s: negative count", wat)
			}
			for src, n := range f.ActivityEvents {
				if !sourceRE.MatchString(src) {
					return fmt.Errorf("%s.activity_events: bad source name %q", wat, src)
				}
				if n < 0 {
					return fmt.Errorf("%s.activity_events[%q]: negative", wat, src)
				}
			}
		}
	}
	type cellKey struct {
		team string
		day  time.Weekday
		hour int
	}
	cells := make(map[cellKey]bool, len(s.Punchcard))
	for i, c := range s.Punchcard {
		at := fmt.Sprintf("punchcard[%d]", i)
		if !utf8.ValidString(c.Team) {
			return fmt.Errorf("%s.team: not valid UTF-8", at)
		}
		if c.Weekday < time.Sunday || c.Weekday > time.Saturday {
			return fmt.Errorf("%s.weekday: want 0 to 6, got %d", at, c.Weekday)
		}
		if c.Hour < 0 || c.Hour > 23 {
			return fmt.Errorf("%s.hour: want 0 to 23, got %d", at, c.Hour)
		}
		if c.Events < 0 {
			return fmt.Errorf("%s.events: negative", at)
		}
		k := cellKey{c.Team, c.Weekday, c.Hour}
		if cells[k] {
			return fmt.Errorf("%s: duplicate cell team %q weekday %d hour %d", at, c.Team, c.Weekday, c.Hour)
		}
		cells[k] = true
	}
	teams := make(map[string]bool, len(s.Teams))
	for i, t := range s.Teams {
		at := fmt.Sprintf("teams[%d]", i)
		if t.Name == "" || !utf8.ValidString(t.Name) || teams[t.Name] {
			return fmt.Errorf("%s.name: empty, repeated or not valid UTF-8: %q", at, t.Name)
		}
		teams[t.Name] = true
		for level, n := range t.People {
			if !slices.Contains(Levels, level) || n < 0 {
				return fmt.Errorf("%s.people: bad level %q or negative count %d", at, level, n)
			}
		}
		if t.SustainedAfterHours < 0 {
			return fmt.Errorf("%s.sustained_after_hours: negative", at)
		}
		if t.RiskScoreMedian != nil && !(*t.RiskScoreMedian >= 0 && *t.RiskScoreMedian <= 100) {
			return fmt.Errorf("%s.risk_score_median: want 0 to 100, got %v", at, *t.RiskScoreMedian)
		}
		for w, r := range t.AfterHoursRatioMedian {
			if !windowRE.MatchString(w) || !(r >= 0 && r <= 1) {
				return fmt.Errorf("%s.after_hours_ratio_median: bad window %q or share %v", at, w, r)
			}
		}
	}
	if s.UnclaimedIdentities != nil && *s.UnclaimedIdentities < 0 {
		return fmt.Errorf("unclaimed_identities: negative")
	}
	for _, m := range []map[string]int{s.Job.CollectedRecords, s.Job.SourceErrors} {
		for src, n := range m {
			if !sourceRE.MatchString(src) || n < 0 {
				return fmt.Errorf("job: bad source %q or negative count %d", src, n)
			}
		}
	}
	for phase, sec := range s.Job.PhaseSeconds {
		if !sourceRE.MatchString(phase) || !finiteNonNegative(sec) {
			return fmt.Errorf("job.phase_seconds: bad phase %q or duration %v", phase, sec)
		}
	}
	return nil
}

// notFromTheFuture refuses a snapshot that claims a run, a success or its
// own making after now: believed, a future last_success would keep
// overtime_last_success_timestamp_seconds ahead of time() and the
// staleness alerts silent for as long as the clock is behind.
func (s *Snapshot) notFromTheFuture(now time.Time) error {
	limit := now.Add(ClockSkew)
	for _, t := range []struct {
		key string
		at  time.Time
	}{{"job.last_success", s.Job.LastSuccess}, {"job.last_run", s.Job.LastRun}, {"generated_at", s.GeneratedAt}} {
		if t.at.After(limit) {
			return fmt.Errorf("%s %s lies in the future (now is %s)", t.key, t.at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func finiteNonNegative(f float64) bool { return f >= 0 && !math.IsInf(f, 1) }

// WriteSnapshotFile validates s and replaces the file at path with it
// atomically: it writes a temporary file in the same directory, syncs it and
// renames it over path, so a concurrent reader sees the old snapshot or the
// new one.
func WriteSnapshotFile(path string, s Snapshot) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("snapshot for %s: %w", path, err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// ReadSnapshotFile reads and validates the snapshot at path. A missing file
// is an error that matches fs.ErrNotExist.
func ReadSnapshotFile(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	if err := s.notFromTheFuture(time.Now()); err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	return &s, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path. The temporary name starts with a dot and does not end in .prom,
// so node_exporter's textfile collector never reads a half-written file.
// A new file gets the permissions the user's umask allows; a file replaced
// keeps the ones it had.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := createTempUmask(dir, "."+filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if old, serr := os.Stat(path); serr == nil {
		if err = tmp.Chmod(old.Mode().Perm()); err != nil {
			return fmt.Errorf("write %s: %w", tmp.Name(), err)
		}
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	// Make the rename itself durable; a failure here leaves a correct file.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// createTempUmask creates a new file named prefix and a random suffix in
// dir with mode 0666 less the umask (os.CreateTemp would make it 0600).
func createTempUmask(dir, prefix string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("no free temporary name for %s in %s", prefix, dir)
}
