// Package pipeline is the flow a nightly run walks: collect every configured
// source into the database, analyze it in each person's local time, build
// the metrics snapshot and the weekly history as of a local date, and
// export them (the snapshot beside the database, the node_exporter
// textfile, the Pushgateway). The commands of cmd/overtime call it; so does
// the demo, which builds its own data and then publishes it the same way.
package pipeline
