#!/usr/bin/env bash
# Starts a 3-member etcd cluster on 127.0.0.1 (installing etcd-server and etcd-client if missing), drives it with
# durable puts to the leader at each in-flight count and value size (EtcdLoad, gRPC), prints one line per run
# ("etcd inflight=N size=B writes/s=… p50_ms=… p99_ms=…"), and stops it. See common.sh for INFLIGHT, SIZES, RUN_SECONDS.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_packages etcd-server etcd-client

CLUSTER='infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380,infra3=http://127.0.0.1:32380'
ENDPOINTS='http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379'
for i in 1 2 3; do
    etcd --name "infra$i" --data-dir "$WORK/infra$i" \
        --listen-client-urls "http://127.0.0.1:${i}2379" --advertise-client-urls "http://127.0.0.1:${i}2379" \
        --listen-peer-urls "http://127.0.0.1:${i}2380" --initial-advertise-peer-urls "http://127.0.0.1:${i}2380" \
        --initial-cluster-token derecho-bench --initial-cluster "$CLUSTER" --initial-cluster-state new \
        --logger=zap --log-outputs="$WORK/infra$i.log" >/dev/null 2>&1 &
    PIDS+=($!)
done
wait_until 60 "an etcd leader election" etcdctl --endpoints="$ENDPOINTS" endpoint health

# Followers forward puts to the leader (one more hop): the load goes to the leader, etcd at its best.
LEADER=$(etcdctl --endpoints="$ENDPOINTS" endpoint status | awk -F', ' '$5 == "true" { print $1 }' | head -1 || true)
LEADER=${LEADER:-$ENDPOINTS}
dotnet build "$PEERS_DIR/EtcdLoad" -c Release -nologo -v q >&2
LOAD=$(dotnet msbuild "$PEERS_DIR/EtcdLoad" -p:Configuration=Release -getProperty:TargetPath)
describe_machine
for size in $SIZES; do
    for inflight in $INFLIGHT; do
        dotnet "$LOAD" "$LEADER" "$inflight" "$size" "$RUN_SECONDS" etcd
    done
done
