{#-
    Month close (docs/publishing.md#month-close). `data-platform close` copies the figures of a
    complete month from every monthly mart into the source `platform.closed_figures` (which
    figures: var('closed_marts') in dbt_project.yml) and records the close in
    `platform.month_closes`, a history of closes and reopenings. A month is closed while its
    latest event is a close; its figures are then those of that close, whatever the App says
    since (a difference is listed in marts.restatements).

    The key is an expression over the mart's own columns (`freelancer_id`, or `'total'`).

    Before the first close these tables do not exist (and never on Spark): the macros then
    render the marts unchanged.
-#}

{#- The platform's relation `name` when it exists; none otherwise (and while parsing, and in a
    unit test). -#}
{% macro closing_relation(name) -%}
    {#- Closes live in the DuckDB lakehouse only; a unit test gives its model's inputs (a mart's
        own rules, nothing closed). -#}
    {%- set in_unit_test = model is mapping and model.get('resource_type') == 'unit_test' -%}
    {%- if target.type != 'duckdb' or in_unit_test -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = source('platform', name) -%}
    {#- Which closed figures and invoices are in force depends on the closes and reopenings:
        a model reading any of them reads `month_closes` too, and says so to dbt's graph (a
        reopening rebuilds it: transform/selection.py). -#}
    {%- do source('platform', 'month_closes') -%}
    {%- if not execute or this is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(load_relation(relation)) }}
{%- endmacro %}


{#- The closes in force: for each closed month, the close event whose figures hold. -#}
{% macro closes_in_force() -%}
    {%- set closes = closing_relation('month_closes') -%}
    {%- if closes is none -%}
        select
            cast(null as bigint) as event_id,
            cast(null as date) as month,
            cast(null as timestamp) as closed_at
        where false
    {%- else -%}
        select
            event_id,
            month,
            event_at as closed_at
        from {{ closes }}
        qualify
            row_number() over (partition by month order by event_id desc) = 1
            and action = 'close'
    {%- endif -%}
{%- endmacro %}


{#- The closed figures in force of `mart`: month, figure_key, measure, value. -#}
{% macro closed_figures_in_force(mart=none) -%}
    {%- set figures = closing_relation('closed_figures') -%}
    {%- if figures is none -%}
        select
            cast(null as date) as month,
            cast(null as {{ dbt.type_string() }}) as mart,
            cast(null as {{ dbt.type_string() }}) as figure_key,
            cast(null as {{ dbt.type_string() }}) as measure,
            cast(null as decimal(18, 2)) as closed_value,
            cast(null as timestamp) as closed_at
        where false
    {%- else -%}
        select
            figures.month,
            figures.mart,
            figures.figure_key,
            figures.measure,
            figures.value as closed_value,
            closes.closed_at
        from {{ figures }} as figures
        inner join ({{ closes_in_force() }}) as closes
            on figures.event_id = closes.event_id
        {%- if mart is not none %}
            where figures.mart = '{{ mart }}'
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- The invoices of the closed months as their close in force saw them. -#}
{% macro closed_invoices_in_force() -%}
    {%- set invoices = closing_relation('closed_invoices') -%}
    {%- if invoices is none -%}
        select
            cast(null as bigint) as invoice_id,
            cast(null as {{ dbt.type_string() }}) as reference,
            cast(null as bigint) as freelancer_id,
            cast(null as bigint) as job_contract_id,
            cast(null as date) as issue_month,
            cast(null as decimal(18, 2)) as amount
        where false
    {%- else -%}
        select
            invoices.invoice_id,
            invoices.reference,
            invoices.freelancer_id,
            invoices.job_contract_id,
            invoices.issue_month,
            invoices.amount
        from {{ invoices }} as invoices
        inner join ({{ closes_in_force() }}) as closes
            on invoices.event_id = closes.event_id
    {%- endif -%}
{%- endmacro %}


{#- A fingerprint of the closes in force, for the incremental marts (macros/freelancer_inputs.sql):
    a close or a reopening recomputes them whole once, like a new month. -#}
{% macro closes_fingerprint() -%}
    (
        select coalesce(sum(hash(closes.event_id, closes.month)), 0)
        from ({{ closes_in_force() }}) as closes
    )
{%- endmacro %}


{#- Wraps the final select of a monthly mart (`{% call apply_closed_figures('x') %}select ...
    {% endcall %}`, after the mart's last CTE): its rows of a closed month show the closed
    figures. Renders the select unchanged when nothing was ever closed. -#}
{% macro apply_closed_figures(mart, order_by=none) -%}
    {%- set spec = var('closed_marts')[mart] -%}
    {%- if closing_relation('closed_figures') is none %}
        , figures as (
            {{ caller() }}
        )

        select * from figures
    {%- else %}
        , figures as (
            {{ caller() }}
        ),

        closed as (
            select
                month,
                figure_key,
                {%- for measure in spec.measures %}
                    max(case when measure = '{{ measure }}' then closed_value end)
                        as {{ measure }}{{ "," if not loop.last }}
                {%- endfor %}
            from ({{ closed_figures_in_force(mart) }}) as figures_in_force
            group by month, figure_key
        )

        select
            figures.* replace (
                {%- for measure, type in spec.measures.items() %}
                    cast(
                        case
                            when closed.month is null then figures.{{ measure }}
                            else closed.{{ measure }}
                        end as {{ type }}
                    ) as {{ measure }}{{ "," if not loop.last }}
                {%- endfor %}
            )
        from figures
        left join closed
            on
                figures.month = closed.month
                and cast({{ spec.key }} as {{ dbt.type_string() }}) = closed.figure_key
    {%- endif %}
    {%- if order_by %}
        order by {{ order_by }}
    {%- endif %}
{%- endmacro %}
