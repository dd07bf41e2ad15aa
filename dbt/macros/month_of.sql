{#- The first day of the month of a date expression, as a DATE: dbt.date_trunc returns a
    timestamp on some engines (DuckDB among them). -#}
{% macro month_of(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}
