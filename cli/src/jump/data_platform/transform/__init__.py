"""The `transform` step: run the dbt project against the lakehouse."""
