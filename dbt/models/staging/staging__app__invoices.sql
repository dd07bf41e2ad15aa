-- The App's invoices, typed: the amount rounded to the cent as DECIMAL, the reference kept as
-- stored and its number read strictly (NULL when malformed) so that gaps can be found.
with source as (
    select * from {{ source('app', 'invoices') }}
)

select
    cast(id as bigint) as invoice_id,
    cast(reference as {{ dbt.type_string() }}) as reference,
    {{ invoice_reference_number('reference') }} as reference_number,
    cast(job_contract_id as bigint) as job_contract_id,
    cast(client_id as bigint) as client_id,
    cast(issue_date as date) as issue_date,
    cast(amount as decimal(18, 2)) as amount,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at
from source
