-- One row per invoice, tied to its job contract, freelancer and client, with its issue month.
with invoices as (
    select * from {{ ref('staging__app__invoices') }}
),

contracts as (
    select job_contract_id, user_id, entity from {{ ref('staging__app__job_contracts') }}
)

select
    {{ surrogate_key(['invoices.invoice_id']) }} as invoice_key,
    invoices.invoice_id,
    invoices.reference,
    invoices.reference_number,
    {{ surrogate_key(['invoices.job_contract_id']) }} as job_contract_key,
    invoices.job_contract_id,
    {{ surrogate_key(['contracts.user_id']) }} as freelancer_key,
    contracts.user_id as freelancer_id,
    {{ surrogate_key(['invoices.client_id']) }} as client_key,
    invoices.client_id,
    contracts.entity,
    invoices.issue_date,
    {{ month_of('invoices.issue_date') }} as issue_month,
    invoices.amount,
    invoices.created_at,
    invoices.updated_at
from invoices
-- A left join: an invoice whose contract is unknown still counts (and fails a relationships test).
left join contracts on invoices.job_contract_id = contracts.job_contract_id
