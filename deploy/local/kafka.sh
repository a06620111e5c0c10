#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft combined mode: broker + controller) run
# straight from Maven Central jars on the JVM -- no tarball, no Docker.
#
#   deploy/local/kafka.sh install   resolve the jars into $ROOT/.cache/kafka/<ver>/lib (once)
#   deploy/local/kafka.sh start     install, format storage on first start, start detached, wait
#   deploy/local/kafka.sh wait      block until the broker answers a metadata request
#   deploy/local/kafka.sh stop      SIGTERM (controlled shutdown, up to 30 s), then SIGKILL
#   deploy/local/kafka.sh status    print running/stopped; exit 0 if running, 3 if stopped
#
# Environment (defaults):
#   KAFKA_PORT=9092                  client listener, PLAINTEXT://127.0.0.1, advertised as localhost
#   KAFKA_CONTROLLER_PORT=9093       KRaft controller listener
#   KAFKA_DATA_DIR=$ROOT/.local/kafka-$KAFKA_PORT   data/, logs/, server.properties, kafka.pid
#   KAFKA_HEAP=512m                  -Xms/-Xmx
#   KAFKA_READY_TIMEOUT=120          seconds for `wait`
#   KAFKA_STOP_TIMEOUT=30            seconds of grace before SIGKILL
#   KAFKA_JVM_OPTS=                  extra JVM flags
#   KAFKA_MVN_ARGS=                  extra Maven flags for install (e.g. -Dmaven.repo.local=...)
#
# Progress goes to stderr; `status` prints its one line to stdout.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

KAFKA_VERSION=4.1.1
CACHE_DIR="$ROOT/.cache/kafka/$KAFKA_VERSION"
LIB_DIR="$CACHE_DIR/lib"
MARKER="$LIB_DIR/.complete"
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/kafka/log4j2.xml"
READY_PY="$SCRIPT_DIR/kafka_ready.py"
PYTHON="$ROOT/.venv/bin/python"

KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_DATA_DIR=$(realpath -m -- "${KAFKA_DATA_DIR:-$ROOT/.local/kafka-$KAFKA_PORT}")
KAFKA_HEAP=${KAFKA_HEAP:-512m}
KAFKA_READY_TIMEOUT=${KAFKA_READY_TIMEOUT:-120}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

PROPS="$KAFKA_DATA_DIR/server.properties"
LAUNCH_TS=""
PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
LOG_DIR="$KAFKA_DATA_DIR/logs"
DATA_DIR="$KAFKA_DATA_DIR/data"

