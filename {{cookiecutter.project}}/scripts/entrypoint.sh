#!/bin/sh
# Container start: wait for the database (bounded by DB_WAIT_TIMEOUT), migrate when
# MIGRATE_ON_START, seed when SEED_ON_START, then exec the server so signals reach it.
set -eu
python -m {{ cookiecutter.project }}.prestart
exec uvicorn --factory {{ cookiecutter.project }}.main:create_app \
    --host "${API_HOST:-0.0.0.0}" --port "${API_PORT:-8000}" \
    --proxy-headers --no-server-header
