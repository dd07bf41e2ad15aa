-- How the App's freelancers were matched with the CRM: by email, by name, or not at all.
select
    coalesce(crm_match_method, 'unmatched') as crm_match_method,
    count(*) as freelancers,
    count(satisfaction_score) as with_score
from {{ ref('intermediate__freelancers') }}
group by 1
order by 1
