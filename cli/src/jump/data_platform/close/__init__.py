"""Month close: freeze a complete month's figures in every monthly mart, reopen it with a reason,
and keep the history (docs/publishing.md#month-close)."""
