{#- The invoice reference of a number: `JMP` followed by the number zero-padded to 8 digits. -#}
{% macro reference_from_number(number_expression) -%}
    {{ dbt.concat(["'JMP'", "lpad(cast(" ~ number_expression ~ " as " ~ dbt.type_string() ~ "), 8, '0')"]) }}
{%- endmacro %}
