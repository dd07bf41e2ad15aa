{#- True when the whole text `expression` matches the regular expression `pattern` (a Python
    string without anchors: the match is always of the whole text). -#}
{% macro matches_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern', 'jump_data_platform')(expression, pattern)) }}
{%- endmacro %}

{#- Portable version: PostgreSQL's `~` with anchors. -#}
{% macro default__matches_pattern(expression, pattern) -%}
    ({{ expression }} ~ '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__matches_pattern(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches_pattern(expression, pattern) -%}
    ({{ expression }} rlike '^({{ pattern }})$')
{%- endmacro %}
