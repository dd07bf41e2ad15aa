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
        -- What else a person may edit on the row, as typed.
        last_name,
        first_name,
        email as email_as_typed,
        cast(dbt_valid_from as timestamp) as answered_at
    from {{ crm_customer_versions() }}
),

answers as (
    -- A version with a score is an answer when the score changed, or when nothing else did:
    -- the CRM keeps only the latest answer, so a re-answer with the same score shows as a new
    -- version whose only change is its `updated_at` (issue 21: seed 7, freelancer 395). A
    -- version that kept the score while a name or the email was edited is no new answer.
    select *
    from (
        select
            *,
            lag(satisfaction_score) over by_row as previous_score,
            lag(last_name) over by_row as previous_last_name,
            lag(first_name) over by_row as previous_first_name,
            lag(email_as_typed) over by_row as previous_email
        from versions
        window by_row as (partition by crm_customer_id order by answered_at)
    ) as ordered
    where
        satisfaction_score is not null
        and (
            satisfaction_score is distinct from previous_score
            or (
                last_name is not distinct from previous_last_name
                and first_name is not distinct from previous_first_name
                and email_as_typed is not distinct from previous_email
            )
        )
),

freelancers as (
    -- The matched freelancers only (not intermediate.freelancers, which reads the contracts).
    select
        freelancer_id,
        email,
        crm_customer_id,
        crm_match_method
    from {{ ref('intermediate__freelancer_matches') }}
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
