{#-
    Incremental marts by freelancer (marts.turnover_by_cohort, marts.freelancer_cumulative_turnover).

    Every row of those marts derives from one freelancer's user row, job contracts and the
    invoices under them, and from the calendar: nothing else. So a build recomputes only the
    freelancers whose inputs changed since the mart was last built, and keeps the others' rows.

    What a freelancer's rows were computed from is summed up in a fingerprint: a hash of the
    user row, of the XOR of a hash of each contract and of each invoice (an XOR does not depend
    on the rows' order; a row added, changed or removed changes it), and of the calendar's
    bounds. The marts are incremental by part, the freelancer (macros/kept_inputs.sql: the
    fingerprints kept as `<mart>__inputs`, the hooks, `changed_freelancers()`).
    The mart's unique test reads `recomputed` to check only the keys of the rows this build
    recomputed (macros/test_unique_combination.sql): the other rows were checked by the build
    that wrote them. A new month moves the calendar, hence every fingerprint: the whole mart is
    recomputed once a month, and once after each month close or reopening.
    `dbt build --full-refresh` rebuilds it whole. A test compares a mart refreshed step by step
    with one built at once (tests/transform/test_transform_incremental.py).

    On Spark these marts are tables (macros render nothing there).
-#}

{#- The configuration of such a mart: `{{ incremental_by_freelancer() }}` at its top. -#}
{% macro incremental_by_freelancer() -%}
    {{ incremental_by_part('freelancer_id', 'freelancer_inputs()', checked_by_test=true) }}
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


{#- A predicate on `column`: the freelancer is to be recomputed (macros/kept_inputs.sql). -#}
{% macro changed_freelancers(column='freelancer_id') -%}
    {{ return(changed_parts('freelancer_id', column)) }}
{%- endmacro %}
