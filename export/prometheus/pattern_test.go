package prometheus

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRiskPatternAndEvidence: a judged person has the three pattern series,
// one of them 1, and the evidence gauges; a person not judged has none.
func TestRiskPatternAndEvidence(t *testing.T) {
	t.Parallel()
	s := &Snapshot{Version: SnapshotVersion, People: []Person{
		{ID: "ana", Team: "core", RiskScore: floatp(45), Pattern: "rising", EvidenceActiveDays: intp(17),
			EvidenceActiveSeconds: floatp(22.5 * 3600)},
		{ID: "newbie", Team: "core", EvidenceActiveDays: intp(2), EvidenceActiveSeconds: floatp(3600)},
	}}
	c := NewCollector(Static(s))
	want := `
# HELP overtime_risk_pattern 1 for the person's risk pattern, 0 for the others: rising (sustained load above their own usual), long_standing (sustained and unchanged), none.
# TYPE overtime_risk_pattern gauge
overtime_risk_pattern{pattern="long_standing",person="ana",team="core"} 0
overtime_risk_pattern{pattern="none",person="ana",team="core"} 0
overtime_risk_pattern{pattern="rising",person="ana",team="core"} 1
# HELP overtime_risk_evidence_active_dates Active days (local dates with activity) in the judged weeks the risk assessment rests on.
# TYPE overtime_risk_evidence_active_dates gauge
overtime_risk_evidence_active_dates{person="ana",team="core"} 17
overtime_risk_evidence_active_dates{person="newbie",team="core"} 2
# HELP overtime_risk_evidence_active_seconds Active time (half hours with activity) in the judged weeks the risk assessment rests on.
# TYPE overtime_risk_evidence_active_seconds gauge
overtime_risk_evidence_active_seconds{person="ana",team="core"} 81000
overtime_risk_evidence_active_seconds{person="newbie",team="core"} 3600
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "overtime_risk_pattern",
		"overtime_risk_evidence_active_dates", "overtime_risk_evidence_active_seconds"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}
