{#-
    What an incremental model was built from, kept beside it in its slot as `<model>__inputs`
    (same build, same transaction), so that its next build computes only what changed:
      - the marts incremental by freelancer keep a fingerprint per freelancer
        (macros/freelancer_inputs.sql);
      - intermediate.invoices keeps the loads it holds the rows of (below);
      - intermediate.invoice_reference_anomalies keeps a fingerprint per block of reference
        numbers (macros/reference_blocks.sql).
    Publishing, `status` and `export` treat `<model>__inputs` as internal
    (cli/src/jump/data_platform/transform/publish.py).
-#}

{#- The table `suffix` names beside `model` (a relation), else beside the model being built. -#}
{% macro inputs_relation(suffix, model=none) -%}
    {%- set model = model if model is not none else this -%}
    {{ return(model.incorporate(path={"identifier": model.identifier ~ suffix})) }}
{%- endmacro %}


{#- The relation of the model named `name` (with `suffix`: a table kept beside it) where this
    build places it: the schema the transform set on dbt's graph (its build slot), not `ref`, which
    would make the caller wait for the model. -#}
{% macro model_relation(name, suffix='') -%}
    {%- set nodes = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', name) | list -%}
    {%- if nodes | length != 1 -%}
        {{ exceptions.raise_compiler_error("no model named " ~ name) }}
    {%- endif -%}
    {{ return(node_relation(nodes[0], suffix)) }}
{%- endmacro %}


{#- The relation of a node of dbt's graph (with `suffix`: a table kept beside it). -#}
{% macro node_relation(node, suffix='') -%}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias ~ suffix
    )) }}
{%- endmacro %}


{#- Whether the catalog holds `relation` (with `column`, when given). The catalog is asked, not
    dbt's relation cache, which need not hold a table a hook wrote or renamed during this build;
    not adapter.get_columns_in_relation, whose DESCRIBE fails on a table that is not there. -#}
{% macro in_catalog(relation, column=none) -%}
    {%- set found = run_query(
        "select count(*) from information_schema." ~ ("columns" if column else "tables")
        ~ " where table_catalog = '" ~ relation.database ~ "'"
        ~ " and table_schema = '" ~ relation.schema ~ "'"
        ~ " and table_name = '" ~ relation.identifier ~ "'"
        ~ (" and column_name = '" ~ column ~ "'" if column else "")
    ) -%}
    {{ return(found.rows[0][0] > 0) }}
{%- endmacro %}


{#- The load stamps `query` returns (a column `_loaded_at`), read now and written as SQL
    constants, in order; none for a row without a stamp. -#}
{% macro stamp_literals(query) -%}
    {%- set stamps = run_query(
        "select cast(_loaded_at as varchar) from (" ~ query ~ ")"
        ~ " where _loaded_at is not null order by 1"
    ).columns[0].values() -%}
    {%- set literals = [] -%}
    {%- for stamp in stamps -%}
        {%- do literals.append("cast('" ~ stamp ~ "' as timestamp)") -%}
    {%- endfor -%}
    {{ return(literals) }}
{%- endmacro %}


{#- What the build before this one kept: none but in an incremental build that finds it. No
    `this` in a unit test: the rows given are the whole input. -#}
{% macro previous_inputs() -%}
    {%- if this is not none and is_incremental() -%}
        {%- set previous = inputs_relation('__inputs') -%}
        {{ return(adapter.get_relation(
            database=previous.database,
            schema=previous.schema,
            identifier=previous.identifier
        )) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#-
    Incremental by load: every row of a source table carries the `_loaded_at` of the load that
    last wrote it (inserted or updated; a full load stamps every row), and a load's rows are
    committed at once, under the writer's lock. So the rows of `source` whose stamp the model
    has not consumed yet are exactly those a load inserted or changed since its last build.

    The stamps consumed are kept beside the model (`<model>__inputs`, one row per stamp),
    written from the same source in the same transaction as the rows: they always describe the
    rows the table holds, whatever run failed in between, and whatever the clock did (stamps
    are compared, never ordered). Finding the new rows is then a scan of the stamp column
    against a few hundred stamps, instead of a join of every row on its key.
-#}

{#- A predicate on the rows of `source` (a relation, read as `alias`): not consumed by the
    previous build. The stamps not consumed yet are read first and written into the predicate
    as constants: DuckDB then filters the table as it scans it, before the source's view
    computes anything, where a join on the stamps would have every row computed first (0.25 s
    against 0.05 s per hour at scale 100). A row without a stamp is never consumed. None when
    nothing says what the model consumed (a first build, a full refresh, a table built before
    it kept its stamps): the caller then chooses the rows another way. -#}
{% macro unconsumed_loads(source, alias) -%}
    {%- set consumed = previous_inputs() -%}
    {{ return(loads_not_consumed_in(
        source, consumed, alias, unchecked=unchecked_relation() if consumed is not none else none
    )) }}
{%- endmacro %}


{#- The same predicate against the stamps kept in `consumed` (a relation, or none). The loads
    kept in `unchecked` (a relation, or none: `keep_unchecked_loads`) count as not consumed: a
    build writes their rows again, so that a duplicate a failed build wrote is replaced. -#}
{% macro loads_not_consumed_in(source, consumed, alias, unchecked=none) -%}
    {%- if consumed is none or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set literals = stamp_literals(unconsumed_stamps(source, consumed, unchecked)) -%}
    {{ return(
        "(" ~ alias ~ "._loaded_at is null"
        ~ (" or " ~ alias ~ "._loaded_at in (" ~ literals | join(", ") ~ ")" if literals else "")
        ~ ")"
    ) }}
{%- endmacro %}


{#- The query of the stamps of `source` (a relation) not among those kept in `consumed`, or
    among those kept in `unchecked` (relations; `unchecked` may be none). It reads the stamp
    column only: the source's view computes nothing else. -#}
{% macro unconsumed_stamps(source, consumed, unchecked=none) -%}
    {{ return(
        "with current_loads as (select distinct _loaded_at from " ~ source ~ ")"
        ~ " select _loaded_at from current_loads"
        ~ " where _loaded_at is not null and (not exists (select 1 from " ~ consumed
        ~ " as consumed_loads where consumed_loads._loaded_at = current_loads._loaded_at)"
        ~ (" or _loaded_at in (select _loaded_at from " ~ unchecked ~ ")"
            if unchecked is not none else "")
        ~ ")"
    ) }}
{%- endmacro %}


{#- Post-hook of a model incremental by load, before `keep_consumed_loads`: the loads whose rows
    this build wrote (every load in a first build or a full refresh; those an earlier build
    wrote and no passing test has checked since among them), wait for the model's key test
    (`unique_of_unchecked_loads`) as `<model>__unchecked`; on-run-end forgets them once it
    passed (`forget_checked_parts`). -#}
{% macro keep_unchecked_loads(source) -%}
    {%- if target.type != 'spark' -%}
        {%- set consumed = previous_inputs() -%}
        create or replace table {{ inputs_relation('__unchecked') }} as
        {% if consumed is none -%}
            select distinct _loaded_at from {{ source }}
        {%- else -%}
            {{ unconsumed_stamps(source, consumed, unchecked_relation()) }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: the stamps of `source` (a relation), every one of whose rows the model now holds. -#}
{% macro keep_consumed_loads(source) -%}
    {%- if target.type != 'spark' -%}
        create or replace table {{ inputs_relation('__inputs') }} as
        select distinct _loaded_at from {{ source }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of a model incremental by load: delete the rows whose `key` is gone from `source`.
    After the new rows are in, the table holds every key of the source (each build leaves it
    so, and adds every row a load wrote since), so it has more rows than the source exactly
    when keys are gone: two counts decide, and the join that finds them runs only then. -#}
{% macro delete_gone_rows(source, key) -%}
    {%- if is_incremental() and execute -%}
        {%- set surplus = run_query(
            "select (select count(*) from " ~ this ~ ") - (select count(*) from " ~ source ~ ")"
        ).columns[0].values()[0] -%}
        {%- if surplus != 0 -%}
            delete from {{ this }} as built where not exists (
                select 1 from {{ source }} as current_rows
                where current_rows.{{ key }} = built.{{ key }}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#-
    Incremental by part: every row of the model derives from one part of its inputs (a
    freelancer, a block of reference numbers), and nothing else. What each part's rows were
    computed from is summed up in a fingerprint (`inputs`: a query of `key, fingerprint`, and of
    whatever else the model reads of its parts), and
    the fingerprints of a build are kept beside the model, in `<model>__inputs` (same build
    slot, same transaction); the next build compares them with the current ones:
      pre-hook 1  stage the current fingerprints in `<model>__inputs_next`, each marked
                  `recomputed` when it differs from the previous one (all of them when no
                  previous fingerprints exist, or in a full refresh);
      pre-hook 2  delete the rows of the parts whose fingerprint differs (new, changed, gone),
                  all of them when no previous fingerprints exist;
      model       the rows of those parts only (`changed_parts()`), appended;
      post-hook   `<model>__inputs_next` becomes `<model>__inputs`.
    Comparing fingerprints rather than trusting a watermark makes a failed run in between
    harmless. `inputs` and `row_part` are Jinja expressions, rendered when the hooks run:
    `row_part` gives the SQL of a row's part in the model's own table, when the model does not
    store it as `key`. On Spark the model is a table (macros render nothing there).

    `checked_by_test` (a model whose unique test checks only the parts its build recomputed,
    macros/test_unique_combination.sql): the parts a build recomputed are also kept as
    `<model>__unchecked` until that test passes (on-run-end: `forget_checked_parts`). A build
    recomputes them again, with those whose fingerprint changed, as long as they are kept: rows
    written by a build whose test failed, or that ended before its test (killed, or `dbt run`),
    are never left unchecked by a later build that finds their fingerprints unchanged.
-#}
{% macro incremental_by_part(key, inputs, row_part=none, checked_by_test=false) -%}
    {%- set row_part = row_part if row_part is not none else "'" ~ key ~ "'" -%}
    {%- set post_hook = ["{{ drop_previous_inputs() }}", "{{ keep_part_inputs() }}"] -%}
    {%- if checked_by_test -%}
        {%- do post_hook.append("{{ keep_unchecked_parts('" ~ key ~ "') }}") -%}
    {%- endif -%}
    {{ config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=[
            "{{ stage_part_inputs('" ~ key ~ "', " ~ inputs ~ ") }}",
            "{{ delete_changed_parts('" ~ key ~ "', " ~ row_part ~ ") }}"
        ],
        post_hook=post_hook
    ) }}
{%- endmacro %}


{#- Pre-hook 1: the current fingerprints, and which of them the build recomputes: those that
    changed, and those left unchecked by an earlier build. -#}
{% macro stage_part_inputs(key, inputs) -%}
    {%- if target.type != 'spark' -%}
        {%- set previous = previous_inputs() -%}
        {%- set unchecked = unchecked_relation() if previous is not none else none -%}
        create or replace table {{ inputs_relation('__inputs_next') }} as
        with current_inputs as (
            {{ inputs }}
        )

        select
            current_inputs.*,
            {% if previous is none -%}
                true
            {%- else -%}
                previous_inputs.fingerprint is distinct from current_inputs.fingerprint
                {%- if unchecked is not none %}
                    or current_inputs.{{ key }} in (select {{ key }} from {{ unchecked }})
                {%- endif %}
            {%- endif %} as recomputed
        from current_inputs
        {% if previous is not none -%}
            left join {{ previous }} as previous_inputs
                on current_inputs.{{ key }} = previous_inputs.{{ key }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- What an earlier build wrote and no passing test has checked since (the parts it recomputed,
    or the loads it consumed): the model's `<model>__unchecked`, or none. -#}
{% macro unchecked_relation() -%}
    {%- set unchecked = inputs_relation('__unchecked') -%}
    {{ return(adapter.get_relation(
        database=unchecked.database, schema=unchecked.schema, identifier=unchecked.identifier
    )) }}
{%- endmacro %}


{#- A predicate on `expression` (a part): the part is to be recomputed. Always true but in an
    incremental build that finds the previous fingerprints. -#}
{% macro changed_parts(key, expression) -%}
    {%- set previous = previous_inputs() -%}
    {%- if previous is none -%}
        {{ return("true") }}
    {%- endif -%}
    {{ return(
        expression ~ " in (select coalesce(next_inputs." ~ key ~ ", previous_inputs." ~ key ~ ")"
        ~ " from " ~ inputs_relation('__inputs_next') ~ " as next_inputs"
        ~ " full outer join " ~ previous ~ " as previous_inputs"
        ~ " on next_inputs." ~ key ~ " = previous_inputs." ~ key
        ~ " where next_inputs.fingerprint is distinct from previous_inputs.fingerprint"
        ~ " or next_inputs.recomputed)"
    ) }}
{%- endmacro %}


{#- Pre-hook 2: the rows about to be recomputed go. -#}
{% macro delete_changed_parts(key, row_part) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ changed_parts(key, row_part) }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hooks: the fingerprints of this build are kept for the next one. -#}
{% macro drop_previous_inputs() -%}
    {%- if target.type != 'spark' -%}
        drop table if exists {{ inputs_relation('__inputs') }}
    {%- endif -%}
{%- endmacro %}


{% macro keep_part_inputs() -%}
    {%- if target.type != 'spark' -%}
        alter table {{ inputs_relation('__inputs_next') }}
        rename to {{ adapter.quote(this.identifier ~ '__inputs') }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of a model `checked_by_test`: the parts this build recomputed (those an earlier
    build left unchecked among them) wait for its test. -#}
{% macro keep_unchecked_parts(key) -%}
    {%- if target.type != 'spark' -%}
        create or replace table {{ inputs_relation('__unchecked') }} as
        select {{ key }} from {{ inputs_relation('__inputs') }} where recomputed
    {%- endif -%}
{%- endmacro %}


{#- on-run-end: a passing test of the parts a build recomputed (`unique_combination` with
    `recomputed_only`) or of the loads it wrote (`unique_of_unchecked_loads`) checked every part
    or load kept as unchecked, which it read: they are forgotten.
    A failed, errored or skipped test, or a run that ended before it, leaves them for the next
    build to recompute and check. -#}
{% macro forget_checked_parts(results) -%}
    {%- if execute and target.type != 'spark' -%}
        {%- for result in results -%}
            {%- set node = result.node -%}
            {%- set metadata = node.test_metadata if node.resource_type == 'test' else none -%}
            {%- if metadata and result.status == 'pass' and (
                metadata.name == 'unique_of_unchecked_loads'
                or (metadata.name == 'unique_combination' and metadata.kwargs.get('recomputed_only'))
            ) -%}
                {%- set model = graph.nodes.get(node.attached_node) -%}
                {%- if model is not none -%}
                    {%- do run_query(
                        "drop table if exists " ~ node_relation(model, '__unchecked')
                    ) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
