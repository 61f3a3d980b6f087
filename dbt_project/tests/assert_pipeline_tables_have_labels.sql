{{ config(severity='warn') }}
-- Rule (a warning: these tables are written by the pipeline, not by dbt): the columns of the
-- data-quality page (marts.data_quality, marts.pipeline_runs, raw.load_log, raw.quarantine) have
-- a label in column_labels. Returns the columns without one.
with shown_columns as (
    select table_schema, table_name, column_name
    from information_schema.columns
    where table_catalog = current_database()
        and (
            (table_schema = 'marts' and table_name in ('data_quality', 'pipeline_runs'))
            or (table_schema = 'raw' and table_name in ('load_log', 'quarantine'))
        )
)

select shown_columns.*
from shown_columns
anti join {{ ref('column_labels') }} as column_labels
    on shown_columns.column_name = column_labels.column_name
