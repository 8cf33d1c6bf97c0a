#!/bin/sh
# Run once by the postgres image when it first creates the database (compose.yaml mounts this
# folder at /docker-entrypoint-initdb.d): the role the workbench connects as. It owns nothing;
# `compounding db grant` (the compose service "migrate", run as the owner) gives it exactly the
# application's rights after every upgrade.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE compounding_app LOGIN PASSWORD :'app_password';
SQL
