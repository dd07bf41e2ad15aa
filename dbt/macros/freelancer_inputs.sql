{#-
    Incremental marts by freelancer (marts.turnover_by_cohort, marts.freelancer_cumulative_turnover).

    Every row of those marts derives from one freelancer's user row, job contracts and the
    invoices under them, and from the calendar: nothing else. So a build recomputes only the
    freelancers whose inputs changed since the mart was last built, and keeps the others' rows.

    What a freelancer's rows were computed from is summed up in a fingerprint: a hash of the
    user row, of the XOR of a hash of each contract and of each invoice (an XOR does not depend
    on the rows' order; a row added, changed or removed changes it), and of the calendar's
    bounds. The fingerprints of a build are kept beside the mart, in `<mart>__inputs` (same
    build slot, same transaction); the next build compares them with the current ones:
      pre-hook 1  stage the current fingerprints in `<mart>__inputs_next`, each marked
                  `recomputed` when it differs from the previous one (all of them when no
                  previous fingerprints exist, or in a full refresh);
      pre-hook 2  delete the rows of the freelancers whose fingerprint differs (new, changed,
                  gone), all of them when no previous fingerprints exist;
      model       the rows of those freelancers only (`changed_freelancers()`), appended;
      post-hook   `<mart>__inputs_next` becomes `<mart>__inputs`.
    The mart's unique test reads `recomputed` to check only the keys of the rows this build
    recomputed (macros/test_unique_combination.sql): the other rows were checked by the build
    that wrote them. A new month moves the calendar, hence every fingerprint: the whole mart is
    recomputed once a month, and once after each month close or reopening. `dbt build --full-refresh` rebuilds it whole. A test compares a mart refreshed step
    by step with one built at once (tests/transform/test_transform_incremental.py).

    On Spark these marts are tables (macros render nothing there).
-#}

{#- The configuration of such a mart: `{{ incremental_by_freelancer() }}` at its top. -#}
{% macro incremental_by_freelancer() -%}
    {{ config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=["{{ stage_freelancer_inputs() }}", "{{ delete_changed_freelancers() }}"],
        post_hook=["{{ drop_previous_inputs() }}", "{{ keep_freelancer_inputs() }}"]
    ) }}
{%- endmacro %}


{% macro freelancer_inputs() -%}
with users as (
    select
        freelancer_id,
        hash(freelancer_id, last_name, first_name) as fingerprint
    from {{ ref('intermediate__freelancer_cohorts') }}
),

contracts as (
    select
        freelancer_id,
        bit_xor(hash(job_contract_id, entity, start_date, end_date)) as fingerprint
    from {{ ref('intermediate__job_contracts') }}
    group by freelancer_id
),

invoices as (
    select
        freelancer_id,
        bit_xor(hash(invoice_id, job_contract_id, issue_month, amount)) as fingerprint
    from {{ ref('intermediate__invoices') }}
    where freelancer_id is not null
    group by freelancer_id
),

calendar as (
    -- A close or a reopening (macros/closed_figures.sql) changes the figures of a month.
    select hash(min(month), max(month), max(as_of_month), {{ closes_fingerprint() }}) as fingerprint
    from {{ ref('intermediate__months') }}
),

freelancers as (
    select freelancer_id from users
    union
    select freelancer_id from contracts
    union
    select freelancer_id from invoices
)

select
    freelancers.freelancer_id,
    hash(users.fingerprint, contracts.fingerprint, invoices.fingerprint, calendar.fingerprint)
        as fingerprint
from freelancers
cross join calendar
left join users on freelancers.freelancer_id = users.freelancer_id
left join contracts on freelancers.freelancer_id = contracts.freelancer_id
left join invoices on freelancers.freelancer_id = invoices.freelancer_id
{%- endmacro %}


{#- Pre-hook 1: the current fingerprints, and which of them the build recomputes. -#}
{% macro stage_freelancer_inputs() -%}
    {%- if target.type != 'spark' -%}
        {%- set previous = previous_inputs() -%}
        create or replace table {{ inputs_relation('__inputs_next') }} as
        with current_inputs as (
            {{ freelancer_inputs() }}
        )

        select
            current_inputs.freelancer_id,
            current_inputs.fingerprint,
            {% if previous is none -%}
                true
            {%- else -%}
                previous_inputs.fingerprint is distinct from current_inputs.fingerprint
            {%- endif %} as recomputed
        from current_inputs
        {% if previous is not none -%}
            left join {{ previous }} as previous_inputs
                on current_inputs.freelancer_id = previous_inputs.freelancer_id
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- A predicate on `column`: the freelancer is to be recomputed. Always true but in an
    incremental build that finds the previous fingerprints. -#}
{% macro changed_freelancers(column='freelancer_id') -%}
    {%- set previous = previous_inputs() -%}
    {%- if previous is none -%}
        true
    {%- else -%}
        {{ column }} in (
            select coalesce(next_inputs.freelancer_id, previous_inputs.freelancer_id)
            from {{ inputs_relation('__inputs_next') }} as next_inputs
            full outer join {{ previous }} as previous_inputs
                on next_inputs.freelancer_id = previous_inputs.freelancer_id
            where next_inputs.fingerprint is distinct from previous_inputs.fingerprint
        )
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook 2: the rows about to be recomputed go. -#}
{% macro delete_changed_freelancers() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ changed_freelancers() }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hooks: the fingerprints of this build are kept for the next one. -#}
{% macro drop_previous_inputs() -%}
    {%- if target.type != 'spark' -%}
        drop table if exists {{ inputs_relation('__inputs') }}
    {%- endif -%}
{%- endmacro %}


{% macro keep_freelancer_inputs() -%}
    {%- if target.type != 'spark' -%}
        alter table {{ inputs_relation('__inputs_next') }}
        rename to {{ adapter.quote(this.identifier ~ '__inputs') }}
    {%- endif -%}
{%- endmacro %}
