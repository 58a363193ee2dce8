package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overtime-project/overtime/worktime"
)

// rules is worktime.Rules written out for comparison.
type rules struct {
	Location string // "" when nil
	Workdays string
	Hours    string
	Holidays []string // 2025 holiday dates
}

func describeRules(r worktime.Rules) rules {
	out := rules{Hours: worktime.FormatHours(r.Start, r.End)}
	if r.Location != nil {
		out.Location = r.Location.String()
	}
	var days []string
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if r.Workdays[wd] {
			days = append(days, strings.ToLower(wd.String()[:3]))
		}
	}
	out.Workdays = strings.Join(days, " ")
	for _, d := range r.Holidays.Dates(2025, 2025) {
		out.Holidays = append(out.Holidays, d.Format(time.DateOnly))
	}
	return out
}

var (
	us2025 = []string{
		"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
		"2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25",
	}
	de2025 = []string{
		"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-09",
		"2025-10-03", "2025-12-25", "2025-12-26",
	}
)

func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config string
		person string // id; "" for DefaultRules
		want   rules
	}{
		{
			name:   "defaults only: defaults.timezone is the fallback, not a configured zone",
			config: "defaults: {timezone: Europe/Berlin}\npeople: [{id: alice}]",
			person: "alice",
			want:   rules{Location: "", Workdays: "mon tue wed thu fri", Hours: "09:00-18:00"},
		},
		{
			name:   "default rules",
			config: "defaults: {timezone: Europe/Berlin, hours: \"08:00-16:00\", holiday_calendar: us}",
			want:   rules{Location: "", Workdays: "mon tue wed thu fri", Hours: "08:00-16:00", Holidays: us2025},
		},
		{
			name: "team timezone inherited",
			config: `
defaults: {timezone: UTC}
teams: [{name: payments, timezone: Asia/Kolkata}]
people: [{id: alice, team: payments}]`,
			person: "alice",
			want:   rules{Location: "Asia/Kolkata", Workdays: "mon tue wed thu fri", Hours: "09:00-18:00"},
		},
		{
			name: "person timezone overrides team",
			config: `
teams: [{name: payments, timezone: Asia/Kolkata}]
people: [{id: alice, team: payments, timezone: America/New_York}]`,
			person: "alice",
			want:   rules{Location: "America/New_York", Workdays: "mon tue wed thu fri", Hours: "09:00-18:00"},
		},
		{
			name: "person without team has no configured zone",
			config: `
teams: [{name: payments, timezone: Asia/Kolkata}]
people: [{id: alice, team: payments}, {id: bob}]`,
			person: "bob",
			want:   rules{Location: "", Workdays: "mon tue wed thu fri", Hours: "09:00-18:00"},
		},
		{
			name: "team hours and workdays inherited, person overrides workdays",
			config: `
defaults: {hours: "09:00-17:00"}
teams: [{name: ops, hours: "07:00-15:30", workdays: [sun, mon, tue, wed, thu]}]
people: [{id: alice, team: ops, workdays: [mon, tue, wed]}, {id: bob, team: ops}]`,
			person: "alice",
			want:   rules{Workdays: "mon tue wed", Hours: "07:00-15:30"},
		},
		{
			name: "team workdays inherited",
			config: `
teams: [{name: ops, hours: "07:00-15:30", workdays: [sun, mon, tue, wed, thu]}]
people: [{id: alice, team: ops, workdays: [mon, tue, wed]}, {id: bob, team: ops}]`,
			person: "bob",
			want:   rules{Workdays: "sun mon tue wed thu", Hours: "07:00-15:30"},
		},
		{
			name: "team holidays inherited",
			config: `
teams: [{name: payments, holiday_calendar: de, holidays: ["2025-12-24"]}]
people: [{id: alice, team: payments}]`,
			person: "alice",
			want: rules{Workdays: "mon tue wed thu fri", Hours: "09:00-18:00", Holidays: []string{
				"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-09",
				"2025-10-03", "2025-12-24", "2025-12-25", "2025-12-26",
			}},
		},
		{
			name: "explicit dates add up at every level, calendar from the most specific",
			config: `
defaults: {holiday_calendar: us, holidays: ["2025-12-31"]}
teams: [{name: payments, holiday_calendar: de, holidays: ["2025-12-24"]}]
people: [{id: alice, team: payments, holidays: ["2025-08-15", "2025-12-24"]}]`,
			person: "alice",
			want: rules{Workdays: "mon tue wed thu fri", Hours: "09:00-18:00", Holidays: []string{
				"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-09",
				"2025-08-15", "2025-10-03", "2025-12-24", "2025-12-25", "2025-12-26", "2025-12-31",
			}},
		},
		{
			name: "defaults calendar inherited when nobody sets one",
			config: `
defaults: {holiday_calendar: us}
teams: [{name: payments}]
people: [{id: alice, team: payments}]`,
			person: "alice",
			want:   rules{Workdays: "mon tue wed thu fri", Hours: "09:00-18:00", Holidays: us2025},
		},
		{
			name: "person calendar overrides team calendar",
			config: `
teams: [{name: payments, holiday_calendar: us}]
people: [{id: alice, team: payments, holiday_calendar: DE}]`,
			person: "alice",
			want:   rules{Workdays: "mon tue wed thu fri", Hours: "09:00-18:00", Holidays: de2025},
		},
		{
			name: "none turns off an inherited calendar but keeps dates",
			config: `
teams: [{name: payments, holiday_calendar: us, holidays: ["2025-12-24"]}]
people: [{id: alice, team: payments, holiday_calendar: none}]`,
			person: "alice",
			want:   rules{Workdays: "mon tue wed thu fri", Hours: "09:00-18:00", Holidays: []string{"2025-12-24"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.config), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var r worktime.Rules
			if tt.person == "" {
				r, err = c.DefaultRules()
			} else {
				p, ok := c.Person(tt.person)
				if !ok {
					t.Fatalf("no person %q", tt.person)
				}
				r, err = c.Rules(p)
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Holidays == nil {
				t.Fatal("Holidays is nil")
			}
			if diff := cmp.Diff(tt.want, describeRules(r)); diff != "" {
				t.Errorf("rules mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRulesClassify runs resolved rules end to end: a Berlin team member
// whose machine commits in UTC is judged in Berlin time.
func TestRulesClassify(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`
defaults: {timezone: America/New_York}
teams: [{name: payments, timezone: Europe/Berlin, holiday_calendar: de}]
people: [{id: alice, team: payments}, {id: bob}]`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := c.Person("alice")
	r, err := c.Rules(alice)
	if err != nil {
		t.Fatal(err)
	}
	instant := time.Date(2025, 10, 2, 7, 30, 0, 0, time.UTC) // Thursday
	zone := worktime.ZoneFor(r.Location, new(0), nil, c.DefaultLocation())
	if f := r.Classify(instant, zone); f.Hour != 9 || f.AfterHours {
		t.Errorf("alice at %v: %+v, want 09:30 working time", instant, f)
	}
	if f := r.Classify(instant.AddDate(0, 0, 1), zone); !f.AfterHours || f.WorkingDay {
		t.Errorf("alice on German Unity Day: %+v, want a holiday", f)
	}

	bob, _ := c.Person("bob")
	r, err = c.Rules(bob)
	if err != nil {
		t.Fatal(err)
	}
	// No configured zone and no recorded offset: defaults.timezone.
	zone = worktime.ZoneFor(r.Location, nil, nil, c.DefaultLocation())
	if f := r.Classify(instant, zone); f.Hour != 3 || !f.LateNight {
		t.Errorf("bob at %v: %+v, want 03:30 New York", instant, f)
	}
}

func TestRulesErrors(t *testing.T) {
	t.Parallel()
	c := Default(t.TempDir())
	_, err := c.Rules(Person{ID: "alice", Team: "payments"})
	if err == nil || err.Error() != `person "alice": undeclared team "payments"` {
		t.Errorf("error = %v", err)
	}
	_, err = c.Rules(Person{ID: "bob", WorkSettings: WorkSettings{Timezone: "Mars/Olympus"}})
	if err == nil || err.Error() != `person "bob": timezone: unknown time zone "Mars/Olympus"` {
		t.Errorf("error = %v", err)
	}
}

func TestDefaultLocation(t *testing.T) {
	t.Parallel()
	tests := []struct{ zone, want string }{
		{"", "UTC"},
		{"UTC", "UTC"},
		{"Asia/Kathmandu", "Asia/Kathmandu"},
		{"Not/AZone", "UTC"},
	}
	for _, tt := range tests {
		c := &Config{Defaults: WorkSettings{Timezone: tt.zone}}
		if got := c.DefaultLocation().String(); got != tt.want {
			t.Errorf("DefaultLocation() with %q = %q, want %q", tt.zone, got, tt.want)
		}
	}
	c, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultLocation() != time.UTC {
		t.Errorf("default DefaultLocation() = %v", c.DefaultLocation())
	}
}
