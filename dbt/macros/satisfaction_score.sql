{#- A CRM satisfaction score read strictly: an integer from 0 to 10, written as such (`8`, or
    `8.0` from a column stored as REAL). Anything else (`8.5`, `nine`, `11`, `-1`) gives NULL,
    never a rounded score: `8.5` cast to an integer would be 9, a promoter. -#}
{% macro satisfaction_score(expression) -%}
    case
        when {{ matches_pattern(
            'trim(cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ '))', '(10|[0-9])(\\.0+)?'
        ) }}
            then cast(cast(trim(cast({{ expression }} as {{ dbt.type_string() }})) as {{ dbt.type_float() }}) as {{ dbt.type_int() }})
    end
{%- endmacro %}
