package analysis_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
)

// BenchmarkAssessAll judges 2,000 people in 40 teams: the Go side of one
// assessment at the size of bench/analysis.
func BenchmarkAssessAll(b *testing.B) {
	m := config.DefaultAnalysis()
	subjects := make([]analysis.Subject, 2000)
	for i := range subjects {
		weeks := make([]analysis.Week, 16)
		for w := range weeks {
			n := 30 + (i*7+w*13)%25
			weeks[w] = analysis.Week{Events: n, ActiveHours: float64(n) / 2, Sessions: n / 3, AfterHoursHours: float64((i*w)%6) / 2,
				ActiveDays: 4 + (i+w)%4, NonWorkingDays: (i + w) % 2, NonWorkingHours: float64((i+w)%2) * 1.5, LateNightDays: (i * w) % 3,
				WorkdaySpan: time.Duration(6+(i+w)%6) * time.Hour, SpanDays: 5}
		}
		subjects[i] = analysis.Subject{ID: fmt.Sprint(i), Team: fmt.Sprint(i % 40), Signals: analysis.Signals{Weeks: weeks,
			HistoryDays: 400, WorkdaySpan: 8 * time.Hour, SpanDays: 18, RecentActiveDays: 10 + i%5, LongestStreak: 5 + i%10}}
	}
	b.ResetTimer()
	for b.Loop() {
		analysis.AssessAll(m, subjects)
	}
}
