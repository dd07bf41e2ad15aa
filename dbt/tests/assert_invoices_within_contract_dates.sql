-- Every invoice is issued while its job contract runs: on or after its start, on or before its
-- end when it has ended. Failing rows name the invoice and its contract's dates.
{{ config(tags=['intermediate']) }}

select
    invoices.invoice_id,
    invoices.reference,
    invoices.issue_date,
    contracts.job_contract_id,
    contracts.start_date,
    contracts.end_date
from {{ ref('intermediate__invoices') }} as invoices
inner join {{ ref('intermediate__job_contracts') }} as contracts
    on invoices.job_contract_id = contracts.job_contract_id
where
    invoices.issue_date < contracts.start_date
    or invoices.issue_date > contracts.end_date
