using Derecho.Kv;
using Derecho.Persistence;
using Derecho.Rpc;
using Derecho.Tests.Rpc;

namespace Derecho.Tests.Persistence;

/// <summary>
/// Trimming the persistent key-value store's history: every replica trims at the same point of the shard's order,
/// the map and reads after the trim point are unchanged, reads of a trimmed version fail with a clear error, a
/// member that joins later receives the checkpoint with the log, and a restart rebuilds the same map.
/// </summary>
public sealed class KvTrimTests
{
    private static readonly ReplicatedType[] PersistentStore = [ReplicatedType.Of(context => new KvStore(context, persistent: true))];

    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task A_trimmed_history_keeps_the_map_refuses_trimmed_reads_and_survives_join_and_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        long first, second, latest;
        await using (var cluster = await RpcCluster.StartAsync(2, null, PersistentStore, ct, directory.Path))
        {
            var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
            first = await PutAsync(kv, cluster, "a", 1, ct);
            second = await PutAsync(kv, cluster, "a", 2, ct);
            await PutAsync(kv, cluster, "gone", 5, ct);
            Assert.True(await kv.RemoveAsync("gone", ct));
            await PutAsync(kv, cluster, "b", 7, ct);
            latest = await PutAsync(kv, cluster, "a", 3, ct);

            var bound = Assert.Single(await kv.TrimAsync(latest - 1, ct));
            Assert.Equal(latest - 1, bound);
            await cluster.AddAsync(2, ct);
            await cluster.WaitForViewAsync(3, ct);
            foreach (var node in cluster.Members.Keys)
            {
                var replica = new KvStore.P2PCalls(cluster[0], node);
                Assert.Equal([3], (await replica.GetAtVersionAsync("a", latest, ct)).Value);
                Assert.Equal([2], (await replica.GetAtVersionAsync("a", latest - 1, ct)).Value);
                Assert.Equal([7], (await replica.GetAtVersionAsync("b", latest, ct)).Value);
                var trimmed = await Assert.ThrowsAsync<RpcException>(() => replica.GetAtVersionAsync("a", first, ct));
                Assert.Contains("trimmed", trimmed.Message, StringComparison.Ordinal);
                await Assert.ThrowsAsync<RpcException>(() => replica.GetAtVersionAsync("gone", second, ct));
                Assert.Equal(["a", "b"], await replica.ListKeysAsync(ct));
            }
            Assert.Single((await cluster.StateHashesAsync(KvClient.Subgroup(), ct)).Values.Distinct());
            // Trimming again, through the latest, leaves the same map; trimming backwards changes nothing.
            Assert.Equal([latest], await kv.TrimAsync(long.MaxValue, ct));
            Assert.Equal([latest], await kv.TrimAsync(first, ct));
            Assert.Equal([3], await kv.GetAsync("a", ct));
        }

        // A restart of one member from its log and checkpoint.
        await using (var cluster = await RpcCluster.StartAsync(1, null, PersistentStore, ct, directory.Path))
        {
            var replica = new KvStore.P2PCalls(cluster[0], 0);
            Assert.Equal([3], (await replica.GetAtVersionAsync("a", latest, ct)).Value);
            Assert.Equal([7], await replica.GetAsync("b", ct));
            Assert.Null(await replica.GetAsync("gone", ct));
            await Assert.ThrowsAsync<RpcException>(() => replica.GetAtVersionAsync("a", second, ct));
        }
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, Path.Combine(directory.Path, "n0", KvStore.LogName(0, 0))))
        {
            Assert.Equal(latest, log.TrimmedThrough);
            Assert.Equal(0, log.Count);
        }
    }

    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task Auto_trim_keeps_each_log_within_max_log_entry_at_the_same_point_at_every_replica()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var options = new PersistenceOptions { AutoTrim = true, MaxLogEntries = 6 };
        await using (var cluster = await RpcCluster.StartAsync(2, null, PersistentStore, ct, directory.Path, persistence: options))
        {
            var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
            for (var i = 0; i < 16; i++)
            {
                await kv.PutAsync("k" + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture), [(byte)i], ct);
            }
            Assert.True(await kv.RemoveAsync("k0", ct));
            foreach (var node in cluster.Members.Keys)
            {
                var replica = new KvStore.P2PCalls(cluster[0], node);
                Assert.Equal(["k1", "k2", "k3", "k4"], await replica.ListKeysAsync(ct));
                Assert.Equal([14], await replica.GetAsync("k4", ct));
            }
            Assert.Single((await cluster.StateHashesAsync(KvClient.Subgroup(), ct)).Values.Distinct());
        }
        var trimmed = new List<long>();
        foreach (var node in new[] { "n0", "n1" })
        {
            using var log = PersistentLog.Open(DiskFileSystem.Instance, Path.Combine(directory.Path, node, KvStore.LogName(0, 0)), options);
            Assert.InRange(log.Count, 1, 6);
            trimmed.Add(log.TrimmedThrough);
        }
        Assert.NotEqual(Versions.None, trimmed[0]);
        Assert.Equal(trimmed[0], trimmed[1]);

        // A restart rebuilds the map from the checkpoint and what the log kept.
        await using (var cluster = await RpcCluster.StartAsync(1, null, PersistentStore, ct, directory.Path, persistence: options))
        {
            var replica = new KvStore.P2PCalls(cluster[0], 0);
            Assert.Equal(["k1", "k2", "k3", "k4"], await replica.ListKeysAsync(ct));
            Assert.Equal([11], await replica.GetAsync("k1", ct));
        }
    }

    private static async Task<long> PutAsync(KvClient kv, RpcCluster cluster, string key, byte value, CancellationToken ct)
    {
        await kv.PutAsync(key, [value], ct);
        return (await new KvStore.P2PCalls(cluster[0], 0).LatestVersionAsync(ct)).Version;
    }
}
