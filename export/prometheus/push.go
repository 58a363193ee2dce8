package prometheus

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"
)

// PushJob is the Pushgateway job name, the whole grouping key.
const PushJob = "overtime"

// Push replaces everything pushed before under job="overtime" on the
// Pushgateway at url with the metrics of s. It uses PUT, so a person who is
// no longer in s disappears from the Pushgateway instead of lingering with
// their last values.
func Push(ctx context.Context, url string, s *Snapshot) error {
	if s == nil {
		return errors.New("push: no snapshot")
	}
	err := push.New(url, PushJob).Gatherer(NewRegistry(Static(s))).PushContext(ctx)
	if err != nil {
		return redactedError{fmt.Errorf("push to %s: %w", url, err), secretsOf(url)}
	}
	return nil
}

// RedactURL returns raw with its user info (user name and password) replaced
// by "REDACTED", for logs and messages. A Pushgateway URL may carry basic
// auth credentials; they must never be printed.
func RedactURL(raw string) string {
	return redact(raw, secretsOf(raw))
}

// secretsOf lists the forms in which the credentials of a URL can appear in
// a message: the user info as written and as escaped, the password alone,
// and the basic auth header value a server may echo back.
func secretsOf(raw string) []string {
	var out []string
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if slash := strings.IndexAny(rest, "/?#"); slash < 0 || at < slash {
				out = append(out, rest[:at])
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return out
	}
	out = append(out, u.User.String())
	if pw, ok := u.User.Password(); ok && pw != "" {
		out = append(out, pw, base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)))
	}
	return out
}

func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "REDACTED")
		}
	}
	return s
}

// redactedError prints its error with the secrets replaced; errors.Is and
// errors.As still see the error underneath.
type redactedError struct {
	err     error
	secrets []string
}

func (e redactedError) Error() string { return redact(e.err.Error(), e.secrets) }
func (e redactedError) Unwrap() error { return e.err }

// WriteTextfile replaces the file at path with the metrics of s in the text
// exposition format, for node_exporter's textfile collector. The write is
// atomic (temp file and rename; the temp name does not end in .prom), so
// node_exporter never reads half a file.
func WriteTextfile(path string, s *Snapshot) error {
	if s == nil {
		return errors.New("textfile: no snapshot")
	}
	text, err := encodeText(s)
	if err != nil {
		return fmt.Errorf("textfile %s: %w", path, err)
	}
	return writeFileAtomic(path, text)
}

// encodeText gathers the metrics of s in the text exposition format.
func encodeText(s *Snapshot) ([]byte, error) {
	mfs, err := NewRegistry(Static(s)).Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
