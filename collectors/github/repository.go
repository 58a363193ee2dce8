package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/identity"
	"github.com/overtime-project/overtime/store"
)

// repo is one repository being read.
type repo struct {
	store.GitHubRepository
	scope string // owner/name lowercased: events' scope, cursors' prefix, pull_requests.repo
	path  string // "repos/<owner>/<name>", escaped, for API URLs
	// pullsMoved says that this run read a pull request updated since the
	// last (or could not tell): its head may have moved.
	pullsMoved bool
}

func newRepo(r store.GitHubRepository) repo {
	owner, name, _ := strings.Cut(r.FullName, "/")
	return repo{
		GitHubRepository: r,
		scope:            strings.ToLower(r.FullName),
		path:             "repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name),
	}
}

// maxUnavailable is how many resources in a row may fail with 5xx answers
// or no answer, after their retries, before the source stops.
const maxUnavailable = 5

// repository reads one repository, resource by resource. A failure in one
// resource does not keep the others from being read, unless the repository
// is gone (every resource would fail alike) or the whole source must stop.
func (r *run) repository(ctx context.Context, gr store.GitHubRepository) (collectors.Stats, error) {
	rp := newRepo(gr)
	rp.pullsMoved = true
	steps := []struct {
		name string
		read func(context.Context, repo) (collectors.Stats, error)
	}{
		// Pull requests first: a pull request from a fork moves its head,
		// refs/pull/<n>/head, without moving the repository's pushed_at,
		// so commits reads the clone again when a pull request changed.
		{"pull requests", r.pullRequests},
		{"commits", r.commits},
		{"review comments", r.reviewComments},
		{"issue comments", r.issueComments},
	}
	before := r.transport.Stats()
	var total collectors.Stats
	var errs []error
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("github repository %s: %w", gr.FullName, err))
			break
		}
		s, err := step.read(ctx, rp)
		total.Read += s.Read
		total.Inserted += s.Inserted
		total.Skipped += s.Skipped
		if step.name == "pull requests" {
			rp.pullsMoved = s.Read > 0 || err != nil
		}
		if err == nil || !unavailable(err) {
			r.unavailable = 0
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("github repository %s: %s: %w", gr.FullName, step.name, err))
			if unavailable(err) {
				if r.unavailable++; r.unavailable >= maxUnavailable {
					errs = append(errs, fmt.Errorf("%w: %d resources in a row failed after their retries", errUnavailable, r.unavailable))
					break
				}
			}
			if ctx.Err() != nil || stopsSource(err) || stopsRepository(err) {
				break
			}
		}
	}
	after := r.transport.Stats()
	r.log.Debug("repository read", "repo", rp.scope, "read", total.Read, "inserted", total.Inserted,
		"requests", after.Sent-before.Sent, "not_modified", after.NotModified-before.NotModified)
	return total, errors.Join(errs...)
}

// pageData is what one page of a resource adds to the store.
type pageData struct {
	events []store.Event
	prs    []store.PullRequest
	links  []store.IdentityLink
	read   int // items read from GitHub
}

// listUpdated pages through a resource GitHub sorts by updated_at, newest
// first. read turns the items updated at or after the cursor (or, on the
// first run, Since) into data, and each page's data is written in one
// transaction, the last page's together with the moved cursor: the newest
// updated_at seen and the first page's ETag. Stopping at the cursor rather
// than asking with `since` keeps the URL the same from run to run, so that
// the ETag of an unchanged first page earns a 304. Items updated exactly at
// the cursor are read again; writes are idempotent. The cursor moves only
// with the last page, so a run stopped halfway starts again from the top.
func listUpdated[T any](ctx context.Context, r *run, scope, u string, updatedAt func(T) time.Time,
	read func(context.Context, []T) (pageData, error)) (collectors.Stats, error) {
	var stats collectors.Stats
	cur, ok, err := r.db.GetCursor(ctx, Source, scope)
	if err != nil {
		return stats, err
	}
	stop, newest, etag := r.since, time.Time{}, ""
	if ok {
		etag = cur.ETag
		if t, err := time.Parse(time.RFC3339, cur.Position); err == nil {
			newest = t
			if t.After(stop) {
				stop = t
			}
		}
	}
	firstETag := ""
	for n := 1; ; n++ {
		if n > maxPages {
			return stats, fmt.Errorf("more than %d pages", maxPages)
		}
		var items []T
		p, err := r.api.get(ctx, u, etag, &items)
		if err != nil {
			return stats, err
		}
		if p.notModified {
			return stats, nil
		}
		if n == 1 {
			firstETag = p.etag
		}
		etag = "" // the stored ETag is the first page's
		var fresh []T
		last := p.next == ""
		for _, it := range items {
			at := updatedAt(it)
			if at.IsZero() {
				continue
			}
			if at.Before(stop) {
				last = true
				break
			}
			if at.After(newest) {
				newest = at
			}
			fresh = append(fresh, it)
		}
		var d pageData
		if len(fresh) > 0 {
			if d, err = read(ctx, fresh); err != nil {
				return stats, err
			}
		}
		var cursors []store.Cursor
		if last {
			position := ""
			if !newest.IsZero() {
				position = newest.UTC().Format(time.RFC3339)
			}
			cursors = []store.Cursor{{Source: Source, Scope: scope, Position: position, ETag: firstETag}}
		}
		inserted, err := r.db.WriteGitHubPage(ctx, d.events, d.prs, d.links, cursors)
		stats.Read += d.read
		stats.Inserted += inserted
		if err != nil || last {
			return stats, err
		}
		u = p.next
	}
}

