#!/usr/bin/env bash
# One-off set-up run by the `airflow-init` service before the other Airflow services:
# migrate the metadata database and create (or keep) the admin user of the Airflow UI.
# Safe to run again: both steps are idempotent.
set -euo pipefail

: "${AIRFLOW_ADMIN_USERNAME:?set AIRFLOW_ADMIN_USERNAME in .env}"
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}"

airflow db migrate

if airflow users list --output plain | awk '{print $2}' | grep -qx "$AIRFLOW_ADMIN_USERNAME"; then
    echo "airflow-init: user $AIRFLOW_ADMIN_USERNAME exists"
else
    airflow users create --role Admin \
        --username "$AIRFLOW_ADMIN_USERNAME" --password "$AIRFLOW_ADMIN_PASSWORD" \
        --firstname Credit --lastname Admin \
        --email "${AIRFLOW_ADMIN_EMAIL:-admin@example.com}"
fi
