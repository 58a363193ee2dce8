package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/store"
)

// listPageSize is the page size of the reconciliation listing, which asks
// for ids only.
const listPageSize = 1000

// sync reads the tickets updated since the cursor, ordered by `updated`, and
// stores them page by page.
func (s *session) sync(ctx context.Context, db *store.DB) (collectors.Stats, error) {
	var stats collectors.Stats
	log := s.c.opts.Logger
	scope := s.c.CursorScope()
	cur, ok, err := db.GetCursor(ctx, Source, scope)
	if err != nil {
		return stats, err
	}
	from := s.c.opts.Since
	if from.IsZero() {
		from = s.runStart.AddDate(-1, 0, 0)
	}
	var high time.Time // the highest `updated` stored
	if ok {
		if t, err := time.Parse(time.RFC3339Nano, cur.Position); err == nil {
			high = t
			// Minutes of overlap: JQL has minute precision, and tickets seen
			// twice are stored once.
			from = t.Add(-s.c.opts.Overlap)
		} else {
			log.Warn("jira: unreadable cursor; reading from the start", "url", s.c.site, "cursor", cur.Position)
		}
	}
	if !s.zoneKnown {
		from = from.Add(-unknownZoneMargin)
	}
	jql := updatedSince(s.c.opts.JQL, from, s.zone, "updated ASC, key ASC")
	log.Info("jira: searching", "url", s.c.site, "deployment", s.deployment, "jql", jql)

	fields := ticketFields
	if s.points != "" {
		fields = append(fields[:len(fields):len(fields)], s.points)
	}
	retried, err := s.retrySkipped(ctx, db, scope, fields)
	stats.Read += retried.Read
	stats.Inserted += retried.Inserted
	if err != nil {
		return stats, err
	}
	tickets := 0
	err = s.search(ctx, searchRequest{jql: jql, fields: fields, expand: "changelog", pageSize: s.c.opts.PageSize},
		func(raws []json.RawMessage) error {
			page := store.JiraPage{SyncedAt: s.runStart, Scope: scope}
			before := high
			for _, raw := range raws {
				t, err := s.readTicket(ctx, raw)
				var skip *skipError
				if errors.As(err, &skip) {
					// Not storable as it is: warn and go on. The cursor moves past
					// it with the tickets around it; it goes on the skipped list,
					// which the next run reads again first.
					s.skipped(skip, &page)
					continue
				}
				if err != nil {
					return err
				}
				page.Tickets = append(page.Tickets, t.ticket)
				page.Events = append(page.Events, t.events...)
				page.Users = append(page.Users, t.users...)
				if t.ticket.Updated.After(high) {
					high = t.ticket.Updated
				}
			}
			if high.After(before) {
				// Never past the start of the run: a ticket changed while the
				// run read may have been read before the change.
				at := high
				if at.After(s.runStart) {
					at = s.runStart
				}
				page.Cursor = &store.Cursor{Source: Source, Scope: scope, Position: at.UTC().Format(time.RFC3339Nano)}
			}
			if len(page.Tickets) == 0 && page.Cursor == nil && len(page.Skipped) == 0 {
				return nil
			}
			n, err := db.WriteJiraTickets(ctx, page)
			if err != nil {
				return err
			}
			tickets += len(page.Tickets)
			stats.Read += len(page.Events)
			stats.Inserted += n
			return nil
		})
	if err != nil {
		return stats, err
	}
	log.Info("jira: tickets stored", "url", s.c.site, "tickets", tickets, "events", stats.Read, "new_events", stats.Inserted)
	return stats, nil
}

// skipped warns of a ticket that cannot be stored and, unless it is gone,
// puts it on the page's skipped list.
func (s *session) skipped(skip *skipError, page *store.JiraPage) {
	s.warnings.add(skip.kind, skip.key)
	s.c.opts.Logger.Warn("jira: ticket skipped", "url", s.c.site, "ticket", skip.key, "reason", skip.kind, "err", skip.err)
	if skip.kind != warnVanished {
		page.Skipped = append(page.Skipped, store.JiraSkip{Key: skip.key, Reason: skip.kind})
	}
}

