package config

import (
	"fmt"
	"time"

	"github.com/overtime-project/overtime/worktime"
)

// Rules resolves the working-time rules of p: timezone, workdays, hours and
// holiday_calendar come from the most specific of p, p's team and the
// defaults that sets them; holidays are the union of the explicit dates of
// all three plus the effective calendar ("none" turns off a calendar
// inherited from a less specific level).
//
// Location is set only when p or p's team sets a timezone:
// defaults.timezone is the fallback for events with no better clue (see
// worktime.ZoneFor), not a configured zone.
func (c *Config) Rules(p Person) (worktime.Rules, error) {
	levels := []WorkSettings{c.Defaults}
	if p.Team != "" {
		t, ok := c.Team(p.Team)
		if !ok {
			return worktime.Rules{}, fmt.Errorf("person %q: undeclared team %q", p.ID, p.Team)
		}
		levels = append(levels, t.WorkSettings)
	}
	levels = append(levels, p.WorkSettings)
	r, err := resolveRules(levels)
	if err != nil {
		return worktime.Rules{}, fmt.Errorf("person %q: %w", p.ID, err)
	}
	return r, nil
}

// DefaultRules are the rules of people not in the config: the defaults, with
// no configured Location.
func (c *Config) DefaultRules() (worktime.Rules, error) {
	r, err := resolveRules([]WorkSettings{c.Defaults})
	if err != nil {
		return worktime.Rules{}, fmt.Errorf("defaults: %w", err)
	}
	return r, nil
}

// DefaultLocation is defaults.timezone, the zone of last resort; UTC when it
// is unset (or invalid, which Parse has already rejected).
func (c *Config) DefaultLocation() *time.Location {
	if c.Defaults.Timezone == "" {
		return time.UTC
	}
	loc, err := worktime.LoadLocation(c.Defaults.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// resolveRules resolves work settings given from least specific (the
// defaults, levels[0]) to most specific.
func resolveRules(levels []WorkSettings) (worktime.Rules, error) {
	var (
		r        worktime.Rules
		zone     string
		workdays = DefaultWorkdays
		hours    = DefaultHours
		calendar string
		dates    []string
	)
	for i, s := range levels {
		if s.Timezone != "" && i > 0 {
			zone = s.Timezone
		}
		if s.Workdays != nil {
			workdays = s.Workdays
		}
		if s.Hours != "" {
			hours = s.Hours
		}
		if s.HolidayCalendar != "" {
			calendar = s.HolidayCalendar
		}
		dates = append(dates, s.Holidays...)
	}
	var err error
	if zone != "" {
		if r.Location, err = worktime.LoadLocation(zone); err != nil {
			return worktime.Rules{}, fmt.Errorf("timezone: %w", err)
		}
	}
	if r.Workdays, err = worktime.ParseWorkdays(workdays); err != nil {
		return worktime.Rules{}, fmt.Errorf("workdays: %w", err)
	}
	if r.Start, r.End, err = worktime.ParseHours(hours); err != nil {
		return worktime.Rules{}, fmt.Errorf("hours: %w", err)
	}
	if calendar == noCalendar {
		calendar = ""
	}
	if r.Holidays, err = worktime.NewHolidaySet(calendar, dates); err != nil {
		return worktime.Rules{}, fmt.Errorf("holidays: %w", err)
	}
	return r, nil
}
