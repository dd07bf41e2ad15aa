"""`data-platform schedule`: the embedded scheduler that refreshes the App hourly and the CRM
daily (APScheduler 3), its state file, and what `status` shows of it."""
