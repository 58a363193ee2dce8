// Package dashboards holds what leads and operators look at: the Grafana
// dashboards (grafana/*.json, hand-kept JSON), their provisioning files, and
// the Prometheus alert rules with their promtool unit tests (alerts/). It has
// no Go code of its own; its tests prove the dashboards and rules against the
// exporter's metrics and a real Prometheus.
package dashboards
