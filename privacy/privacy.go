// Package privacy turns person ids into stable pseudonyms for export, so
// that reports and metrics can leave the building without names in them.
package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// Pseudonymizer maps a person id to a pseudonym: "p-" and 12 hex digits of
// HMAC-SHA256(salt, id). The same salt gives the same pseudonym every night,
// so dashboards keep their history; without the salt it cannot be reversed
// by guessing ids.
type Pseudonymizer struct{ salt []byte }

// FromEnv reads the salt from the environment variable the config names.
// It never returns or logs the salt itself.
func FromEnv(saltEnv string) (*Pseudonymizer, error) {
	salt := os.Getenv(saltEnv)
	if salt == "" {
		return nil, fmt.Errorf("privacy.pseudonymize is on but the environment variable %s (privacy.salt_env) is empty", saltEnv)
	}
	if len(salt) < 16 {
		return nil, errors.New("privacy.salt_env: the salt must be at least 16 characters long")
	}
	return &Pseudonymizer{salt: []byte(salt)}, nil
}

// ID returns the pseudonym of a person id; a nil Pseudonymizer returns id.
func (p *Pseudonymizer) ID(id string) string {
	if p == nil {
		return id
	}
	m := hmac.New(sha256.New, p.salt)
	m.Write([]byte(id))
	return "p-" + hex.EncodeToString(m.Sum(nil))[:12]
}

// Name returns what may be shown as a person's name: the pseudonym when on.
func (p *Pseudonymizer) Name(id, name string) string {
	if p == nil {
		return name
	}
	return p.ID(id)
}
