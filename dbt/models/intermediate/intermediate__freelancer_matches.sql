-- The CRM customer of each App user (freelancer) that can be matched: first by normalised
-- email, then, for users still unmatched, by normalised last and first name when that name
-- belongs to exactly one unmatched user and one unmatched customer. One row per matched user.
-- It reads the users and the CRM only: the survey answers (and so the NPS) read this model, not
-- intermediate.freelancers, so that an App refresh in which no user changed (new invoices and
-- contracts only) rebuilds no NPS model.
--
-- Both sides are taken at the same instant: the users who had signed up by the CRM's extraction
-- (the CRM is extracted daily, the App hourly). Freelancers enter the CRM after signing up,
-- so a user who signs up later has no record of their own in that extract, and could be
-- matched only to a homonym or a prospect; they wait for the next CRM extraction. So an App
-- refresh that brings new sign-ups rebuilds no NPS model either: the model declares that it
-- takes of the users only those (meta.reads in its yml).
with users as (
    select
        user_id,
        email,
        last_name_normalized,
        first_name_normalized
    from {{ ref('staging__app__users') }}
    -- No CRM extraction known, or no sign-up time: the user is not left out.
    where
        coalesce(
            created_at <= (
                select max(crm_extraction.extracted_at)
                from {{ ref('staging__crm__extract_metadata') }} as crm_extraction
            ),
            true
        )
),

customers as (
    select * from {{ ref('staging__crm__customers') }}
),

email_matches as (
    -- One-to-one: App emails are unique and the CRM is deduplicated by email in staging.
    select
        users.user_id,
        customers.customer_id
    from users
    inner join customers on users.email = customers.email
),

unmatched_user_names as (
    select
        last_name_normalized,
        first_name_normalized,
        min(user_id) as user_id
    from users
    where
        last_name_normalized is not null
        and first_name_normalized is not null
        and not exists (
            select 1 from email_matches
            where email_matches.user_id = users.user_id
        )
    group by last_name_normalized, first_name_normalized
    having count(*) = 1
),

unmatched_customer_names as (
    select
        last_name_normalized,
        first_name_normalized,
        min(customer_id) as customer_id
    from customers
    where
        last_name_normalized is not null
        and first_name_normalized is not null
        and not exists (
            select 1 from email_matches
            where email_matches.customer_id = customers.customer_id
        )
    group by last_name_normalized, first_name_normalized
    having count(*) = 1
),

name_matches as (
    select
        unmatched_user_names.user_id,
        unmatched_customer_names.customer_id
    from unmatched_user_names
    inner join unmatched_customer_names
        on
            unmatched_user_names.last_name_normalized
            = unmatched_customer_names.last_name_normalized
            and unmatched_user_names.first_name_normalized
            = unmatched_customer_names.first_name_normalized
),

matches as (
    select
        user_id,
        customer_id,
        'email' as crm_match_method
    from email_matches
    union all
    select
        user_id,
        customer_id,
        'name' as crm_match_method
    from name_matches
)

select
    matches.user_id as freelancer_id,
    users.email,
    matches.customer_id as crm_customer_id,
    matches.crm_match_method
from matches
inner join users on matches.user_id = users.user_id
