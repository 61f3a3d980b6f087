"""The payment forecast (CONTRACT.md sections 2-3, "Payment forecast at D"): when each open
invoice will be settled, and the cash of the next 13 weeks.

- model.py: the training set of an as-of date D and the LightGBM model set fitted on it;
- distribution.py: each invoice's settlement distribution, from the model to the days;
- payment_calendar.py: payment runs, bank days and the 80 % range, learnt at D;
- invoice_forecast.py: the rows of marts.invoice_payment_forecast, one as-of date at a time;
- reasons.py: the reasons behind a forecast, in English and French;
- metrics.py and accuracy.py: the backtest (marts.forecast_accuracy).

The dbt models of dbt_project/models/marts/forecast call it; nothing here writes a table.
"""
