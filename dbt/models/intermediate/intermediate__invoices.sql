-- One row per invoice, tied to its job contract, freelancer and client, with its issue month.
-- The keys of contracts, freelancers and clients are hashed once per contract or client, not
-- once per invoice: there are several invoices per contract.
-- Incremental (the largest table): a run rebuilds only the invoices a load inserted or changed
-- since the last build - their load stamp is not among those the table consumed
-- (macros/kept_inputs.sql) - and deletes those gone from the App; what an invoice takes from
-- its contract (freelancer, entity) never changes. A full refresh gives the same rows (a test
-- compares them).
{#- Spark's Parquet tables take no delete+insert: there the model is a table (same rows). -#}
{{
    config(
        materialized='table' if target.type == 'spark' else 'incremental',
        unique_key='invoice_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{{ delete_gone_rows(ref('staging__app__invoices'), 'invoice_id') }}",
            "{{ keep_unchecked_loads(ref('staging__app__invoices')) }}",
            "{{ keep_consumed_loads(ref('staging__app__invoices')) }}"
        ]
    )
}}
{%- set unconsumed = unconsumed_loads(ref('staging__app__invoices'), 'current_invoices') %}
with invoices as (
    select * from {{ ref('staging__app__invoices') }}
    {% if unconsumed is not none %}
        as current_invoices
        where {{ unconsumed }}
    {% elif is_incremental() %}
        -- A table built before it kept its stamps: the invoices whose (id, updated_at) it
        -- does not hold.
        as current_invoices
        where not exists (
            select 1 from {{ this }} as built
            where
                built.invoice_id = current_invoices.invoice_id
                and built.updated_at = current_invoices.updated_at
        )
    {% endif %}
),

contracts as (
    select
        job_contract_id,
        {{ surrogate_key(['job_contract_id']) }} as job_contract_key,
        user_id,
        {{ surrogate_key(['user_id']) }} as freelancer_key,
        entity
    from {{ ref('staging__app__job_contracts') }}
),

clients as (
    select
        client_id,
        {{ surrogate_key(['client_id']) }} as client_key
    from {{ ref('staging__app__clients') }}
)

select
    {{ surrogate_key(['invoices.invoice_id']) }} as invoice_key,
    invoices.invoice_id,
    invoices.reference,
    invoices.reference_number,
    -- An unknown contract or client still gets the key of its id (then fails a relationships
    -- test), and its unknown freelancer the key of NULL, as if hashed here.
    coalesce(
        contracts.job_contract_key, {{ surrogate_key(['invoices.job_contract_id']) }}
    ) as job_contract_key,
    invoices.job_contract_id,
    coalesce(
        contracts.freelancer_key, {{ surrogate_key(['contracts.user_id']) }}
    ) as freelancer_key,
    contracts.user_id as freelancer_id,
    coalesce(clients.client_key, {{ surrogate_key(['invoices.client_id']) }}) as client_key,
    invoices.client_id,
    contracts.entity,
    invoices.issue_date,
    {{ month_of('invoices.issue_date') }} as issue_month,
    invoices.amount,
    invoices.created_at,
    invoices.updated_at
from invoices
-- Left joins: an invoice whose contract or client is unknown still counts (and fails a
-- relationships test).
left join contracts on invoices.job_contract_id = contracts.job_contract_id
left join clients on invoices.client_id = clients.client_id
