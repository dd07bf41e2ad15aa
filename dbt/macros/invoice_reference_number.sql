{#- The number of an invoice reference, read strictly: exactly `JMP` and 8 digits
    (`JMP00000042` -> 42). Anything else (`JMPABCDEFGH`, `JMP0004000`, `JMP-0004300`, blanks,
    lower case, NULL) gives NULL, never an error and never a number read from a part of it. -#}
{% macro invoice_reference_number(expression) -%}
    case
        when {{ matches_pattern('cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')', 'JMP[0-9]{8}') }}
            then cast(substr(cast({{ expression }} as {{ dbt.type_string() }}), 4) as {{ dbt.type_bigint() }})
    end
{%- endmacro %}
