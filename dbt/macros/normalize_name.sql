{#- A person's name made comparable between the App and the CRM (typed by people): lower case,
    accents stripped, trimmed, inner white space collapsed to one space. Empty becomes NULL. -#}
{% macro normalize_name(expression) -%}
    {{ return(adapter.dispatch('normalize_name', 'jump_data_platform')(expression)) }}
{%- endmacro %}

{#- Portable version: accents of French names mapped with translate(). -#}
{% macro default__normalize_name(expression) -%}
    nullif(
        trim(regexp_replace(
            translate(
                lower({{ expression }}),
                'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ',
                'aaaaaaceeeeiiiinooooouuuuyyoa'
            ),
            '\\s+', ' '
        )),
        ''
    )
{%- endmacro %}

{% macro duckdb__normalize_name(expression) -%}
    nullif(trim(regexp_replace(strip_accents(lower({{ expression }})), '\s+', ' ', 'g')), '')
{%- endmacro %}
