#!/usr/bin/env bash
# The whole platform on this machine: local Kafka + ClickHouse (deploy/local/stack.sh)
# and the five services, each a background process with its log and pid file under
# .local/services/.
#
#   scripts/platform.sh up       stack up, build, bootstrap topics + schema, start services, wait, show them,
#                                then one visitor's journey end to end (libs/runtime/src/quickstart-demo.cli.ts)
#   scripts/platform.sh down     stop the services, then the stack
#   scripts/platform.sh status   one line per server and service
#   scripts/platform.sh logs [service]   tail the services' JSON logs
#
# Ports come from the usual variables (COLLECTOR_PORT, API_PORT, INGEST_METRICS_PORT,
# SEGMENTER_METRICS_PORT, CAMPAIGN_METRICS_PORT, KAFKA_BROKERS, CLICKHOUSE_URL, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
RUN="$ROOT/.local/services"
SERVICES=(collector ingest segmenter campaign api)

log() { printf '[platform] %s\n' "$*" >&2; }
die() { printf '[platform] error: %s\n' "$*" >&2; exit 1; }

port_of() {
  case "$1" in
    collector) echo "${COLLECTOR_PORT:-3000}" ;;
    api) echo "${API_PORT:-3001}" ;;
    ingest) echo "${INGEST_METRICS_PORT:-9464}" ;;
    segmenter) echo "${SEGMENTER_METRICS_PORT:-9465}" ;;
    campaign) echo "${CAMPAIGN_METRICS_PORT:-9466}" ;;
  esac
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

ready_body() { curl -s --max-time 3 "http://127.0.0.1:$(port_of "$1")/health/ready" 2>/dev/null || true; }
is_ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$(port_of "$1")/health/ready" 2>/dev/null)" = 200 ]; }

start_service() {
  local name="$1" port
  port="$(port_of "$name")"
  if alive "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port (for $name) is already taken by another process"
  fi
  log "starting $name on :$port"
  # a 32 MB young-generation semi-space (V8's default is 16): fewer, cheaper scavenges under load
  nohup node --max-semi-space-size=32 "dist/apps/$name/src/main.js" >>"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

stop_service() {
  local name="$1" pid i
  alive "$name" || { rm -f "$RUN/$name.pid"; return; }
  pid="$(cat "$RUN/$name.pid")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
}

show() {
  printf '\n%-10s %-8s %-7s %s\n' SERVICE STATE READY ADDRESS
  local name state ready
  for name in "${SERVICES[@]}"; do
    state=stopped; ready=-
    if alive "$name"; then state=running; if is_ready "$name"; then ready=yes; else ready=no; fi; fi
    printf '%-10s %-8s %-7s http://127.0.0.1:%s  (/metrics /health/ready)\n' "$name" "$state" "$ready" "$(port_of "$name")"
  done
  echo
  bash deploy/local/stack.sh status
}

cmd="${1:-}"
case "$cmd" in
  up)
    command -v node >/dev/null || die "Node.js 20+ is needed"
    [ -d node_modules ] || { log "installing npm dependencies"; npm ci; }
    bash deploy/local/stack.sh up
    log "building"
    npm run -s build
    log "creating topics and applying ClickHouse migrations"
    node dist/libs/runtime/src/bootstrap.cli.js all >/dev/null
    mkdir -p "$RUN"
    for name in "${SERVICES[@]}"; do start_service "$name"; done
    for name in "${SERVICES[@]}"; do
      for i in $(seq 1 60); do
        is_ready "$name" && break
        alive "$name" || die "$name exited during start-up; see $RUN/$name.log"
        sleep 0.5
      done
      is_ready "$name" || die "$name is not ready after 30 s: $(ready_body "$name")"
    done
    show
    echo
    echo "Readiness of the collector (Kafka and ClickHouse checked live):"
    echo "  $(ready_body collector)"
    echo
    echo "A visitor's journey through the platform (collector -> ingest -> segmenter -> api):"
    if ! node dist/libs/runtime/src/quickstart-demo.cli.js; then
      echo "Logs: scripts/platform.sh logs [service]   Stop: npm run down"
      die "the journey did not come through (the services are left running)"
    fi
    echo
    echo "Logs: scripts/platform.sh logs [service]   Stop: npm run down"
    ;;
  down)
    for name in "${SERVICES[@]}"; do stop_service "$name"; done
    bash deploy/local/stack.sh down
    ;;
  status)
    show
    ;;
  logs)
    if [ -n "${2:-}" ]; then exec tail -n 100 -F "$RUN/$2.log"; fi
    exec tail -n 20 -F "$RUN"/*.log
    ;;
  *)
    echo "usage: $0 up | down | status | logs [service]" >&2
    exit 2
    ;;
esac
