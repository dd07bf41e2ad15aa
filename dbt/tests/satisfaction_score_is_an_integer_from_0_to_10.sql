-- The CRM's satisfaction score is an integer from 0 to 10 (or NULL: not answered). Anything
-- else (`8.5` in a column retyped as text, `11`) is read as NULL by staging, never rounded into
-- the NPS, and named here by the CRM customer id. A warning: the CRM is typed in by people, the
-- NPS over the valid answers still stands, and no money depends on it.
{{ config(tags=['staging'], severity='warn') }}

select
    id as customer_id,
    satisfaction_score
from {{ source('crm', 'customers') }}
where
    satisfaction_score is not null
    and {{ satisfaction_score('satisfaction_score') }} is null
