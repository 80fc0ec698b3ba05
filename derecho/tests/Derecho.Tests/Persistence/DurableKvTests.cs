using Derecho.Kv;
using Derecho.Persistence;
using Derecho.Rpc;
using Derecho.Tests.Rpc;

namespace Derecho.Tests.Persistence;

/// <summary>The key-value store in persistent mode, members in this process on real sockets and real files.</summary>
public sealed class DurableKvTests
{
    private static readonly ReplicatedType[] PersistentStore = [ReplicatedType.Of(context => new KvStore(context, persistent: true))];

    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task A_put_returns_once_durable_everywhere_and_every_replica_reads_the_same_history()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        await using var cluster = await RpcCluster.StartAsync(3, null, PersistentStore, ct, directory.Path);
        var kv = new KvClient(cluster[1], () => cluster[1].Allocation);
        var subgroup = KvClient.Subgroup();
        for (var i = 0; i < 6; i++)
        {
            await kv.PutAsync(i % 2 == 0 ? "even" : "odd", [(byte)i], ct);
        }
        Assert.True(await kv.RemoveAsync("odd", ct));

        // The put returned after every replica synced it: each one's log already holds every version.
        var latest = await Task.WhenAll(cluster.Members.Keys.Select(node => new KvStore.P2PCalls(cluster[1], node).LatestVersionAsync(ct)));
        Assert.Single(latest.Select(l => (l.Version, l.Microseconds, l.Logical)).Distinct());
        var last = latest[0].Version;
        foreach (var member in cluster.Members.Values)
        {
            await member.Frontiers.WaitForGlobalPersistenceAsync(0, 0, 0, last, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.True(member.Frontiers.LocalPersistence(0, 0, 0) >= last);
        }

        // History by version and by time agrees across replicas, and answers below the frontier are stable.
        var history = await HistoryAsync(cluster, "even", last, ct);
        Assert.Equal([4], history.Value);
        Assert.True(history.Stable);
        Assert.False((await HistoryAsync(cluster, "even", Versions.Of(int.MaxValue, 0), ct)).Stable);
        var times = new List<KvVersion>();
        for (var at = history; at.Version >= 0; at = await HistoryAsync(cluster, "even", at.Version - 1, ct))
        {
            times.Add(at);
        }
        Assert.Equal([[4], [2], [0]], times.Select(t => t.Value!).ToList());
        foreach (var at in times)
        {
            var byTime = await AgreedAsync(cluster, node => new KvStore.P2PCalls(cluster[1], node).GetAtTimeAsync("even", at.Microseconds, at.Logical, ct));
            Assert.Equal(at.Version, byTime.Version);
            Assert.Equal(at.Value, byTime.Value);
            Assert.True(byTime.Stable);
        }
        var removed = await HistoryAsync(cluster, "odd", Versions.Of(int.MaxValue, 0), ct);
        Assert.Null(removed.Value);
        Assert.True(removed.Version > 0);
        var beforeAll = await AgreedAsync(cluster, node => new KvStore.P2PCalls(cluster[1], node).GetAtTimeAsync("even", 1, 0, ct));
        Assert.Equal(Versions.None, beforeAll.Version);
    }

    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task A_member_that_crashes_comes_back_with_its_log_and_catches_up()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        await using var cluster = await RpcCluster.StartAsync(3, null, PersistentStore, ct, directory.Path);
        var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
        await kv.PutAsync("before", [1], ct);
        await cluster.CrashAsync(2);
        await cluster.WaitForViewAsync(2, ct);
        await kv.PutAsync("while-away", [2], ct);
        await cluster.AddAsync(2, ct);
        await cluster.WaitForViewAsync(3, ct);
        await kv.PutAsync("after", [3], ct);
        foreach (var key in new[] { "before", "while-away", "after" })
        {
            var found = await HistoryAsync(cluster, key, Versions.Of(int.MaxValue, 0), ct);
            Assert.NotNull(found.Value);
        }
        Assert.Single((await cluster.StateHashesAsync(KvClient.Subgroup(), ct)).Values.Distinct());
    }

    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task Batched_calls_get_a_version_each_the_same_at_every_replica_and_read_back_by_version_and_time()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        await using var cluster = await RpcCluster.StartAsync(3, null, PersistentStore, ct, directory.Path);
        // Two members keep many puts in flight: beyond the few multicasts a member keeps undelivered, calls are batched.
        const int PerMember = 80;
        await Task.WhenAll(new uint[] { 0, 1 }.SelectMany(node =>
        {
            var kv = new KvClient(cluster[node], () => cluster[node].Allocation);
            return Enumerable.Range(0, PerMember).Select(i => kv.PutAsync($"n{node}-{i}", [(byte)node, (byte)i], ct));
        }));
        Assert.True(cluster.Members.Values.Sum(m => m.BatchesDelivered) > 0, "no batch was delivered");

        var written = new List<KvVersion>();
        foreach (var node in new uint[] { 0, 1 })
        {
            for (var i = 0; i < PerMember; i++)
            {
                var key = $"n{node}-{i}";
                var latest = await HistoryAsync(cluster, key, Versions.Of(int.MaxValue, 0), ct);
                Assert.Equal([(byte)node, (byte)i], latest.Value!);
                written.Add(latest);
                // Read back by the call's own version and time, at every replica.
                Assert.Equal(latest.Value, (await HistoryAsync(cluster, key, latest.Version, ct)).Value);
                Assert.Null((await HistoryAsync(cluster, key, latest.Version - 1, ct)).Value);
                var byTime = await AgreedAsync(cluster, n => new KvStore.P2PCalls(cluster[0], n).GetAtTimeAsync(key, latest.Microseconds, latest.Logical, ct));
                Assert.Equal(latest.Version, byTime.Version);
            }
        }
        Assert.Equal(written.Count, written.Select(w => w.Version).Distinct().Count());
        var last = written.Max(w => w.Version);
        foreach (var member in cluster.Members.Values)
        {
            await member.Frontiers.WaitForGlobalPersistenceAsync(0, 0, 0, last, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        }
    }

    /// <summary>A key as of a version at every replica, which must all agree.</summary>
    private static Task<KvVersion> HistoryAsync(RpcCluster cluster, string key, long version, CancellationToken ct) =>
        AgreedAsync(cluster, node => new KvStore.P2PCalls(cluster[cluster.Members.Keys.First()], node).GetAtVersionAsync(key, version, ct));

    private static async Task<KvVersion> AgreedAsync(RpcCluster cluster, Func<uint, Task<KvVersion>> read)
    {
        var answers = await Task.WhenAll(cluster.Members.Keys.Select(read));
        var first = answers[0];
        foreach (var answer in answers)
        {
            Assert.Equal((first.Version, first.Microseconds, first.Logical), (answer.Version, answer.Microseconds, answer.Logical));
            Assert.Equal(first.Value, answer.Value);
        }
        return first;
    }
}
