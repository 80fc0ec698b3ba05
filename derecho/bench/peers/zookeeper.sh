#!/usr/bin/env bash
# Starts a 3-member ZooKeeper ensemble on 127.0.0.1 (installing zookeeper and zookeeper-bin if missing), drives it
# with durable setData requests at each in-flight count and value size (ZkLoad.java, compiled with javac against the
# Debian jar), prints one line per run ("zookeeper inflight=N size=B writes/s=… p50_ms=… p99_ms=…"), and stops it.
# See common.sh for INFLIGHT, SIZES, RUN_SECONDS.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_packages zookeeper zookeeper-bin
command -v javac >/dev/null || ensure_packages default-jdk-headless

ZKJAR=$(dpkg -L libzookeeper-java | grep '/zookeeper.jar$' | head -1)   # its manifest carries the classpath
CONNECT=127.0.0.1:12181,127.0.0.1:12182,127.0.0.1:12183
for i in 1 2 3; do
    mkdir -p "$WORK/d$i"
    echo "$i" >"$WORK/d$i/myid"
    printf '%s\n' tickTime=2000 initLimit=10 syncLimit=5 "dataDir=$WORK/d$i" "clientPort=1218$i" \
        admin.enableServer=false 4lw.commands.whitelist=srvr maxClientCnxns=0 \
        server.1=127.0.0.1:12888:13888 server.2=127.0.0.1:12889:13889 server.3=127.0.0.1:12890:13890 >"$WORK/zoo$i.cfg"
    java -Dzookeeper.log.dir="$WORK" -cp "$ZKJAR" org.apache.zookeeper.server.quorum.QuorumPeerMain "$WORK/zoo$i.cfg" \
        >"$WORK/out$i.log" 2>&1 &
    PIDS+=($!)
done
has_leader() {
    local i
    for i in 1 2 3; do
        (exec 3<>"/dev/tcp/127.0.0.1/1218$i" && echo srvr >&3 && cat <&3) 2>/dev/null | grep -q 'Mode: leader' && return 0
    done
    return 1
}
wait_until 60 "a ZooKeeper leader election" has_leader

javac -nowarn -cp "$ZKJAR" -d "$WORK" "$PEERS_DIR/ZkLoad.java"
describe_machine
for size in $SIZES; do
    for inflight in $INFLIGHT; do
        java -cp "$ZKJAR:$WORK" ZkLoad "$CONNECT" "$inflight" "$size" "$RUN_SECONDS" zookeeper 2>>"$WORK/client.log"
    done
done