// retrySkipped reads again, one by one, the tickets earlier runs had to
// skip: those now readable are stored and struck off the list, those Jira
// no longer has are struck off, the others stay on it.
func (s *session) retrySkipped(ctx context.Context, db *store.DB, scope string, fields []string) (collectors.Stats, error) {
	var stats collectors.Stats
	keys, err := db.JiraSkipped(ctx, scope)
	if err != nil {
		return stats, err
	}
	for _, key := range keys {
		var raw json.RawMessage
		q := url.Values{"fields": {strings.Join(fields, ",")}, "expand": {"changelog"}}
		if err := s.get(ctx, s.auth, "rest/api/2/issue/"+url.PathEscape(key), q, &raw); err != nil {
			if statusCode(err) == http.StatusNotFound {
				s.c.opts.Logger.Info("jira: a skipped ticket is gone", "url", s.c.site, "ticket", key)
				if err := db.DropJiraSkipped(ctx, scope, key); err != nil {
					return stats, err
				}
				continue
			}
			return stats, fmt.Errorf("jira %s: reading skipped ticket %s again: %w", s.c.site, key, err)
		}
		page := store.JiraPage{SyncedAt: s.runStart, Scope: scope}
		t, err := s.readTicket(ctx, raw)
		var skip *skipError
		switch {
		case errors.As(err, &skip):
			s.skipped(skip, &page)
		case err != nil:
			return stats, err
		default:
			page.Tickets = append(page.Tickets, t.ticket)
			page.Events = append(page.Events, t.events...)
			page.Users = append(page.Users, t.users...)
			s.c.opts.Logger.Info("jira: a skipped ticket is stored now", "url", s.c.site, "ticket", key)
		}
		n, err := db.WriteJiraTickets(ctx, page)
		if err != nil {
			return stats, err
		}
		stats.Read += len(page.Events)
		stats.Inserted += n
	}
	return stats, nil
}

func (s *session) reconcileScope() string { return "reconcile " + s.c.CursorScope() }

// reconcileIfDue lists every ticket the JQL returns now, among those
// updated since the oldest stored one, and marks the stored tickets not
// among them as gone (deleted, or moved out of the JQL), so that they leave
// the ticket load. It runs only after a clean sync, and never on an empty
// listing, which more likely means lost permissions than no tickets.
func (s *session) reconcileIfDue(ctx context.Context, db *store.DB) error {
	every := s.c.opts.ReconcileEvery
	if every < 0 {
		return nil
	}
	log := s.c.opts.Logger
	if every > 0 {
		cur, ok, err := db.GetCursor(ctx, Source, s.reconcileScope())
		if err != nil {
			return err
		}
		if last, err := time.Parse(time.RFC3339Nano, cur.Position); ok && err == nil && s.runStart.Sub(last) < every {
			return nil
		}
	}
	oldest, ok, err := db.JiraOldestUpdated(ctx)
	if err != nil || !ok {
		return err
	}
	from := oldest.Add(-24 * time.Hour)
	if !s.zoneKnown {
		from = from.Add(-unknownZoneMargin)
	}
	jql := updatedSince(s.c.opts.JQL, from, s.zone, "created ASC, key ASC")
	var present []string
	unreadable := 0
	err = s.search(ctx, searchRequest{jql: jql, fields: []string{"updated"}, pageSize: listPageSize},
		func(raws []json.RawMessage) error {
			for _, raw := range raws {
				var h struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(raw, &h) != nil || h.ID == "" {
					unreadable++
					continue
				}
				present = append(present, h.ID)
			}
			return nil
		})
	if err != nil {
		return err
	}
	switch {
	case unreadable > 0:
		log.Warn("jira: reconciliation skipped: the listing had unreadable tickets", "url", s.c.site, "unreadable", unreadable)
		return nil
	case len(present) == 0:
		log.Warn("jira: reconciliation skipped: the JQL lists no tickets, though some are stored; check the account's permissions", "url", s.c.site)
		return nil
	}
	gone, back, err := db.ReconcileJiraTickets(ctx, present, s.runStart)
	if err != nil {
		return err
	}
	log.Info("jira: reconciled", "url", s.c.site, "listed", len(present), "gone", gone, "back", back)
	return db.SetCursor(ctx, store.Cursor{Source: Source, Scope: s.reconcileScope(), Position: s.runStart.Format(time.RFC3339Nano)})
}
