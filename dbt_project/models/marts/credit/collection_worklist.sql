-- grain: one row per customer to call, as of the run's as-of date, ranked (1 = call first),
-- company-wide (priority_rank) and within each collector's own queue (collector_rank).
-- A customer is on the list with an overdue amount or a promise that falls due or was broken,
-- unless its overdue is covered by its own unapplied cash and credit notes: that customer is to
-- reconcile (allocate the cash first), on the reconciliation list, not called.
-- Priority: undisputed overdue amount x (1 + oldest days past due / 30) x a risk-grade factor,
-- doubled when a promise falls due or was broken. Overdue invoices the buyer never received (never
-- made available on the e-invoicing platform) or that the platform rejected are not chased: they
-- leave the amount and the reason says so. The reason is said in words, English and French.
with profiles as (
    select * from {{ ref('customer_profile') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

overdue_items_now as (
    select open_items.*
    from {{ ref('int_open_items_at_as_of_dates') }} as open_items
    inner join run_date on open_items.as_of_date = run_date.run_as_of_date
    where open_items.is_overdue and open_items.open_amount > 0
),

-- overdue invoices not to chase: never made available to the buyer, or rejected (to reissue)
overdue_not_to_chase as (
    select
        customer_id,
        count(*) filter (where never_made_available) as never_made_available_invoices,
        sum(open_amount) filter (where never_made_available) as never_made_available_amount,
        count(*) filter (where is_rejected) as rejected_invoices,
        sum(open_amount) filter (where is_rejected) as rejected_amount,
        -- disputed ones already leave the priority amount
        coalesce(sum(open_amount) filter (where not is_disputed), 0) as undisputed_amount
    from overdue_items_now
    where never_made_available or is_rejected
    group by customer_id
),

-- promises to check: pending and falling due within the next 7 days (or in their grace days),
-- or broken in the last 30 days
promises_to_follow as (
    select
        promises.customer_id,
        min(promises.promised_date) filter (where promises.promise_status = 'pending') as next_promised_date,
        count(*) filter (where promises.promise_status = 'broken') as promises_broken_recently,
        max(promises.promised_date) filter (where promises.promise_status = 'broken') as broken_promise_date
    from promises
    cross join run_date
    where (promises.promise_status = 'pending' and promises.promised_date <= run_date.run_as_of_date + 7)
        or (promises.promise_status = 'broken' and promises.maturity_date > run_date.run_as_of_date - 30)
    group by promises.customer_id
),

candidates as (
    select
        profiles.customer_id,
        profiles.customer_name,
        profiles.segment,
        profiles.region,
        profiles.country,
        profiles.business_unit,
        profiles.collector_id,
        profiles.overdue_ar as overdue_amount,
        coalesce(profiles.oldest_days_past_due, 0) as oldest_days_past_due,
        promises_to_follow.customer_id is not null as promise_due,
        profiles.open_disputes,
        profiles.risk_grade,
        profiles.risk_reasons,
        profiles.risk_reasons_fr,
        promises_to_follow.next_promised_date,
        promises_to_follow.broken_promise_date,
        coalesce(promises_to_follow.promises_broken_recently, 0) as promises_broken_recently,
        coalesce(overdue_not_to_chase.never_made_available_invoices, 0) as never_made_available_invoices,
        overdue_not_to_chase.never_made_available_amount,
        coalesce(overdue_not_to_chase.rejected_invoices, 0) as rejected_invoices,
        overdue_not_to_chase.rejected_amount,
        greatest(
            profiles.overdue_ar - profiles.disputed_overdue_ar
            - coalesce(overdue_not_to_chase.undisputed_amount, 0), 0
        )
        * (1 + coalesce(profiles.oldest_days_past_due, 0) / 30.0)
        * case profiles.risk_grade when 'A' then 1 when 'B' then 1.25 when 'C' then 1.5 when 'D' then 2 else 3 end
        * case when promises_to_follow.customer_id is not null then 2 else 1 end as priority_score
    from profiles
    left join promises_to_follow on profiles.customer_id = promises_to_follow.customer_id
    left join overdue_not_to_chase on profiles.customer_id = overdue_not_to_chase.customer_id
    where (profiles.overdue_ar > 0 or promises_to_follow.customer_id is not null)
        and not profiles.is_to_reconcile
),

final as (
    select
        row_number() over (order by priority_score desc, overdue_amount desc, customer_id) as priority_rank,
        customer_id,
        customer_name,
        collector_id,
        overdue_amount,
        oldest_days_past_due,
        promise_due,
        open_disputes,
        risk_grade,
        priority_score,
        concat_ws(', ',
            case when overdue_amount > 0
                then {{ words_amount_en('overdue_amount') }} || ' overdue, oldest '
                    || cast(oldest_days_past_due as varchar) || ' days' end,
            case when broken_promise_date is not null
                then 'promise of ' || {{ words_date_en('broken_promise_date') }} || ' broken' end,
            case when next_promised_date is not null
                then 'promise falls due ' || {{ words_date_en('next_promised_date') }} end,
            case when open_disputes = 1 then '1 open dispute'
                when open_disputes > 1 then cast(open_disputes as varchar) || ' open disputes' end,
            case when never_made_available_invoices > 0
                then cast(never_made_available_invoices as varchar)
                    || case when never_made_available_invoices = 1 then ' overdue invoice'
                        else ' overdue invoices' end
                    || ' never made available (' || {{ words_amount_en('never_made_available_amount') }}
                    || '): do not chase, never received' end,
            case when rejected_invoices > 0
                then cast(rejected_invoices as varchar)
                    || case when rejected_invoices = 1 then ' overdue invoice' else ' overdue invoices' end
                    || ' rejected by the platform (' || {{ words_amount_en('rejected_amount') }}
                    || '): reissue' end,
            'risk grade ' || risk_grade
        ) as reason,
        row_number() over (
            partition by collector_id order by priority_score desc, overdue_amount desc, customer_id
        ) as collector_rank,
        concat_ws(', ',
            case when overdue_amount > 0
                then {{ words_amount_fr('overdue_amount') }} || ' échus, le plus ancien à '
                    || cast(oldest_days_past_due as varchar) || ' jours' end,
            case when broken_promise_date is not null
                then 'promesse du ' || {{ words_date_fr('broken_promise_date') }} || ' non tenue' end,
            case when next_promised_date is not null
                then 'promesse attendue le ' || {{ words_date_fr('next_promised_date') }} end,
            case when open_disputes = 1 then '1 litige ouvert'
                when open_disputes > 1 then cast(open_disputes as varchar) || ' litiges ouverts' end,
            case when never_made_available_invoices > 0
                then cast(never_made_available_invoices as varchar)
                    || case when never_made_available_invoices = 1
                        then ' facture échue jamais mise à disposition'
                        else ' factures échues jamais mises à disposition' end
                    || ' (' || {{ words_amount_fr('never_made_available_amount') }}
                    || ') : ne pas relancer, jamais reçue' end,
            case when rejected_invoices > 0
                then cast(rejected_invoices as varchar)
                    || case when rejected_invoices = 1 then ' facture échue rejetée par la plateforme'
                        else ' factures échues rejetées par la plateforme' end
                    || ' (' || {{ words_amount_fr('rejected_amount') }} || ') : à réémettre' end,
            'note de risque ' || risk_grade
        ) as reason_fr,
        segment,
        region,
        country,
        business_unit,
        broken_promise_date,
        next_promised_date,
        promises_broken_recently,
        never_made_available_invoices,
        rejected_invoices,
        risk_reasons,
        risk_reasons_fr
    from candidates
)

select * from final
