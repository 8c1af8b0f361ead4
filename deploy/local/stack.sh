#!/usr/bin/env bash
# The local real stack: Apache Kafka (KRaft, jars from Maven Central) and ClickHouse
# (Debian's clickhouse-server package) as plain background processes whose config,
# data, logs and pid files live under $CDP_STATE_DIR (default: <repo>/.local).
#
#   deploy/local/stack.sh up [kafka|clickhouse]    install what is missing, start what is not running, wait until ready
#   deploy/local/stack.sh down [kafka|clickhouse]  stop the processes this script started (by pid file)
#   deploy/local/stack.sh status    one line per server: running/stopped, pid, address
#   deploy/local/stack.sh logs [kafka|clickhouse] [-f]
#   deploy/local/stack.sh reset     down, then delete all local data
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), CLICKHOUSE_HTTP_PORT (8123),
# CLICKHOUSE_TCP_PORT (9000), KAFKA_VERSION (from deploy/local/kafka/pom.xml), CDP_STATE_DIR,
# CLICKHOUSE_STORAGE (memory | disk, default memory: ClickHouse's data and tmp folders live on
# tmpfs under /dev/shm, see clickhouse_data_root; disk keeps them under $CDP_STATE_DIR),
# CLICKHOUSE_MERGES_NICE (10; 0 leaves them alone: see clickhouse_merges_yield).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STATE="${CDP_STATE_DIR:-$ROOT/.local}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CH_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-8123}"
CH_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9000}"
KAFKA_DIR="$STATE/kafka"
CH_DIR="$STATE/clickhouse"
CH_STORAGE="${CLICKHOUSE_STORAGE:-memory}"
case "$CH_STORAGE" in memory|disk) ;; *) printf '[stack] error: CLICKHOUSE_STORAGE must be memory or disk (got "%s")\n' "$CH_STORAGE" >&2; exit 1 ;; esac

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

need() { # need <command> <why/how to get it>
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"
}

