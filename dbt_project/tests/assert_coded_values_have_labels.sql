-- Rule: every coded value the dashboard shows has a label in value_labels (English and French):
-- buckets, call outcomes, stages, channels, promise statuses, dispute reasons, owners, statuses,
-- resolutions, entry types, terms bases, forecast bases, e-invoicing status codes (200..213: the
-- other codes of 200..299 have no meaning for the KPIs) and sources. The lifecycle reason codes and
-- requested actions are open lists (labels for the published ones are in the seed). Returns the
-- codes without a label.
with shown_codes as (
    {#- (model, column, field of value_labels when it is not the column's name, condition) #}
    {%- set coded_columns = [
        ('aged_balance', 'aging_bucket'),
        ('calls', 'outcome'), ('calls', 'stage'), ('calls', 'channel'), ('calls', 'promise_status'),
        ('promises', 'outcome'), ('promises', 'stage'), ('promises', 'channel'), ('promises', 'promise_status'),
        ('reminder_effectiveness', 'stage'), ('reminder_effectiveness', 'channel'),
        ('disputes', 'reason'), ('disputes', 'owner'), ('disputes', 'status'), ('disputes', 'resolution'),
        ('dispute_analysis', 'reason'), ('dispute_analysis', 'owner'),
        ('account_statement', 'entry_type'), ('customers', 'payment_terms_basis'),
        ('kpi_by_dimension', 'dimension'), ('invoice_payment_forecast', 'forecast_basis'),
        ('aged_balance', 'lifecycle_status_code', 'status_code', 'lifecycle_status_code <= 213'),
        ('invoice_lifecycle', 'current_status_code', 'status_code', 'current_status_code <= 213'),
        ('lifecycle_reasons', 'status_code'), ('lifecycle_reasons', 'source'),
        ('lifecycle_by_month', 'dimension')] %}
    {%- for coded in coded_columns %}
    {%- set model, column = coded[0], coded[1] %}
    {%- set field = coded[2] if coded | length > 2 else column %}
    select distinct '{{ field }}' as field, cast({{ column }} as varchar) as code
    from {{ ref(model) }}
    where {{ column }} is not null{% if coded | length > 3 %} and {{ coded[3] }}{% endif %}
    {{- '\n    union' if not loop.last }}
    {%- endfor %}
)

select shown_codes.*
from shown_codes
anti join {{ ref('value_labels') }} as value_labels
    on shown_codes.field = value_labels.field
    and shown_codes.code = value_labels.code