// pullRequests reads pull requests updated since the cursor: each one's row,
// its opening and merge, and — only for those updated since they were last
// stored — its reviews. Each page of pull requests, with the reviews and
// mergers fetched for it, is one transaction.
func (r *run) pullRequests(ctx context.Context, rp repo) (collectors.Stats, error) {
	u := fmt.Sprintf("%s/pulls?state=all&sort=updated&direction=desc&per_page=%d", rp.path, perPage)
	return listUpdated(ctx, r, rp.scope+"/pulls", u,
		func(pr *gh.PullRequest) time.Time { return pr.GetUpdatedAt().Time },
		func(ctx context.Context, prs []*gh.PullRequest) (pageData, error) {
			return r.pullRequestPage(ctx, rp, prs)
		})
}

// pullRequestPage reads, for one page of pull requests, who merged those
// newly merged and the reviews of those updated since they were stored.
func (r *run) pullRequestPage(ctx context.Context, rp repo, prs []*gh.PullRequest) (pageData, error) {
	var d pageData
	ids := make([]int64, 0, len(prs))
	for _, pr := range prs {
		ids = append(ids, pr.GetID())
	}
	known, err := r.db.PullRequestsByID(ctx, ids)
	if err != nil {
		return d, err
	}
	for _, pr := range prs {
		d.read++
		id := pr.GetID()
		prev, seen := known[id]
		row := store.PullRequest{
			ID:        id,
			Repo:      rp.scope,
			Number:    pr.GetNumber(),
			Author:    loginIdentity(pr.GetUser()),
			CreatedAt: pr.GetCreatedAt().Time,
			ClosedAt:  pr.GetClosedAt().Time,
			MergedAt:  pr.GetMergedAt().Time,
			MergedBy:  prev.MergedBy,
			UpdatedAt: pr.GetUpdatedAt().Time,
		}
		if e, ok := r.event(KindPullRequestOpened, id, pr.GetUser(), pr.GetCreatedAt(), rp.scope); ok {
			d.events = append(d.events, e)
		}
		// The list has merged_at but not merged_by: ask for the pull request
		// itself, once, when it is newly merged.
		if !row.MergedAt.IsZero() && row.MergedBy == "" {
			full, err := r.pullRequest(ctx, rp, pr.GetNumber())
			if err != nil {
				return d, err
			}
			row.MergedBy = loginIdentity(full.MergedBy)
			if e, ok := r.event(KindPullRequestMerged, id, full.MergedBy, full.GetMergedAt(), rp.scope); ok {
				e.Size, e.HasSize = int64(full.GetAdditions()+full.GetDeletions()), full.Additions != nil
				d.events = append(d.events, e)
			}
		}
		if !seen || row.UpdatedAt.After(prev.UpdatedAt) {
			reviews, err := r.reviews(ctx, rp, pr.GetNumber())
			if err != nil {
				return d, err
			}
			for _, rv := range reviews {
				d.read++
				if strings.EqualFold(rv.GetState(), "PENDING") {
					continue // a draft only its author sees
				}
				if strings.EqualFold(rv.GetState(), "COMMENTED") && strings.TrimSpace(rv.GetBody()) == "" {
					// A review with no text of its own only carries diff
					// comments: GitHub makes one for every standalone
					// comment on a diff. Each comment is stored as a
					// review_comment; counting the review too would count
					// one comment twice. (The body is looked at, never kept.)
					continue
				}
				if e, ok := r.event(KindReview, rv.GetID(), rv.GetUser(), rv.GetSubmittedAt(), rp.scope); ok {
					d.events = append(d.events, e)
				}
			}
		}
		d.prs = append(d.prs, row)
	}
	return d, nil
}

