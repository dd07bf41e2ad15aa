{#- A query returning one row per month (column `month`, a DATE on the first of the month)
    from the month of `start_date` to the month of `end_date`, both included. The arguments are
    SQL expressions (columns of a one-row relation `bounds`, or scalar subqueries); NULL bounds
    give no rows. -#}
{% macro month_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('month_spine', 'jump_data_platform')(start_date, end_date)) }}
{%- endmacro %}

{#- Portable version: a recursive CTE adding one month at a time. -#}
{% macro default__month_spine(start_date, end_date) -%}
    with recursive spine_bounds as (
        select
            {{ month_of(start_date) }} as first_month,
            {{ month_of(end_date) }} as last_month
    ),

    months (month, last_month) as (
        select first_month, last_month from spine_bounds where first_month <= last_month
        union all
        select cast({{ dbt.dateadd('month', 1, 'month') }} as date), last_month
        from months
        where month < last_month
    )

    select month from months
{%- endmacro %}

{#- DuckDB builds the series in one set operation. -#}
{% macro duckdb__month_spine(start_date, end_date) -%}
    select cast(generate_series as date) as month
    from generate_series(
        cast({{ month_of(start_date) }} as timestamp),
        cast({{ month_of(end_date) }} as timestamp),
        interval 1 month
    )
{%- endmacro %}

{#- Spark has no recursive CTE: it explodes a sequence, like DuckDB's generate_series. -#}
{% macro spark__month_spine(start_date, end_date) -%}
    select explode(sequence(
        {{ month_of(start_date) }},
        {{ month_of(end_date) }},
        interval 1 month
    )) as month
{%- endmacro %}
