-- grain: one row per as-of date D x dimension x dimension value.
-- Countback DSO: start with R = total_ar and the month containing D (counted up to D); while R
-- exceeds the month's net sales, subtract them and add the month's days, then step one month
-- back; finally add R / that month's sales x its days. NULL when the walk meets a month with
-- net sales <= 0 or has not ended after countback_max_months months.
with amounts as (
    select as_of_date, dimension, dimension_value, total_ar, month_net_sales
    from {{ ref('int_kpi_group_amounts') }}
),

monthly_net_sales as (
    select * from {{ ref('int_group_monthly_net_sales') }}
),

months_walked as (
    select
        amounts.*,
        months.months_back,
        cast(date_trunc('month', amounts.as_of_date) - to_months(months.months_back) as date) as sales_month
    from amounts
    cross join range(0, {{ var('countback_max_months') }}) as months (months_back)
),

months_with_sales as (
    select
        months_walked.*,
        -- the month containing D counts its sales and days up to D only
        case
            when months_walked.months_back = 0 then months_walked.month_net_sales
            else coalesce(monthly_net_sales.net_sales, 0)
        end as net_sales,
        case
            when months_walked.months_back = 0 then day(months_walked.as_of_date)
            else day(last_day(months_walked.sales_month))
        end as days_in_month
    from months_walked
    left join monthly_net_sales
        on months_walked.dimension = monthly_net_sales.dimension
        and months_walked.dimension_value = monthly_net_sales.dimension_value
        and months_walked.sales_month = monthly_net_sales.sales_month
),

remaining_at_each_month as (
    select
        *,
        total_ar - coalesce(sum(net_sales) over months_before, 0) as remaining_ar,
        coalesce(sum(days_in_month) over months_before, 0) as days_before
    from months_with_sales
    window months_before as (
        partition by as_of_date, dimension, dimension_value
        order by months_back
        rows between unbounded preceding and 1 preceding
    )
),

-- the walk ends at the first month that has no positive sales or that covers what remains
last_month_of_walk as (
    select *
    from remaining_at_each_month
    where net_sales <= 0 or remaining_ar <= net_sales
    qualify row_number() over (partition by as_of_date, dimension, dimension_value order by months_back) = 1
),

final as (
    select
        amounts.as_of_date,
        amounts.dimension,
        amounts.dimension_value,
        case
            when last_month_of_walk.net_sales > 0
                then last_month_of_walk.days_before
                + cast(last_month_of_walk.remaining_ar as double) / cast(last_month_of_walk.net_sales as double)
                * last_month_of_walk.days_in_month
        end as dso_countback,
        case when last_month_of_walk.net_sales > 0 then last_month_of_walk.months_back + 1 end
            as countback_months
    from amounts
    left join last_month_of_walk
        on amounts.as_of_date = last_month_of_walk.as_of_date
        and amounts.dimension = last_month_of_walk.dimension
        and amounts.dimension_value = last_month_of_walk.dimension_value
)

select * from final