func (r *run) pullRequest(ctx context.Context, rp repo, number int) (*gh.PullRequest, error) {
	var pr *gh.PullRequest
	if _, err := r.api.get(ctx, fmt.Sprintf("%s/pulls/%d", rp.path, number), "", &pr); err != nil {
		return nil, err
	}
	if pr == nil {
		return nil, fmt.Errorf("%s/pulls/%d: empty answer", rp.path, number)
	}
	return pr, nil
}

func (r *run) reviews(ctx context.Context, rp repo, number int) ([]*gh.PullRequestReview, error) {
	var out []*gh.PullRequestReview
	u := fmt.Sprintf("%s/pulls/%d/reviews?per_page=%d", rp.path, number, perPage)
	for n := 1; u != ""; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("more than %d pages of reviews", maxPages)
		}
		var page []*gh.PullRequestReview
		p, err := r.api.get(ctx, u, "", &page)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		u = p.next
	}
	return out, nil
}

// reviewComments reads the repository's review comments (on diffs), newest
// update first, down to the cursor.
func (r *run) reviewComments(ctx context.Context, rp repo) (collectors.Stats, error) {
	u := fmt.Sprintf("%s/pulls/comments?sort=updated&direction=desc&per_page=%d", rp.path, perPage)
	return listUpdated(ctx, r, rp.scope+"/pulls/comments", u,
		func(c *gh.PullRequestComment) time.Time { return c.GetUpdatedAt().Time },
		func(ctx context.Context, cs []*gh.PullRequestComment) (pageData, error) {
			d := pageData{read: len(cs)}
			for _, c := range cs {
				if e, ok := r.event(KindReviewComment, c.GetID(), c.GetUser(), c.GetCreatedAt(), rp.scope); ok {
					d.events = append(d.events, e)
				}
			}
			return d, nil
		})
}

// issueComments reads the comments on issues and pull-request conversations.
func (r *run) issueComments(ctx context.Context, rp repo) (collectors.Stats, error) {
	u := fmt.Sprintf("%s/issues/comments?sort=updated&direction=desc&per_page=%d", rp.path, perPage)
	return listUpdated(ctx, r, rp.scope+"/issues/comments", u,
		func(c *gh.IssueComment) time.Time { return c.GetUpdatedAt().Time },
		func(ctx context.Context, cs []*gh.IssueComment) (pageData, error) {
			d := pageData{read: len(cs)}
			for _, c := range cs {
				if e, ok := r.event(KindIssueComment, c.GetID(), c.GetUser(), c.GetCreatedAt(), rp.scope); ok {
					d.events = append(d.events, e)
				}
			}
			return d, nil
		})
}

// commits brings the repository's clone up to date, its branches and its
// pull requests' heads, and reads HEAD and the heads with the git collector
// (in squash-merging repositories the people's own commits are only on the
// heads), then links git emails to logins from the REST commit list. Both
// are skipped while GitHub's pushed_at has not moved and no pull request
// was updated.
func (r *run) commits(ctx context.Context, rp repo) (collectors.Stats, error) {
	var stats collectors.Stats
	scope := rp.scope + "/git"
	cur, ok, err := r.db.GetCursor(ctx, Source, scope)
	if err != nil {
		return stats, err
	}
	pushed := ""
	if !rp.PushedAt.IsZero() {
		pushed = rp.PushedAt.UTC().Format(time.RFC3339)
	}
	dir := r.clonePath(rp)
	if ok && pushed != "" && cur.Position == pushed && !rp.pullsMoved && (r.skipClones || exists(filepath.Join(dir, "HEAD"))) {
		return stats, nil
	}
	if !r.skipClones {
		if err := r.syncClone(ctx, rp, dir); err != nil {
			return stats, err
		}
		s, err := r.git.CollectRepository(ctx, r.db, git.Repository{Path: dir, Scope: rp.scope, Refs: CloneRefs})
		stats.Read += s.Read
		stats.Inserted += s.Inserted
		stats.Skipped += s.Skipped
		if err != nil {
			return stats, err
		}
	}
	err = r.commitLinks(ctx, rp, store.Cursor{Source: Source, Scope: scope, Position: pushed})
	return stats, err
}

