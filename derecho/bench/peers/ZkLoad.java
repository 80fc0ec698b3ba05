// Durable-write load for a ZooKeeper ensemble: keeps N setData requests in flight on one session for a number of
// seconds and prints writes/s with latency p50/p99. ZooKeeper logs every write to its transaction log and fsyncs it
// (forceSync=yes, the default) before acknowledging, as Derecho's persistent mode does.
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
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
        });
        connected.await();
        String root = "/derecho-bench";
        try {
            zk.create(root, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
        }
        String[] keys = new String[Math.max(inflight, 1)];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = root + "/k" + i;
            try {
                zk.create(keys[i], new byte[size], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException ignored) {
            }
        }
        byte[] value = new byte[size];
        new java.util.Random(1).nextBytes(value);
        Semaphore slots = new Semaphore(inflight);
        long[] latencies = new long[4_000_000];
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long issued = 0;
        while (System.nanoTime() < end) {
            slots.acquire();
            final long sent = System.nanoTime();
            zk.setData(keys[(int) (issued++ % keys.length)], value, -1, (rc, path, ctx, stat) -> {
                long n = done.getAndIncrement();
                if (rc != 0) failed.incrementAndGet();
                if (n < latencies.length) latencies[(int) n] = System.nanoTime() - sent;
                slots.release();
            }, null);
        }
        slots.acquire(inflight);
        double elapsed = (System.nanoTime() - start) / 1e9;
        int count = (int) Math.min(done.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        System.out.printf("%s inflight=%d size=%d writes/s=%.0f p50_ms=%.2f p99_ms=%.2f writes=%d failed=%d%n",
            label, inflight, size, done.get() / elapsed, sorted[count / 2] / 1e6, sorted[(int) (count * 0.99)] / 1e6,
            done.get(), failed.get());
        zk.close();
    }
}
