using System.Collections.Concurrent;
using Derecho.Layout;
using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

/// <summary>A commit round moves the local persistence frontier once: one report into the member's row, not one per call.</summary>
public sealed class FrontierBatchingTests
{
    private static readonly GroupAllocation Allocation = new(1, [new TypeAllocation("T", [[new ShardAllocation([0, 1, 2], DeliveryMode.Ordered, "DEFAULT")]])]);
    private static readonly Derecho.Rpc.ShardKey Key = new(0, 0, 0);

    [Fact]
    public async Task Calls_logged_in_one_gathering_scope_are_reported_once_at_the_newest_point()
    {
        var ct = TestContext.Current.CancellationToken;
        var reported = new ConcurrentQueue<(int PlanShard, int ViewId, long Deliveries)>();
        var frontiers = new PersistenceFrontiers((shard, view, deliveries) => reported.Enqueue((shard, view, deliveries)), () => Allocation, _ => "T");
        var advances = new ConcurrentQueue<FrontierAdvance>();
        frontiers.Advanced += a =>
        {
            if (a.Kind == FrontierKind.LocalPersistence)
            {
                advances.Enqueue(a);
            }
        };
        for (var call = 0u; call < 10; call++)
        {
            // Deliveries of two calls each: calls 2k and 2k + 1 are delivery k.
            frontiers.Delivered(Key, 0, Versions.Of(1, call), orderIndex: call / 2, lastOfDelivery: call % 2 == 1);
        }
        var local = frontiers.WaitForLocalPersistenceAsync(0, 0, 0, Versions.Of(1, 6), ct);
        using (PersistenceFrontiers.GatherLogged())
        {
            // Out of order, as replies of one round may be: the frontier moves only over a prefix.
            foreach (var call in new uint[] { 1, 0, 3, 2, 5, 4, 7, 6 })
            {
                frontiers.Logged(Key, Versions.Of(1, call));
            }
            Assert.Equal(Versions.Of(1, 7), frontiers.LocalPersistence(0, 0, 0));
            Assert.Empty(reported);
            Assert.False(local.IsCompleted);
        }
        await local;
        Assert.Equal([(0, 1, 4L)], reported);
        Assert.Equal([Versions.Of(1, 7)], advances.Select(a => a.Version));

        // Outside a scope each move is reported at once; a call that ends no delivery reports the deliveries before it.
        frontiers.Logged(Key, Versions.Of(1, 8));
        Assert.Equal((0, 1, 4L), reported.Last());
        Assert.Equal(2, reported.Count);
        frontiers.Logged(Key, Versions.Of(1, 9));
        Assert.Equal((0, 1, 5L), reported.Last());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_replica_reports_its_frontier_once_per_commit_round_and_never_ahead_of_the_log(int syncsInFlight)
    {
        var ct = TestContext.Current.CancellationToken;
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, "/pers/field", new PersistenceOptions { SyncsInFlight = syncsInFlight });
        var reports = new ConcurrentQueue<long>();
        var violations = new ConcurrentQueue<string>();
        var frontiers = new PersistenceFrontiers((_, _, deliveries) =>
        {
            reports.Enqueue(deliveries);
            if (log.PersistedVersion < deliveries)
            {
                violations.Enqueue($"{deliveries} deliveries reported with version {log.PersistedVersion} synced");
            }
        }, () => Allocation, _ => "T");
        var rounds = 0;
        var persistence = new ShardPersistence([log], () => Interlocked.Increment(ref rounds));
        const int Calls = 400;
        for (var call = 1; call <= Calls; call++)
        {
            // Version v is delivery v - 1: once it is synced, v deliveries are.
            frontiers.Delivered(Key, 0, call, orderIndex: call - 1, lastOfDelivery: true);
            log.Append(call, new HlcTimestamp(call, 0), "value"u8);
            var version = call;
            persistence.Applied(new PersistedCallback(_ => frontiers.Logged(Key, version)));
            if (call % 16 == 0)
            {
                persistence.CommitPending();
            }
        }
        persistence.CommitPending();
        await frontiers.WaitForLocalPersistenceAsync(0, 0, 0, Calls, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await persistence.DisposeAsync();
        Assert.Empty(violations);
        Assert.Equal(Calls, reports.Max());
        Assert.Equal(reports.Order(), reports);
        Assert.InRange(reports.Count, 1, Volatile.Read(ref rounds));
    }
}
