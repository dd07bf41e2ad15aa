-- One row per App user (freelancer), with the CRM's satisfaction score when the CRM record can
-- be matched (intermediate.freelancer_matches says how). The App's side of each freelancer
-- (names, email, cohort: the month of the first job contract start) is
-- intermediate.freelancer_cohorts; this model adds the CRM's match and score.
with cohorts as (
    select * from {{ ref('intermediate__freelancer_cohorts') }}
),

matches as (
    select * from {{ ref('intermediate__freelancer_matches') }}
),

customers as (
    select * from {{ ref('staging__crm__customers') }}
)

select
    cohorts.freelancer_key,
    cohorts.freelancer_id,
    cohorts.last_name,
    cohorts.first_name,
    cohorts.email,
    matches.crm_customer_id,
    matches.crm_match_method,
    customers.satisfaction_score,
    cohorts.first_contract_start_date,
    cohorts.cohort,
    cohorts.created_at,
    cohorts.updated_at
from cohorts
left join matches on cohorts.freelancer_id = matches.freelancer_id
left join customers on matches.crm_customer_id = customers.customer_id
