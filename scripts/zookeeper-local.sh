#!/usr/bin/env bash
# Starts or stops a local ZooKeeper for the replicated ClickHouse tests, configured under DIR,
# listening on 127.0.0.1 only (port AQS_ZK_PORT, default 22181; no admin server).
#
#   scripts/zookeeper-local.sh start DIR      prints 127.0.0.1:PORT once it accepts connections
#   scripts/zookeeper-local.sh stop DIR
#
# Installs Debian's zookeeper package (and with it a Java runtime) when it is missing.
set -euo pipefail
action=${1:?usage: zookeeper-local.sh start|stop DIR}
dir=${2:?usage: zookeeper-local.sh start|stop DIR}
port=${AQS_ZK_PORT:-22181}
if [ "$action" = stop ]; then
  if [ -e "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
  exit 0
fi
[ "$action" = start ] || { echo "unknown action $action (start or stop)" >&2; exit 2; }
if [ ! -e /usr/share/java/zookeeper.jar ]; then
  echo "installing zookeeper from apt" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper >/dev/null
fi
mkdir -p "$dir/data"
dir=$(cd "$dir" && pwd)
cat > "$dir/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
CFG
cat > "$dir/log4j.properties" <<CFG
log4j.rootLogger=WARN, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=$dir/zookeeper.log
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d %p %c: %m%n
CFG
# Debian's zkServer.sh insists on /etc/zookeeper, so start the server class directly.
classpath="$dir:$(ls /usr/share/java/zookeeper.jar)"
for jar in /usr/share/java/{slf4j-api,slf4j-log4j12,log4j-1.2,netty,jline,commons-cli,jackson-databind,jackson-core,jackson-annotations,metrics-core,snappy-java}*.jar; do
  [ -e "$jar" ] && classpath="$classpath:$jar"
done
(exec java -Xmx256m -Dzookeeper.admin.enableServer=false -Dlog4j.configuration="file:$dir/log4j.properties" \
  -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" >"$dir/stdout.log" 2>&1) &
echo $! > "$dir/pid"
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "127.0.0.1:$port"
    exit 0
  fi
  sleep 0.2
done
echo "ZooKeeper did not accept connections on 127.0.0.1:$port within 30 s; its output:" >&2
tail -n 20 "$dir/stdout.log" "$dir/zookeeper.log" >&2 || true
kill "$(cat "$dir/pid")" 2>/dev/null || true
exit 1
