-- Invariant: the day-count buckets of seeds/aging_buckets.csv cover every number of days past due
-- once: the first has no lower bound, each starts the day after the previous one ends, the last
-- has no upper bound; only 'unapplied' has no bounds at all. Returns the buckets that break it.
with buckets as (
    select
        bucket,
        min_days_past_due,
        max_days_past_due,
        lag(max_days_past_due) over (order by sort_order) as previous_max_days_past_due,
        row_number() over (order by sort_order) as position,
        count(*) over () as buckets
    from {{ ref('aging_buckets') }}
    where min_days_past_due is not null or max_days_past_due is not null
)

select *
from buckets
where (position = 1 and min_days_past_due is not null)
    or (position > 1 and min_days_past_due is distinct from previous_max_days_past_due + 1)
    or (position = buckets and max_days_past_due is not null)
    or (position < buckets and max_days_past_due is null)
    or max_days_past_due < min_days_past_due
union all
select bucket, min_days_past_due, max_days_past_due, null, null, null
from {{ ref('aging_buckets') }}
where min_days_past_due is null and max_days_past_due is null and bucket <> 'unapplied'
