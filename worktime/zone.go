package worktime

import (
	"fmt"
	"sync"
	"time"
)

// MaxOffset bounds the UTC offsets ZoneFor accepts from event data. Real
// zones lie within -12h..+14h; git stores whatever the committer's machine
// claimed, so anything beyond ±18h is treated as not recorded.
const MaxOffset = 18 * 60 * 60

// ZoneFor is the time model of docs/design.md: the configured zone (person, else team)
// first; else the event's own recorded UTC offset in seconds, if any; else
// the person's inferred offset, if any; else fallback (defaults.timezone);
// else UTC. Offsets become fixed zones; offsets beyond ±MaxOffset are
// ignored as corrupt.
func ZoneFor(configured *time.Location, recordedOffset, inferredOffset *int, fallback *time.Location) *time.Location {
	if configured != nil {
		return configured
	}
	for _, off := range []*int{recordedOffset, inferredOffset} {
		if off != nil && *off >= -MaxOffset && *off <= MaxOffset {
			return FixedZone(*off)
		}
	}
	if fallback != nil {
		return fallback
	}
	return time.UTC
}

var fixedZones sync.Map // int offset → *time.Location

// FixedZone returns a zone with a constant UTC offset in seconds, named like
// "UTC+05:45". Zones are shared, so calling it per event costs no
// allocation.
func FixedZone(offsetSeconds int) *time.Location {
	if offsetSeconds == 0 {
		return time.UTC
	}
	if loc, ok := fixedZones.Load(offsetSeconds); ok {
		return loc.(*time.Location)
	}
	loc, _ := fixedZones.LoadOrStore(offsetSeconds, time.FixedZone(offsetName(offsetSeconds), offsetSeconds))
	return loc.(*time.Location)
}

func offsetName(offsetSeconds int) string {
	sign := '+'
	if offsetSeconds < 0 {
		sign = '-'
		offsetSeconds = -offsetSeconds
	}
	h, m, s := offsetSeconds/3600, offsetSeconds/60%60, offsetSeconds%60
	if s != 0 {
		return fmt.Sprintf("UTC%c%02d:%02d:%02d", sign, h, m, s)
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, h, m)
}

var locations sync.Map // name → *time.Location

// LoadLocation loads an IANA time zone such as "Europe/Berlin" or "UTC",
// caching it (time.LoadLocation reads the zone database on every call). It
// rejects "" and "Local": the server's own zone must never stand in for a
// person's.
func LoadLocation(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, fmt.Errorf("empty time zone: want an IANA name like \"Europe/Berlin\"")
	case "Local":
		return nil, fmt.Errorf("time zone %q is the server's zone: want an IANA name like \"Europe/Berlin\"", name)
	}
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	locations.Store(name, loc)
	return loc, nil
}

// Transition says that from the instant From (UTC) on, the zone's UTC offset
// is OffsetSeconds.
type Transition struct {
	From          time.Time
	OffsetSeconds int
}

// Transitions lists the UTC offsets of loc over [from, to], in order: the
// first element's From is at or before from (the start of the zone period in
// force at from, or from itself when that period has no start), and each
// later element starts where the offset changes. Local wall time of an
// instant t in [from, to] is t + OffsetSeconds of the last element with
// From <= t, which is what the store's ASOF join computes for millions of
// events at once.
//
// Periods that change only the zone's abbreviation or DST flag but not the
// offset are merged. A nil loc means UTC.
func Transitions(loc *time.Location, from, to time.Time) []Transition {
	if loc == nil {
		loc = time.UTC
	}
	at := from.In(loc)
	start, end := at.ZoneBounds()
	if start.IsZero() {
		start = from
	}
	_, offset := at.Zone()
	out := []Transition{{From: start.UTC(), OffsetSeconds: offset}}
	for !end.IsZero() && !end.After(to) {
		next := end.In(loc)
		_, offset = next.Zone()
		if offset != out[len(out)-1].OffsetSeconds {
			out = append(out, Transition{From: end.UTC(), OffsetSeconds: offset})
		}
		_, nextEnd := next.ZoneBounds()
		if !nextEnd.After(end) {
			break // defensive: never loop on a zone that does not advance
		}
		end = nextEnd
	}
	return out
}
