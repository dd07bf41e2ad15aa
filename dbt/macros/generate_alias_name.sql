{#- A model (or snapshot) file is named after its layer (`staging__app__invoices.sql`) so that its name says
    where it lives; its relation drops that prefix, the schema already says it
    (`staging.app__invoices`). An explicit `alias` config still wins. -#}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.resource_type in ('model', 'snapshot') and node.config.schema
            and node.name.startswith(node.config.schema ~ '__') -%}
        {{ node.name[(node.config.schema ~ '__') | length:] }}
    {%- elif node.version -%}
        {{ node.name ~ '_v' ~ (node.version | replace('.', '_')) }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