say() { printf '[kafka:%s] %s\n' "$KAFKA_PORT" "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

# ---------------------------------------------------------------- install ---

pom_digest() { sha256sum "$POM" | cut -d' ' -f1; }

installed() {
  [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$(pom_digest)" ]]
}

cmd_install() {
  if installed; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  command -v java >/dev/null || die "java not found (apt-get install -y openjdk-17-jre-headless)"
  mkdir -p "$CACHE_DIR"
  # Serialise concurrent installs (e.g. two brokers started in parallel).
  exec 9>"$CACHE_DIR/.install.lock"
  flock 9
  if installed; then
    exec 9>&-
    return 0
  fi
  say "resolving Kafka $KAFKA_VERSION jars with Maven into ${LIB_DIR#"$ROOT"/} ..."
  local started=$SECONDS tmp="$CACHE_DIR/lib.tmp.$$"
  rm -rf "$tmp"
  local -a extra=()
  # shellcheck disable=SC2206  # intentional word splitting of user-supplied flags
  [[ -n "${KAFKA_MVN_ARGS:-}" ]] && extra=(${KAFKA_MVN_ARGS})
  # Maven 3.8 with -q still emits bare ANSI resets; strip them and blank lines.
  if ! mvn -q -B -Dstyle.color=never -f "$POM" "${extra[@]}" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 |
      sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf "$tmp"
    die "Maven could not resolve the Kafka jars (see output above)"
  fi
  local jar
  for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-server-$KAFKA_VERSION.jar" \
             "kafka-raft-$KAFKA_VERSION.jar" log4j-core-*.jar log4j-slf4j-impl-*.jar; do
    compgen -G "$tmp/$jar" >/dev/null || { rm -rf "$tmp"; die "resolved jars lack $jar"; }
  done
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  pom_digest >"$MARKER"
  exec 9>&-
  say "installed $(find "$LIB_DIR" -name '*.jar' | wc -l) jars in $((SECONDS - started))s"
}

# ---------------------------------------------------------------- helpers ---

read_pid() {
  local pid=""
  [[ -f "$PID_FILE" ]] && read -r pid <"$PID_FILE" 2>/dev/null || true
  [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s' "$pid"
  return 0
}

# Our broker: process alive, not a zombie, and its command line is kafka.Kafka
# with this data dir's server.properties (guards against pid reuse).
is_ours() {
  local pid=$1 state
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ "$state" != Z ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$PROPS"
}

running_pid() {
  local pid
  pid=$(read_pid)
  if [[ -n "$pid" ]] && is_ours "$pid"; then
    printf '%s' "$pid"
  fi
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

show_log_tail() {
  local f lines
  if [[ -s "$LOG_DIR/kafka.out" ]]; then
    say "JVM output (${LOG_DIR#"$ROOT"/}/kafka.out):"
    tail -n 10 "$LOG_DIR/kafka.out" | cut -c1-300 | sed 's/^/    /' >&2
  fi
  for f in "$LOG_DIR/server.log" "$LOG_DIR/controller.log"; do
    [[ -s "$f" ]] || continue
    # Only lines logged since the last launch (log4j timestamps sort as text).
    lines=$(awk -v since="${LAUNCH_TS:-0}" \
      'substr($0, 2, 19) >= since && $3 ~ /^(ERROR|FATAL|WARN)$/' "$f" |
      tail -n 5 | cut -c1-300) || true
    [[ -n "$lines" ]] || continue
    say "last warnings/errors in ${f#"$ROOT"/}:"
    sed 's/^/    /' <<<"$lines" >&2
  done
}

new_cluster_id() {
  # Kafka's Uuid text form: URL-safe base64 of 16 random bytes, no padding.
  # Avoid a leading '-' so it can never be taken for a command-line option.
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ "$id" != -* ]] && break
  done
  printf '%s' "$id"
}

write_properties() {
  cat >"$PROPS.tmp" <<EOF
# Generated by deploy/local/kafka.sh on every start -- edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT

log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true

offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=1073741824
EOF
  mv "$PROPS.tmp" "$PROPS"
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cluster_id
  cluster_id=$(new_cluster_id)
  say "formatting storage (cluster id $cluster_id) ..."
  if ! java -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$LIB_DIR/*" kafka.tools.StorageTool \
      format --cluster-id "$cluster_id" --config "$PROPS" --ignore-formatted \
      >"$LOG_DIR/storage-format.log" 2>&1; then
    sed 's/^/    /' "$LOG_DIR/storage-format.log" >&2
    die "formatting storage failed"
  fi
}

launch() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  write_properties
  format_storage
  rm -f "$PID_FILE"
  LAUNCH_TS=$(date '+%Y-%m-%d %H:%M:%S')
  # JVM stdout/stderr: one file per launch, the previous one kept as kafka.out.1.
  [[ -f "$LOG_DIR/kafka.out" ]] && mv -f "$LOG_DIR/kafka.out" "$LOG_DIR/kafka.out.1"
  local -a jvm=(
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP"
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    "-Xlog:gc*:file=$LOG_DIR/kafka-gc.log:time,tags:filecount=5,filesize=10M"
    "-Dlog4j2.configurationFile=$LOG4J_CONFIG"
    "-Dkafka.logs.dir=$LOG_DIR"
  )
  # shellcheck disable=SC2206  # intentional word splitting of user-supplied flags
  [[ -n "${KAFKA_JVM_OPTS:-}" ]] && jvm+=(${KAFKA_JVM_OPTS})
  # New session (setsid): no controlling terminal, immune to the caller's
  # SIGHUP/SIGINT. The inner shell closes inherited descriptors above 2 (so a
  # CI runner's pipes are not held open by the daemon), moves to the data dir
  # (JVM crash files land there; the caller's cwd may vanish), writes its own
  # pid, then execs java in place.
  # shellcheck disable=SC2016  # $$, $1 and $@ belong to the inner shell
  setsid bash -c '
    for f in /proc/$$/fd/*; do
      n=${f##*/}
      if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || :; fi
    done
    cd "$1" || exit 1
    echo $$ >"$0"
    shift
    exec "$@"' "$PID_FILE" "$KAFKA_DATA_DIR" \
    java "${jvm[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$PROPS" \
    </dev/null >"$LOG_DIR/kafka.out" 2>&1 &
  disown $! 2>/dev/null || true
  local i pid=""
  for ((i = 0; i < 50; i++)); do
    pid=$(read_pid)
    [[ -n "$pid" ]] && break
    sleep 0.1
  done
  [[ -n "$pid" ]] || die "broker did not start (no pid file)"
  say "started pid $pid (logs: ${LOG_DIR#"$ROOT"/})"
}

# --------------------------------------------------------------- commands ---

cmd_wait() {
  [[ -x "$PYTHON" ]] || die "$PYTHON not found -- create the venv first (uv sync)"
  local pid
  pid=$(read_pid)
  local -a args=(--bootstrap "localhost:$KAFKA_PORT" --timeout "$KAFKA_READY_TIMEOUT")
  # With a pid file, give up as soon as that process is gone (a JVM that died
  # on start-up) instead of waiting out the whole deadline.
  [[ -n "$pid" ]] && args+=(--pid "$pid")
  say "waiting for a metadata answer on localhost:$KAFKA_PORT (timeout ${KAFKA_READY_TIMEOUT}s) ..."
  "$PYTHON" "$READY_PY" "${args[@]}"
}

cmd_start() {
  cmd_install
  [[ -x "$PYTHON" ]] || die "$PYTHON not found -- create the venv first (uv sync)"
  mkdir -p "$KAFKA_DATA_DIR"
  local pid
  pid=$(running_pid)
  if [[ -n "$pid" ]]; then
    if port_open "$KAFKA_PORT"; then
      say "already running (pid $pid)"
    else
      say "already started (pid $pid), not answering yet"
    fi
    cmd_wait
    return
  fi
  rm -f "$PID_FILE"
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$port" && die "port $port is already in use by another process"
  done

  local attempt
  for attempt in 1 2; do
    launch
    if cmd_wait; then
      return 0
    fi
    show_log_tail
    if [[ $attempt -eq 1 ]]; then
      say "not ready -- stopping and retrying once"
      cmd_stop
    fi
  done
  cmd_stop
  die "broker did not become ready (logs in ${LOG_DIR#"$ROOT"/})"
}

cmd_stop() {
  local pid
  pid=$(running_pid)
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  say "stopping pid $pid (SIGTERM, up to ${KAFKA_STOP_TIMEOUT}s) ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while is_ours "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if is_ours "$pid"; then
    say "still alive after ${KAFKA_STOP_TIMEOUT}s -- SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while is_ours "$pid"; do sleep 0.1; done
  fi
  # A killed JVM turns zombie before its last threads have closed the sockets.
  local i
  for ((i = 0; i < 50; i++)); do
    port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT" || break
    sleep 0.1
  done
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local pid
  pid=$(running_pid)
  if [[ -n "$pid" ]]; then
    if port_open "$KAFKA_PORT"; then
      echo "running (pid $pid, localhost:$KAFKA_PORT)"
    else
      echo "running (pid $pid, localhost:$KAFKA_PORT not answering yet)"
    fi
    return 0
  fi
  echo "stopped"
  return 3
}

# One start/stop at a time per instance (data dir). The broker does not inherit
# the lock: the launcher closes inherited descriptors before exec'ing java.
lock_instance() {
  mkdir -p "$KAFKA_DATA_DIR"
  exec 8>"$KAFKA_DATA_DIR/.lock"
  flock 8
}

case "${1:-}" in
  install) cmd_install ;;
  start) lock_instance && cmd_start ;;
  stop) lock_instance && cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
