package prometheus

import (
	"errors"
	"io/fs"
	"slices"
)

// ErasePerson removes the person whose metrics label is id from the snapshot
// and the weekly history beside the database at dbPath, so that `overtime
// forget` takes effect on /metrics, the next push and backfill at once
// instead of at the next nightly run. Missing files are fine. The team
// punchcard, an aggregate, changes at the next run.
func ErasePerson(dbPath, id string) error {
	var errs []error
	if path := SnapshotPath(dbPath); path != "" {
		s, err := ReadSnapshotFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			errs = append(errs, err)
		default:
			n := len(s.People)
			s.People = slices.DeleteFunc(s.People, func(p Person) bool { return p.ID == id })
			if len(s.People) != n {
				errs = append(errs, WriteSnapshotFile(path, *s))
			}
		}
	}
	if path := HistoryPath(dbPath); path != "" {
		weeks, err := ReadHistoryFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			errs = append(errs, err)
		default:
			n := len(weeks)
			weeks = slices.DeleteFunc(weeks, func(p WeeklyPoint) bool { return p.Person == id })
			if len(weeks) != n {
				errs = append(errs, WriteHistoryFile(path, weeks))
			}
		}
	}
	return errors.Join(errs...)
}
