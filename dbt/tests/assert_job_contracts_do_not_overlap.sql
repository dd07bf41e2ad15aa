-- A freelancer never holds two job contracts at once: every pair of a freelancer's contracts
-- whose date ranges overlap is a failing row (a running contract extends forever).
{{ config(tags=['intermediate']) }}

with contracts as (
    select
        freelancer_id,
        job_contract_id,
        start_date,
        coalesce(end_date, cast('9999-12-31' as date)) as end_date
    from {{ ref('intermediate__job_contracts') }}
)

select
    earlier.freelancer_id,
    earlier.job_contract_id,
    later.job_contract_id as overlapping_job_contract_id,
    earlier.start_date,
    earlier.end_date,
    later.start_date as overlapping_start_date,
    later.end_date as overlapping_end_date
from contracts as earlier
inner join contracts as later
    on
        earlier.freelancer_id = later.freelancer_id
        and earlier.job_contract_id < later.job_contract_id
        and earlier.start_date <= later.end_date
        and earlier.end_date >= later.start_date
