"""Orchestrators the platform grows into (optional): the Dagster code location."""
