// Package report writes a window's per-person figures and risk assessments
// for people and scripts: a readable table, the JSON document of the report
// contract, CSV, or one self-contained HTML page with weekly charts.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
)

// Formats are the accepted --format values.
var Formats = []string{"table", "json", "csv", "html"}

// Document is the report JSON contract.
type Document struct {
	AsOf       string   `json:"as_of"`
	WindowDays int      `json:"window_days"`
	People     []Person `json:"people"`
}

// Person is one person's entry in the report JSON.
type Person struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Team             string  `json:"team"`
	Events           int     `json:"events"`
	AfterHoursEvents int     `json:"after_hours_events"`
	WeekendDays      int     `json:"weekend_days"`
	LateNightEvents  int     `json:"late_night_events"`
	AfterHoursRatio  float64 `json:"after_hours_ratio"`
	// *Risk is nil for a window without assessments; its keys are then left
	// out altogether.
	*Risk
	// Present only where the source (Jira, GitHub) is configured and knows
	// the person: absent, never 0, when the tool cannot see it.
	OpenTickets      *int `json:"open_tickets,omitempty"`
	OpenPullRequests *int `json:"open_pull_requests,omitempty"`
}

// Risk is a person's assessment in the report JSON. RiskScore is null when
// the level is insufficient_data.
type Risk struct {
	RiskScore           *int     `json:"risk_score"`
	RiskLevel           string   `json:"risk_level"`
	SustainedAfterHours bool     `json:"sustained_after_hours"`
	Factors             []Factor `json:"factors"`
	// Pattern is rising, long_standing or none (docs/methodology.md).
	Pattern            string     `json:"pattern"`
	PatternExplanation string     `json:"pattern_explanation"`
	UsualHours         UsualHours `json:"usual_hours"`
	Clock              Clock      `json:"clock"`
	Evidence           Evidence   `json:"evidence"`
}

// UsualHours is the working window a person was judged against: configured
// (their own hours), learned (from their baseline weeks) or prior (the
// team's or default hours).
type UsualHours struct {
	Start       string `json:"start"` // "12:00"
	End         string `json:"end"`   // "21:00"; before start when the window wraps past midnight
	Source      string `json:"source"`
	FromDays    int    `json:"from_days"`
	Explanation string `json:"explanation"`
}

// Clock says whether the person's recorded offsets were taken as their
// clock; ShiftHours is added to the recorded time when they were not.
// People with a configured zone are not checked (suspect false, share 0).
//
// ContradictingShare is the share of their stamped events that say +0000 on
// days their other stamps contradict it; UTCStampsReadAs is the offset those
// are read at ("+0900"), null when there are none.
type Clock struct {
	Suspect            bool    `json:"suspect"`
	ShiftHours         float64 `json:"shift_hours"`
	StampedUTCShare    float64 `json:"stamped_utc_share"`
	Explanation        string  `json:"explanation"`
	UTCStampsReadAs    *string `json:"utc_stamps_read_as"`
	ContradictingShare float64 `json:"contradicting_share"`
}

// Evidence is what the assessment rests on.
type Evidence struct {
	ActiveDays       int     `json:"active_days"`
	Sessions         int     `json:"sessions"`
	ActiveHours      float64 `json:"active_hours"`
	HistoryWeeks     int     `json:"history_weeks"`
	BaselineWeeks    int     `json:"baseline_weeks"`
	CappedAtElevated bool    `json:"capped_at_elevated"`
	Explanation      string  `json:"explanation"`
}

// Factor is one reason of a score. Baseline is the person's own usual, null
// without enough history; the team's usual is in the explanation.
type Factor struct {
	Name         string   `json:"name"`
	Value        float64  `json:"value"`
	Baseline     *float64 `json:"baseline"`
	Contribution int      `json:"contribution"`
	Explanation  string   `json:"explanation"`
}

// NewDocument builds the JSON document of a window.
func NewDocument(w analysis.Window) Document {
	d := Document{AsOf: w.AsOf.Format("2006-01-02"), WindowDays: w.WindowDays, People: []Person{}}
	for _, f := range w.People {
		p := Person{ID: f.ID, Name: f.Name, Team: f.Team, Events: f.Events,
			AfterHoursEvents: f.AfterHoursEvents, WeekendDays: f.WeekendDays, LateNightEvents: f.LateNightEvents,
			AfterHoursRatio: f.AfterHoursRatio, OpenTickets: f.OpenTickets, OpenPullRequests: f.OpenPullRequests}
		if a := f.Risk; a != nil {
			p.Risk = &Risk{RiskScore: a.Score, RiskLevel: string(a.Level), SustainedAfterHours: a.Sustained, Factors: []Factor{},
				Pattern: string(a.Pattern), PatternExplanation: a.PatternExplanation,
				UsualHours: UsualHours{Start: hhmm(a.Usual.Start()), End: hhmm(a.Usual.End()), Source: a.Usual.Source,
					FromDays: a.Usual.FromDays, Explanation: a.UsualExplanation},
				Clock: Clock{Suspect: a.Clock.Suspect, ShiftHours: float64(a.Clock.ShiftMinutes) / 60,
					StampedUTCShare: a.Clock.StampedUTCShare, Explanation: a.ClockExplanation,
					ContradictingShare: a.Clock.ContradictingShare},
				Evidence: Evidence{ActiveDays: a.Evidence.ActiveDays, Sessions: a.Evidence.Sessions,
					ActiveHours: a.Evidence.ActiveHours, HistoryWeeks: a.Evidence.HistoryWeeks,
					BaselineWeeks: a.Evidence.BaselineWeeks, CappedAtElevated: a.Evidence.Capped,
					Explanation: a.Evidence.Explanation}}
			if a.Clock.Contradicting > 0 {
				readAs := analysis.OffsetText(a.Clock.UTCReadAs)
				p.Risk.Clock.UTCStampsReadAs = &readAs
			}
			for _, x := range a.Factors {
				p.Factors = append(p.Factors, Factor{Name: x.Name, Value: x.Value, Baseline: x.Baseline,
					Contribution: x.Contribution, Explanation: x.Explanation})
			}
		}
		d.People = append(d.People, p)
	}
	return d
}

