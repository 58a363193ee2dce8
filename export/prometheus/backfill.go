package prometheus

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

// BackfillWindow is the window label of backfilled weekly points: each point
// covers the seven local days before its timestamp, which is what the live
// "7d" series show, so history and live data join into one series.
const BackfillWindow = "7d"

// WeeklyPoint is one person's figures for one local week, a sample of the
// history that backfill turns into timestamped series.
type WeeklyPoint struct {
	// WeekEnd is the end of the week (the instant after its last local
	// day), the timestamp of every sample of the point.
	WeekEnd                 time.Time `json:"week_end"`
	Person                  string    `json:"person"`
	Team                    string    `json:"team"`
	AfterHoursRatio         float64   `json:"after_hours_ratio"`
	AfterHoursActiveSeconds float64   `json:"after_hours_active_seconds"`
	NonWorkdaysActive       int       `json:"nonworkdays_active"`
	// RiskScore is nil when the person could not be judged that week.
	RiskScore           *float64 `json:"risk_score,omitempty"`
	SustainedAfterHours bool     `json:"sustained_after_hours"`
}

// History is the weekly history the nightly run writes beside the snapshot,
// for `overtime backfill`.
type History struct {
	Version int           `json:"version"`
	Weeks   []WeeklyPoint `json:"weeks"`
}

// HistoryPath is where the nightly run writes the weekly history of the
// database at dbPath; "" for an in-memory database.
func HistoryPath(dbPath string) string {
	if dbPath == "" || dbPath == ":memory:" {
		return ""
	}
	return dbPath + ".history.json"
}

// WriteHistoryFile replaces the history file at path atomically.
func WriteHistoryFile(path string, weeks []WeeklyPoint) error {
	if err := validateWeeks(weeks); err != nil {
		return fmt.Errorf("history for %s: %w", path, err)
	}
	data, err := json.Marshal(History{Version: SnapshotVersion, Weeks: weeks})
	if err != nil {
		return fmt.Errorf("encode history: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// ReadHistoryFile reads the history file at path.
func ReadHistoryFile(path string) ([]WeeklyPoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h History
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("read history %s: %w", path, err)
	}
	if h.Version != SnapshotVersion {
		return nil, fmt.Errorf("read history %s: version: want %d, got %d", path, SnapshotVersion, h.Version)
	}
	if err := validateWeeks(h.Weeks); err != nil {
		return nil, fmt.Errorf("read history %s: %w", path, err)
	}
	return h.Weeks, nil
}

func validateWeeks(weeks []WeeklyPoint) error {
	type key struct {
		person string
		at     int64
	}
	seen := make(map[key]bool, len(weeks))
	for i, p := range weeks {
		at := fmt.Sprintf("weeks[%d]", i)
		if p.Person == "" {
			return fmt.Errorf("%s.person: empty", at)
		}
		if !utf8.ValidString(p.Person) || !utf8.ValidString(p.Team) {
			return fmt.Errorf("%s: person or team is not valid UTF-8", at)
		}
		if p.WeekEnd.IsZero() {
			return fmt.Errorf("%s.week_end: missing", at)
		}
		k := key{p.Person, p.WeekEnd.UnixMilli()}
		if seen[k] {
			return fmt.Errorf("%s: second point for person %q at %s", at, p.Person, p.WeekEnd.UTC().Format(time.RFC3339))
		}
		seen[k] = true
		if !(p.AfterHoursRatio >= 0 && p.AfterHoursRatio <= 1) {
			return fmt.Errorf("%s.after_hours_ratio: want 0 to 1, got %v", at, p.AfterHoursRatio)
		}
		if !finiteNonNegative(p.AfterHoursActiveSeconds) || p.NonWorkdaysActive < 0 {
			return fmt.Errorf("%s: negative or infinite figure", at)
		}
		if p.RiskScore != nil && !(*p.RiskScore >= 0 && *p.RiskScore <= 100) {
			return fmt.Errorf("%s.risk_score: want 0 to 100, got %v", at, *p.RiskScore)
		}
	}
	return nil
}

// WriteOpenMetrics writes the weekly history as OpenMetrics text with a
// timestamp on every sample, ending in "# EOF", for
//
//	promtool tsdb create-blocks-from openmetrics FILE DIR
//
// The series are the live ones (overtime_risk_score,
// overtime_sustained_afterhours, and the window="7d" series of
// overtime_afterhours_ratio, overtime_afterhours_active_seconds and
// overtime_nonworkdays_active), so dashboards show the history as the past
// of the same lines. Each series' samples are in time order, and each metric
// family is written in one piece, as the format requires.
func WriteOpenMetrics(w io.Writer, weeks []WeeklyPoint) error {
	if err := validateWeeks(weeks); err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	sorted := slices.Clone(weeks)
	slices.SortFunc(sorted, func(a, b WeeklyPoint) int {
		return cmp.Or(cmp.Compare(a.Person, b.Person), cmp.Compare(a.Team, b.Team), a.WeekEnd.Compare(b.WeekEnd))
	})
	window := []*dto.LabelPair{{Name: proto.String("window"), Value: proto.String(BackfillWindow)}}
	families := []struct {
		name   string
		labels []*dto.LabelPair
		value  func(p *WeeklyPoint) (float64, bool)
	}{
		{"overtime_risk_score", nil, func(p *WeeklyPoint) (float64, bool) {
			if p.RiskScore == nil {
				return 0, false
			}
			return *p.RiskScore, true
		}},
		{"overtime_sustained_afterhours", nil, func(p *WeeklyPoint) (float64, bool) {
			return boolFloat(p.SustainedAfterHours), true
		}},
		{"overtime_afterhours_ratio", window, func(p *WeeklyPoint) (float64, bool) {
			return p.AfterHoursRatio, true
		}},
		{"overtime_afterhours_active_seconds", window, func(p *WeeklyPoint) (float64, bool) {
			return p.AfterHoursActiveSeconds, true
		}},
		{"overtime_nonworkdays_active", window, func(p *WeeklyPoint) (float64, bool) {
			return float64(p.NonWorkdaysActive), true
		}},
	}
	for _, f := range families {
		mf := &dto.MetricFamily{Name: proto.String(f.name), Help: proto.String(helpText[f.name]), Type: dto.MetricType_GAUGE.Enum()}
		for i := range sorted {
			p := &sorted[i]
			v, ok := f.value(p)
			if !ok {
				continue
			}
			labels := []*dto.LabelPair{{Name: proto.String("person"), Value: proto.String(p.Person)}}
			if p.Team != "" {
				labels = append(labels, &dto.LabelPair{Name: proto.String("team"), Value: proto.String(p.Team)})
			}
			mf.Metric = append(mf.Metric, &dto.Metric{
				Label:       append(labels, f.labels...),
				Gauge:       &dto.Gauge{Value: proto.Float64(v)},
				TimestampMs: proto.Int64(p.WeekEnd.UnixMilli()),
			})
		}
		if len(mf.Metric) == 0 {
			continue
		}
		if _, err := expfmt.MetricFamilyToOpenMetrics(w, mf); err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
	}
	if _, err := expfmt.FinalizeOpenMetrics(w); err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	return nil
}
