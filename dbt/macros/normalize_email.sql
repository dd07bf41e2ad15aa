{#- An email made comparable between the App and the CRM: trimmed, lower case, empty as NULL.
    Both sides of the email match must use this one rule. -#}
{% macro normalize_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}
