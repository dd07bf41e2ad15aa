"""Alerts: a failed refresh, a recovery, a new warning-level data test result and stale sources,
sent through the notifiers configured in `<data-folder>/alerts.toml` (docs/alerts.md)."""
