{#- Whether a month of a monthly mart is over: before the as-of month (the current, unfinished
    month is not). Every monthly mart flags its rows with this one rule. -#}
{% macro is_complete(month_expression) -%}
    coalesce(
        {{ month_expression }} < (select max(as_of_month) from {{ ref('intermediate__months') }}),
        false
    )
{%- endmacro %}
