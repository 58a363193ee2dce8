package httpretry

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a credential in text.
const Redacted = "[REDACTED]"

// Redactor takes credentials out of text: every secret it was given, in
// the forms a server or proxy may echo (raw, base64 as in a Basic
// credential, JSON- and URL-escaped), and the value of anything that looks
// like an echoed Authorization header, whatever its credential. A nil
// Redactor redacts only the latter.
type Redactor struct {
	secrets []string
}

// NewRedactor returns a Redactor of the given secrets (tokens, passwords,
// and the user:password pairs sent as Basic credentials). Empty ones are
// ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, s)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			b := enc.EncodeToString([]byte(s))
			add(b)
			add(strings.ReplaceAll(b, "/", `\/`))
			add(url.QueryEscape(b))
		}
		add(s)
		add(url.QueryEscape(s))
		add(strings.ReplaceAll(s, "/", `\/`))
	}
	// Longest first, so that a secret inside another is not half-replaced.
	for i := 1; i < len(r.secrets); i++ {
		for j := i; j > 0 && len(r.secrets[j]) > len(r.secrets[j-1]); j-- {
			r.secrets[j], r.secrets[j-1] = r.secrets[j-1], r.secrets[j]
		}
	}
	return r
}

// BasicCredential is what HTTP Basic auth sends for user and password,
// before base64: "user:password". Give it to NewRedactor.
func BasicCredential(user, password string) string { return user + ":" + password }

// authHeader matches an echoed Authorization (or Proxy-Authorization)
// header and its value: a scheme and a credential, or a bare credential,
// in plain text, JSON or a header dump.
var authHeader = regexp.MustCompile(`(?i)((?:proxy-)?authorization\\?"?'?\s*[:=]\s*\\?"?'?\s*)((?:basic|bearer|token|digest|negotiate)\s+)?[^\s"'\\,;}]+`)

// String returns s without the credentials.
func (r *Redactor) String(s string) string {
	if r != nil {
		for _, secret := range r.secrets {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return authHeader.ReplaceAllString(s, "${1}${2}"+Redacted)
}

// Error returns err with the credentials taken out of its message; the
// chain (errors.Is, errors.As) is kept. err itself when there is nothing
// to take out.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.String(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
