package privacy

import (
	"strings"
	"testing"
)

func TestPseudonymizer(t *testing.T) {
	t.Setenv("TEST_SALT", "a-salt-of-sixteen-or-more")
	p, err := FromEnv("TEST_SALT")
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.ID("alice"), p.ID("alice")
	if a != b || !strings.HasPrefix(a, "p-") || len(a) != 14 || a == p.ID("bob") {
		t.Errorf("pseudonyms: alice=%q again=%q bob=%q", a, b, p.ID("bob"))
	}
	if p.Name("alice", "Alice Example") != a {
		t.Errorf("name is not pseudonymized")
	}
	t.Setenv("OTHER_SALT", "another-salt-sixteen-chars")
	q, _ := FromEnv("OTHER_SALT")
	if q.ID("alice") == a {
		t.Errorf("a different salt gives the same pseudonym")
	}
	var off *Pseudonymizer
	if off.ID("alice") != "alice" || off.Name("alice", "Alice") != "Alice" {
		t.Errorf("nil pseudonymizer changed the id")
	}
	t.Setenv("EMPTY_SALT", "")
	if _, err := FromEnv("EMPTY_SALT"); err == nil || !strings.Contains(err.Error(), "EMPTY_SALT") {
		t.Errorf("empty salt: err = %v", err)
	}
	t.Setenv("SHORT_SALT", "short-secret")
	if _, err := FromEnv("SHORT_SALT"); err == nil || strings.Contains(err.Error(), "short-secret") {
		t.Errorf("short salt: err = %v (must not echo the salt)", err)
	}
}