// hhmm is minutes after midnight as "HH:MM"; 1440 is "24:00".
func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// Write writes the window in the given format.
func Write(out io.Writer, format string, w analysis.Window) error {
	switch format {
	case "table":
		return writeTable(out, w)
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(NewDocument(w))
	case "csv":
		return writeCSV(out, w)
	case "html":
		// Without the weekly history: no charts. WriteHTML with
		// LoadHistory draws them.
		return WriteHTML(out, w, History{}, HTMLOptions{MinGroupSize: config.DefaultMinGroupSize})
	}
	return fmt.Errorf("unknown report format %q (want table, json, csv or html)", format)
}

// columns of the CSV, after as_of and window_days. The risk cells are empty
// for a window without assessments, risk_score also for insufficient_data;
// open_tickets and open_pull_requests are empty where the source is not
// configured. factors lists the contributing factors as name=points.
var columns = []string{"id", "name", "team", "events", "after_hours_events", "weekend_days", "late_night_events",
	"after_hours_ratio", "risk_score", "risk_level", "sustained_after_hours", "top_reason", "factors",
	"open_tickets", "open_pull_requests"}

func row(p Person) []string {
	r := []string{p.ID, p.Name, p.Team, strconv.Itoa(p.Events), strconv.Itoa(p.AfterHoursEvents),
		strconv.Itoa(p.WeekendDays), strconv.Itoa(p.LateNightEvents), strconv.FormatFloat(p.AfterHoursRatio, 'f', 3, 64)}
	if p.Risk == nil {
		r = append(r, "", "", "", "", "")
	} else {
		var points []string
		for _, f := range p.Factors {
			if f.Contribution > 0 {
				points = append(points, fmt.Sprintf("%s=%d", f.Name, f.Contribution))
			}
		}
		r = append(r, optional(p.RiskScore), p.RiskLevel, strconv.FormatBool(p.SustainedAfterHours), p.topReason(),
			strings.Join(points, " "))
	}
	return append(r, optional(p.OpenTickets), optional(p.OpenPullRequests))
}

// topReason is the explanation of the factor contributing most; for
// insufficient data, why there is no score.
func (p Person) topReason() string {
	if p.Risk == nil || len(p.Factors) == 0 {
		return ""
	}
	if f := p.Factors[0]; f.Contribution > 0 || p.RiskScore == nil {
		return f.Explanation
	}
	return ""
}

func optional(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func writeCSV(out io.Writer, w analysis.Window) error {
	cw := csv.NewWriter(out)
	if err := cw.Write(append([]string{"as_of", "window_days"}, columns...)); err != nil {
		return err
	}
	d := NewDocument(w)
	for _, p := range d.People {
		r := row(p)
		for i := range r {
			r[i] = CSVCell(r[i])
		}
		if err := cw.Write(append([]string{d.AsOf, strconv.Itoa(d.WindowDays)}, r...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(out io.Writer, w analysis.Window) error {
	from, to := w.Days()
	d := NewDocument(w)
	assessed := len(d.People) > 0 && d.People[0].Risk != nil
	order := "highest after-hours share first"
	if assessed {
		order = "highest risk first; the risk looks at the weeks ending " + d.AsOf
	}
	fmt.Fprintf(out, "Overtime report: %d days, %s to %s (local dates), %s\n\n",
		w.WindowDays, from.Format("2006-01-02"), to.Format("2006-01-02"), order)
	if len(w.People) == 0 {
		_, err := fmt.Fprintln(out, "No activity in this window.")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	header := "PERSON\tTEAM\tEVENTS\tAFTER HOURS\tSHARE\tNON-WORK DAYS\tLATE NIGHT\t"
	if assessed {
		header += "SCORE\tLEVEL\tSUSTAINED\tTOP REASON\t"
	}
	fmt.Fprintln(tw, header)
	for _, p := range d.People {
		team := Printable(p.Team)
		if team == "" {
			team = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f%%\t%d\t%d\t", Printable(p.ID), team, p.Events, p.AfterHoursEvents,
			p.AfterHoursRatio*100, p.WeekendDays, p.LateNightEvents)
		if p.Risk != nil {
			score, sustained, reason := "-", "no", p.topReason()
			if p.RiskScore != nil {
				score = strconv.Itoa(*p.RiskScore)
			}
			if p.SustainedAfterHours {
				sustained = "yes"
			}
			if reason == "" {
				reason = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t", score, strings.ReplaceAll(p.RiskLevel, "_", " "), sustained, Printable(reason))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// Printable returns s without control characters (C0, DEL, C1: escape
// sequences, carriage returns, tabs that would shift the table's columns)
// and without the invisible marks that reorder text (bidirectional
// overrides and isolates), for names and ids written to a terminal. The
// names come from commits and tickets that anyone can write.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

func isBidiControl(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// CSVCell neutralises a cell that a spreadsheet would run as a formula: one
// that begins with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, as OWASP recommends against CSV injection. Numbers ("-3",
// "+1.5") are left as they are.
func CSVCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}
