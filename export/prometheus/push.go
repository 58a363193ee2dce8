package prometheus

import (
	"bytes"
	"context"
	"errors"
	"fmt"

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
		return fmt.Errorf("push to %s: %w", url, err)
	}
	return nil
}

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
