// Durable-write load for a ZooKeeper ensemble: keeps N setData requests in flight for a number of seconds and prints
// writes/s with latency p50/p99. ZooKeeper logs every write to its transaction log and fsyncs it (forceSync=yes, the
// default) before acknowledging, as Derecho's persistent mode does. The requests go over several sessions (one per
// 16 in flight, at most 16, each connected to a server of its own choosing), after a warm-up second that is not
// measured (a fresh JVM compiles the client's path first).
// Usage: java ZkLoad CONNECT INFLIGHT SIZE SECONDS LABEL
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class ZkLoad {
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int inflight = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        String label = args[4];
        ZooKeeper[] sessions = new ZooKeeper[Math.max(1, Math.min(16, inflight / 16))];
        for (int s = 0; s < sessions.length; s++) {
            CountDownLatch connected = new CountDownLatch(1);
            sessions[s] = new ZooKeeper(connect, 30000, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
            });
            connected.await();
        }
        String root = "/derecho-bench";
        try {
            sessions[0].create(root, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
        }
        String[] keys = new String[Math.max(inflight, 1)];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = root + "/k" + i;
            try {
                sessions[0].create(keys[i], new byte[size], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException ignored) {
            }
        }
        byte[] value = new byte[size];
        new java.util.Random(1).nextBytes(value);
        run(sessions, keys, value, inflight, Math.min(1, seconds), null);
        long[] latencies = new long[4_000_000];
        long start = System.nanoTime();
        long[] counts = run(sessions, keys, value, inflight, seconds, latencies);
        double elapsed = (System.nanoTime() - start) / 1e9;
        int count = (int) Math.min(counts[0], latencies.length);
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        System.out.printf("%s inflight=%d size=%d writes/s=%.0f p50_ms=%.2f p99_ms=%.2f writes=%d failed=%d sessions=%d%n",
            label, inflight, size, counts[0] / elapsed, sorted[count / 2] / 1e6, sorted[(int) (count * 0.99)] / 1e6,
            counts[0], counts[1], sessions.length);
        for (ZooKeeper zk : sessions) {
            zk.close();
        }
    }

    /** Keeps INFLIGHT requests going for SECONDS, request i on session i mod sessions; returns {done, failed}. */
    private static long[] run(ZooKeeper[] sessions, String[] keys, byte[] value, int inflight, long seconds, long[] latencies)
        throws InterruptedException {
        Semaphore slots = new Semaphore(inflight);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long issued = 0;
        while (System.nanoTime() < end) {
            slots.acquire();
            final long sent = System.nanoTime();
            ZooKeeper zk = sessions[(int) (issued % sessions.length)];
            zk.setData(keys[(int) (issued++ % keys.length)], value, -1, (rc, path, ctx, stat) -> {
                long n = done.getAndIncrement();
                if (rc != 0) failed.incrementAndGet();
                if (latencies != null && n < latencies.length) latencies[(int) n] = System.nanoTime() - sent;
                slots.release();
            }, null);
        }
        slots.acquire(inflight);
        return new long[] {done.get(), failed.get()};
    }
}
