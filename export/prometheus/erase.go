package prometheus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// ErasePerson removes the person whose metrics label is id from every file
// the export wrote for the database at dbPath: the snapshot, the weekly
// history and, when textfile is not "", the node_exporter textfile
// (rewritten from the snapshot without the person). It runs before the
// database erasure so that `overtime forget` takes effect on /metrics (a
// running serve reads the new snapshot at its next scrape), the next push,
// backfill and node_exporter at once; and so that a file it cannot rewrite
// stops the erasure before anything is lost, instead of leaving the person
// exported. Missing files are fine. Each file is replaced whole (written
// beside and renamed over), so none of the person's bytes stay in it. The
// team punchcard, an aggregate, changes at the next run.
func ErasePerson(dbPath, textfile, id string) error {
	var snap *Snapshot
	if path := SnapshotPath(dbPath); path != "" {
		s, err := ReadSnapshotFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("erase %s from the metrics snapshot: %w", id, err)
		default:
			n := len(s.People)
			s.People = slices.DeleteFunc(s.People, func(p Person) bool { return p.ID == id })
			if len(s.People) != n {
				if err := WriteSnapshotFile(path, *s); err != nil {
					return fmt.Errorf("erase %s from the metrics snapshot: %w", id, err)
				}
			}
			snap = s
		}
	}
	if path := HistoryPath(dbPath); path != "" {
		weeks, err := ReadHistoryFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("erase %s from the weekly history: %w", id, err)
		default:
			n := len(weeks)
			weeks = slices.DeleteFunc(weeks, func(p WeeklyPoint) bool { return p.Person == id })
			if len(weeks) != n {
				if err := WriteHistoryFile(path, weeks); err != nil {
					return fmt.Errorf("erase %s from the weekly history: %w", id, err)
				}
			}
		}
	}
	if textfile != "" {
		if _, err := os.Lstat(textfile); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		// The textfile is the snapshot's metrics; with no snapshot to
		// write it from, it goes, and the next run writes it again.
		var err error
		if snap != nil {
			err = WriteTextfile(textfile, snap)
		} else {
			err = os.Remove(textfile)
		}
		if err != nil {
			return fmt.Errorf("erase %s from the textfile %s: %w", id, textfile, err)
		}
	}
	return nil
}