pid_alive() { # pid_alive <pidfile>
  [ -f "$1" ] || return 1
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

port_open() { # port_open <port>
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_owner() { # best effort: who listens on a port
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1
  fi
}

ensure_port_free() { # ensure_port_free <port> <what>
  if port_open "$1"; then
    local owner
    owner="$(port_owner "$1")"
    die "port $1 (needed by $2) is already taken by another process${owner:+ ($owner)}; stop it or set the port variable (see deploy/local/stack.sh header)"
  fi
}

# ---------------------------------------------------------------- Kafka
kafka_version() {
  if [ -n "${KAFKA_VERSION:-}" ]; then echo "$KAFKA_VERSION"; return; fi
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml"
}

kafka_install() {
  local version libs
  version="$(kafka_version)"
  libs="$KAFKA_DIR/libs-$version"
  if [ -f "$libs/.complete" ]; then echo "$libs"; return; fi
  need java "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)"
  need mvn "install Apache Maven (Debian: apt-get install maven)"
  log "fetching Apache Kafka $version (kafka_2.13) and its dependencies from Maven Central"
  mkdir -p "$libs"
  mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -Dkafka.libs.dir="$libs" >&2 \
    || die "maven could not fetch org.apache.kafka:kafka_2.13:$version"
  touch "$libs/.complete"
  echo "$libs"
}

kafka_ready() { # metadata request through the real protocol
  port_open "$KAFKA_PORT" || return 1
  node "$HERE/kafka-ready.js" "127.0.0.1:$KAFKA_PORT" >/dev/null 2>&1
}

kafka_up() {
  local pidfile="$KAFKA_DIR/kafka.pid"
  if pid_alive "$pidfile"; then
    if kafka_ready; then log "kafka already running (pid $(cat "$pidfile")) on 127.0.0.1:$KAFKA_PORT"; return; fi
    log "kafka process $(cat "$pidfile") is alive but not ready yet; waiting"
  else
    need java "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)"
    ensure_port_free "$KAFKA_PORT" kafka
    ensure_port_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
    local libs
    libs="$(kafka_install)"
    mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
    sed -e "s#@STATE@#$KAFKA_DIR#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
      "$HERE/kafka/server.properties.tmpl" > "$KAFKA_DIR/server.properties"
    if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
      local cluster_id
      cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
      [ -n "$cluster_id" ] || die "kafka StorageTool could not generate a cluster id"
      log "formatting kafka storage (cluster id $cluster_id)"
      java -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR/logs" \
        -cp "$libs/*" kafka.tools.StorageTool format --cluster-id "$cluster_id" \
        --config "$KAFKA_DIR/server.properties" --ignore-formatted >"$KAFKA_DIR/logs/format.log" 2>&1 \
        || die "kafka storage format failed, see $KAFKA_DIR/logs/format.log"
    fi
    log "starting kafka $(kafka_version) on 127.0.0.1:$KAFKA_PORT"
    (
      cd "$KAFKA_DIR"
      nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -Dkafka.logs.dir="$KAFKA_DIR/logs" \
        -cp "$libs/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
        >"$KAFKA_DIR/logs/stdout.log" 2>&1 &
      echo $! > "$pidfile"
    )
  fi
  local i
  for i in $(seq 1 120); do
    if kafka_ready; then log "kafka ready on 127.0.0.1:$KAFKA_PORT (pid $(cat "$pidfile"))"; return; fi
    pid_alive "$pidfile" || die "kafka exited during start-up; see $KAFKA_DIR/logs/stdout.log and server.log"
    sleep 1
  done
  die "kafka did not become ready within 120 s; see $KAFKA_DIR/logs/server.log"
}

# ---------------------------------------------------------------- ClickHouse
clickhouse_install() {
  if command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/bin/clickhouse ]; then return; fi
  command -v apt-get >/dev/null 2>&1 || die "clickhouse-server is not installed and apt-get is missing: install ClickHouse by hand"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then need sudo "run as root or install clickhouse-server yourself"; sudo="sudo"; fi
  log "installing Debian's clickhouse-server package with apt"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clickhouse-server clickhouse-client >&2 \
    || { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clickhouse-server clickhouse-client >&2; } \
    || die "apt-get could not install clickhouse-server"
}

clickhouse_bin() {
  if command -v clickhouse-server >/dev/null 2>&1; then command -v clickhouse-server; else echo "/usr/bin/clickhouse server"; fi
}

clickhouse_ready() {
  [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$CH_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]
}

# Where ClickHouse keeps its parts. Every insert writes a new part of two files per column
# (events has 36 columns), and merges delete them again; on this kind of machine's ext4 the
# kernel's inode allocation then dominates (perf: find_inode_bit/recently_deleted), and an
# insert into events took ~100 ms of server CPU instead of ~5 ms on tmpfs. So the local stack
# keeps the data on tmpfs (/dev/shm, lost at reboot; `reset` empties it) unless
# CLICKHOUSE_STORAGE=disk. The folder is named after $CH_DIR, so private stacks of the tests
# (their own CDP_STATE_DIR) get their own.
clickhouse_data_root() {
  if [ "$CH_STORAGE" = disk ] || [ ! -d /dev/shm ] || [ ! -w /dev/shm ]; then echo "$CH_DIR"; return; fi
  echo "/dev/shm/cdp-clickhouse-$(printf '%s' "$CH_DIR" | cksum | cut -d' ' -f1)"
}

# ClickHouse's background merges (every insert makes parts, merges rewrite them) can be done a
# little later without harm, while inserts and queries are on the services' path. On a machine
# whose cores Kafka, ClickHouse and the services share, the merge threads run at a lower
# priority (nice CLICKHOUSE_MERGES_NICE): they take the cores nobody else needs right then. Best
# effort: the merge threads that exist once the server is ready (18.16: BackgrProcPool; current
# releases: MergeMutate and the background pools).
clickhouse_merges_yield() { # clickhouse_merges_yield <pid>
  local pid="$1" nice="${CLICKHOUSE_MERGES_NICE:-10}" task n=0
  [ "$nice" != 0 ] && command -v renice >/dev/null 2>&1 || return 0
  for task in /proc/"$pid"/task/*; do
    case "$(cat "$task/comm" 2>/dev/null)" in
      BackgrProcPool|MergeMutate*|BgMBSchPool|BgSchPool|BackgrMergeMut*)
        renice -n "$nice" -p "${task##*/}" >/dev/null 2>&1 && n=$((n + 1)) ;;
    esac
  done
  log "clickhouse: $n background merge threads at nice $nice (CLICKHOUSE_MERGES_NICE)"
}

clickhouse_up() {
  local pidfile="$CH_DIR/clickhouse.pid" data_root
  if pid_alive "$pidfile"; then
    if clickhouse_ready; then log "clickhouse already running (pid $(cat "$pidfile")) on http://127.0.0.1:$CH_HTTP_PORT"; return; fi
    log "clickhouse process $(cat "$pidfile") is alive but not ready yet; waiting"
  else
    need curl "install curl (Debian: apt-get install curl)"
    ensure_port_free "$CH_HTTP_PORT" "clickhouse http"
    ensure_port_free "$CH_TCP_PORT" "clickhouse native"
    clickhouse_install
    data_root="$(clickhouse_data_root)"
    mkdir -p "$data_root/data" "$data_root/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_DIR/logs"
    echo "$data_root" > "$CH_DIR/data-root"
    sed -e "s#@STATE@#$CH_DIR#g" -e "s#@DATA@#$data_root#g" -e "s#@HTTP_PORT@#$CH_HTTP_PORT#g" -e "s#@TCP_PORT@#$CH_TCP_PORT#g" \
      "$HERE/clickhouse/config.xml.tmpl" > "$CH_DIR/config.xml"
    cp "$HERE/clickhouse/users.xml" "$CH_DIR/users.xml"
    log "starting clickhouse on http://127.0.0.1:$CH_HTTP_PORT (data in $data_root/data, CLICKHOUSE_STORAGE=$CH_STORAGE)"
    (
      cd "$CH_DIR"
      # shellcheck disable=SC2046
      nohup $(clickhouse_bin) --config-file="$CH_DIR/config.xml" >"$CH_DIR/logs/stdout.log" 2>&1 &
      echo $! > "$pidfile"
    )
  fi
  local i
  for i in $(seq 1 60); do
    if clickhouse_ready; then
      log "clickhouse ready on http://127.0.0.1:$CH_HTTP_PORT (pid $(cat "$pidfile"))"
      clickhouse_merges_yield "$(cat "$pidfile")"
      return
    fi
    pid_alive "$pidfile" || die "clickhouse exited during start-up; see $CH_DIR/logs/clickhouse-server.err.log"
    sleep 1
  done
  die "clickhouse did not become ready within 60 s; see $CH_DIR/logs/clickhouse-server.err.log"
}

# ---------------------------------------------------------------- common
stop_one() { # stop_one <name> <pidfile>
  local name="$1" pidfile="$2" pid i
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; log "$name not running"; return; fi
  pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "$name stopped"; return; }
    sleep 0.5
  done
  log "$name did not stop in 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

status_one() { # status_one <name> <pidfile> <address> <ready-fn>
  if pid_alive "$2"; then
    if "$4"; then echo "$1: running, ready (pid $(cat "$2")) $3"; else echo "$1: running, NOT ready (pid $(cat "$2")) $3"; fi
  else
    echo "$1: stopped"
  fi
}

cmd="${1:-}"
which="${2:-all}"
case "$which" in all|kafka|clickhouse) ;; *) [ "$cmd" = logs ] || die "unknown server '$which' (kafka | clickhouse)" ;; esac
case "$cmd" in
  up)
    mkdir -p "$STATE"
    need node "install Node.js 20+"
    if [ "$which" != kafka ]; then clickhouse_up; fi
    if [ "$which" != clickhouse ]; then kafka_up; fi
    ;;
  down)
    if [ "$which" != clickhouse ]; then stop_one kafka "$KAFKA_DIR/kafka.pid"; fi
    if [ "$which" != kafka ]; then stop_one clickhouse "$CH_DIR/clickhouse.pid"; fi
    ;;
  status)
    status_one kafka "$KAFKA_DIR/kafka.pid" "127.0.0.1:$KAFKA_PORT" kafka_ready
    status_one clickhouse "$CH_DIR/clickhouse.pid" "http://127.0.0.1:$CH_HTTP_PORT" clickhouse_ready
    ;;
  logs)
    what="${2:-all}"; follow="${3:-}"
    files=()
    case "$what" in
      kafka) files=("$KAFKA_DIR/logs/server.log") ;;
      clickhouse) files=("$CH_DIR/logs/clickhouse-server.log" "$CH_DIR/logs/clickhouse-server.err.log") ;;
      all|-f) files=("$KAFKA_DIR/logs/server.log" "$CH_DIR/logs/clickhouse-server.err.log"); [ "$what" = -f ] && follow=-f ;;
      *) die "logs: unknown server '$what' (kafka | clickhouse)" ;;
    esac
    if [ "$follow" = -f ]; then exec tail -n 50 -F "${files[@]}"; else tail -n 50 "${files[@]}" 2>/dev/null || true; fi
    ;;
  reset)
    "$0" down
    ch_root="$(cat "$CH_DIR/data-root" 2>/dev/null || echo "$CH_DIR")"
    log "deleting $KAFKA_DIR/data and $ch_root/data"
    rm -rf "$KAFKA_DIR/data" "$CH_DIR/data" "$CH_DIR/tmp" "$ch_root/data" "$ch_root/tmp"
    # the tmpfs folder is ours alone (named after $CH_DIR): nothing of it stays in memory
    if [ "$ch_root" != "$CH_DIR" ]; then rm -rf "$ch_root"; rm -f "$CH_DIR/data-root"; fi
    ;;
  *)
    echo "usage: $0 up [kafka|clickhouse] | down [kafka|clickhouse] | status | logs [kafka|clickhouse] [-f] | reset" >&2
    exit 2
    ;;
esac
