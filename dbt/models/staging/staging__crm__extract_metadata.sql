-- How the CRM's extraction was made: its as-of date (the simulated "now") above all.
{{ stage_extract_metadata('crm') }}
