// Package report writes a window's per-person figures for people and
// scripts: a readable table, the JSON document of the report contract, or CSV.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/overtime-project/overtime/analysis"
)

// Formats are the accepted --format values.
var Formats = []string{"table", "json", "csv"}

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
}

// NewDocument builds the JSON document of a window.
func NewDocument(w analysis.Window) Document {
	d := Document{AsOf: w.AsOf.Format("2006-01-02"), WindowDays: w.WindowDays, People: []Person{}}
	for _, f := range w.People {
		d.People = append(d.People, Person{ID: f.ID, Name: f.Name, Team: f.Team, Events: f.Events,
			AfterHoursEvents: f.AfterHoursEvents, WeekendDays: f.WeekendDays, LateNightEvents: f.LateNightEvents,
			AfterHoursRatio: f.AfterHoursRatio})
	}
	return d
}

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
	}
	return fmt.Errorf("unknown report format %q (want table, json or csv)", format)
}

var columns = []string{"id", "name", "team", "events", "after_hours_events", "weekend_days", "late_night_events", "after_hours_ratio"}

func row(p Person) []string {
	return []string{p.ID, p.Name, p.Team, strconv.Itoa(p.Events), strconv.Itoa(p.AfterHoursEvents),
		strconv.Itoa(p.WeekendDays), strconv.Itoa(p.LateNightEvents), strconv.FormatFloat(p.AfterHoursRatio, 'f', 3, 64)}
}

func writeCSV(out io.Writer, w analysis.Window) error {
	cw := csv.NewWriter(out)
	if err := cw.Write(append([]string{"as_of", "window_days"}, columns...)); err != nil {
		return err
	}
	d := NewDocument(w)
	for _, p := range d.People {
		if err := cw.Write(append([]string{d.AsOf, strconv.Itoa(d.WindowDays)}, row(p)...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(out io.Writer, w analysis.Window) error {
	from, to := w.Days()
	fmt.Fprintf(out, "Overtime report: %d days, %s to %s (local dates), highest after-hours share first\n\n",
		w.WindowDays, from.Format("2006-01-02"), to.Format("2006-01-02"))
	if len(w.People) == 0 {
		_, err := fmt.Fprintln(out, "No activity in this window.")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tTEAM\tEVENTS\tAFTER HOURS\tSHARE\tNON-WORK DAYS\tLATE NIGHT\t")
	for _, p := range NewDocument(w).People {
		team := p.Team
		if team == "" {
			team = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f%%\t%d\t%d\t\n", p.ID, team, p.Events, p.AfterHoursEvents,
			p.AfterHoursRatio*100, p.WeekendDays, p.LateNightEvents)
	}
	return tw.Flush()
}
