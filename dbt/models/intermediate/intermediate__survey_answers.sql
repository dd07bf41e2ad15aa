-- Every satisfaction answer a freelancer gave, as the CRM's history shows it: the versions of the
-- CRM rows kept by the snapshot `snapshots.crm__customers` (each answered or changed score is a
-- new version, dated by its `updated_at`), attributed to the freelancer the CRM row belongs to.
-- A CRM row belongs to a freelancer matched by email when it carries that email (duplicates
-- included: a later duplicate without a score never hides an earlier answer), or is the one
-- row matched by name.
with versions as (
    select
        cast(id as bigint) as crm_customer_id,
        {{ normalize_email('email') }} as email,
        -- Read strictly, as staging does: a malformed score is no answer (never rounded).
        {{ satisfaction_score('satisfaction_score') }} as satisfaction_score,
        cast(dbt_valid_from as timestamp) as answered_at
    from {{ crm_customer_versions() }}
),

answers as (
    -- A version that kept the previous version's score (another field changed) is no new answer.
    select *
    from (
        select
            *,
            lag(satisfaction_score) over (
                partition by crm_customer_id order by answered_at
            ) as previous_score
        from versions
    ) as ordered
    where
        satisfaction_score is not null
        and satisfaction_score is distinct from previous_score
),

freelancers as (
    select
        freelancer_id,
        email,
        crm_customer_id,
        crm_match_method
    from {{ ref('intermediate__freelancers') }}
    where crm_match_method is not null
)

-- Two equi-joins, not one join on `a or b`: DuckDB would compare every pair.
select
    freelancers.freelancer_id,
    answers.crm_customer_id,
    answers.satisfaction_score,
    answers.answered_at
from answers
inner join freelancers
    on answers.email = freelancers.email
where freelancers.crm_match_method = 'email'

union all

select
    freelancers.freelancer_id,
    answers.crm_customer_id,
    answers.satisfaction_score,
    answers.answered_at
from answers
inner join freelancers
    on answers.crm_customer_id = freelancers.crm_customer_id
where freelancers.crm_match_method = 'name'
