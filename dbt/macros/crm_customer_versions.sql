{#- The versions of the CRM's customer rows that `intermediate.survey_answers` reads: the
    snapshot `snapshots.crm__customers` where dbt can keep one. dbt-spark snapshots only Delta,
    Iceberg or Hudi tables, none of which installs offline: on Spark the current rows stand in,
    each its one version dated by its `updated_at` (what a first snapshot holds). -#}
{% macro crm_customer_versions() -%}
    {{ return(adapter.dispatch('crm_customer_versions', 'jump_data_platform')()) }}
{%- endmacro %}

{% macro default__crm_customer_versions() -%}
    {{ ref('snapshots__crm__customers') }}
{%- endmacro %}

{% macro spark__crm_customer_versions() -%}
    (
        select
            customers.*,
            customers.updated_at as dbt_valid_from,
            cast(null as string) as dbt_valid_to
        from {{ source('crm', 'customers') }} as customers
    ) as customer_versions
{%- endmacro %}
