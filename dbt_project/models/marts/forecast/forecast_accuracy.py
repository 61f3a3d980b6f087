"""grain: one row per as_of_date x method x metric.

The backtest of the payment forecast (CONTRACT.md section 3): at every month end D whose 13
weeks are over, the product's forecast (`model`) and the baselines (`due_date`,
`customer_delay`, `rules`) scored on what happened after D. The metrics are the pure
functions of credit_scoreboard.forecast.metrics; rebuilt whole each run (it is cheap).
"""


def model(dbt, session):
    from credit_scoreboard.forecast.accuracy import forecast_accuracy

    return forecast_accuracy(
        session,
        forecasts=dbt.ref("invoice_payment_forecast"),
        outcomes=dbt.ref("int_forecast_invoice_outcomes"),
        cash_vs_actual=dbt.ref("cash_forecast_vs_actual"),
        as_of_dates=dbt.ref("int_as_of_dates"),
    )
