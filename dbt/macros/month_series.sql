{#- A select-list expression that turns one row into one row per month (a DATE on the first of
    the month) from `first_month` to `last_month`, both included; none when first > last. The
    arguments are SQL expressions of first-of-month DATEs. Generating a row's months in place
    costs far less than joining every row with a calendar on a range of months. -#}
{% macro month_series(first_month, last_month) -%}
    {{ return(adapter.dispatch('month_series', 'jump_data_platform')(first_month, last_month)) }}
{%- endmacro %}

{% macro default__month_series(first_month, last_month) -%}
    {{ exceptions.raise_compiler_error(
        "month_series has no implementation for " ~ adapter.type() ~ ": add one in macros/month_series.sql"
    ) }}
{%- endmacro %}

{% macro duckdb__month_series(first_month, last_month) -%}
    cast(unnest(generate_series(
        cast({{ first_month }} as timestamp),
        cast({{ last_month }} as timestamp),
        interval 1 month
    )) as date)
{%- endmacro %}

{% macro spark__month_series(first_month, last_month) -%}
    explode(sequence({{ first_month }}, {{ last_month }}, interval 1 month))
{%- endmacro %}
