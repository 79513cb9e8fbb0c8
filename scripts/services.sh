#!/usr/bin/env bash
# Starts the services the test suite talks to when they are not already running, and waits
# until each answers. With CI=true a service that will not start fails the run.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }

wait_for() {  # name, check function
  for _ in $(seq 1 30); do
    if "$2"; then return 0; fi
    sleep 1
  done
  echo "services: $1 did not come up on loopback" >&2
  return 1
}

if ! pg_up; then
  echo "services: starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  fi
  wait_for PostgreSQL pg_up
fi

if ! redis_up; then
  echo "services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for Redis redis_up
fi

if [ -x /usr/bin/softhsm2-util ] || [ "${CI:-}" = "true" ]; then
  bash "$(dirname "$0")/softhsm_init.sh"
fi
echo "services: PostgreSQL and Redis answer on loopback"