// commitLinks reads the REST commit list of the default branch down to the
// last commit seen (or Since) for the one thing git cannot tell: which login
// GitHub attributes each author email to. The last page is written together
// with the list's cursor and done, the cursor that says the commits are read.
func (r *run) commitLinks(ctx context.Context, rp repo, done store.Cursor) error {
	scope := rp.scope + "/commits"
	cur, ok, err := r.db.GetCursor(ctx, Source, scope)
	if err != nil {
		return err
	}
	etag := ""
	if ok {
		etag = cur.ETag
	}
	head, firstETag := "", ""
	u := fmt.Sprintf("%s/commits?per_page=%d", rp.path, perPage)
	for n := 1; ; n++ {
		if n > maxPages {
			return fmt.Errorf("more than %d pages of commits", maxPages)
		}
		var commits []*gh.RepositoryCommit
		p, err := r.api.get(ctx, u, etag, &commits)
		if statusOf(err) == http.StatusConflict || err == nil && p.notModified {
			// 409 "Git Repository is empty.", or nothing new.
			_, err := r.db.WriteGitHubPage(ctx, nil, nil, nil, []store.Cursor{done})
			return err
		}
		if err != nil {
			return err
		}
		if n == 1 {
			firstETag = p.etag
			if len(commits) > 0 {
				head = commits[0].GetSHA()
			}
		}
		etag = ""
		var links []store.IdentityLink
		last := p.next == ""
		for _, cm := range commits {
			if ok && cm.GetSHA() == cur.Position || cm.GetCommit().GetCommitter().GetDate().Before(r.since) {
				last = true
				break
			}
			links = r.appendLink(links, cm.GetCommit().GetAuthor().GetEmail(), cm.GetAuthor())
			links = r.appendLink(links, cm.GetCommit().GetCommitter().GetEmail(), cm.GetCommitter())
		}
		var cursors []store.Cursor
		if last {
			cursors = []store.Cursor{{Source: Source, Scope: scope, Position: head, ETag: firstETag}, done}
		}
		if _, err := r.db.WriteGitHubPage(ctx, nil, nil, links, cursors); err != nil || last {
			return err
		}
		u = p.next
	}
}

func (r *run) appendLink(links []store.IdentityLink, email string, u *gh.User) []store.IdentityLink {
	if email == "" || u == nil || u.GetLogin() == "" || r.isBot(u) || strings.EqualFold(email, git.WebFlowEmail) {
		return links
	}
	return append(links, store.IdentityLink{
		Email: store.IdentityKey(identity.KindEmail, strings.ToLower(email)),
		Login: loginIdentity(u),
	})
}

// event builds one activity event of u, unless u is gone or a bot, or the
// event is older than Since.
func (r *run) event(kind string, id int64, u *gh.User, at gh.Timestamp, scope string) (store.Event, bool) {
	if u == nil || u.GetLogin() == "" || at.IsZero() || at.Before(r.since) || r.isBot(u) {
		return store.Event{}, false
	}
	return store.Event{
		Source:   Source,
		Kind:     kind,
		ID:       strconv.FormatInt(id, 10),
		Identity: loginIdentity(u),
		Name:     u.GetLogin(),
		At:       at.UTC(),
		Scope:    scope,
	}, true
}

// isBot leaves out GitHub's bot accounts and whatever the Bots patterns name.
func (r *run) isBot(u *gh.User) bool {
	login := u.GetLogin()
	return u.GetType() == "Bot" || strings.HasSuffix(strings.ToLower(login), "[bot]") || identity.IsBot(r.opts.Bots, login, login)
}

// loginIdentity is a user's identity string, "" for a deleted account.
func loginIdentity(u *gh.User) string {
	if u == nil || u.GetLogin() == "" {
		return ""
	}
	return store.IdentityKey(identity.KindGitHub, strings.ToLower(u.GetLogin()))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
