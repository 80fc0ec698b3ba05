using Derecho.Layout;
using Derecho.Membership;
using Derecho.Persistence;
using Derecho.Restart;

namespace Derecho.Tests.Persistence;

/// <summary>The restart record under crashes at every step of the simulated disk, the frontiers, and durability's continuations.</summary>
public sealed class RestartAndFrontierTests
{
    private static View ViewOf(int id, params uint[] members) =>
        new(id, [.. members.Select(m => new ViewMember(m, 1, $"127.0.0.1:{1000 + m}"))], [], []);

    private static ShardTrim[] Trims(int viewId, params long[] lasts) =>
        [.. lasts.Select((last, shard) => new ShardTrim(0, 0, shard, viewId, last))];

    [Fact]
    public void A_crash_at_any_step_of_logging_a_view_leaves_the_old_record_or_the_new_one()
    {
        var options = new PersistenceOptions { FilePath = "/pers" };
        for (var seed = 0; seed < 40; seed++)
        {
            for (var crashAt = 0; ; crashAt++)
            {
                var disk = new SimulatedDisk();
                var state = RestartState.Load(options, disk);
                state.Record(ViewOf(3, 0, 1, 2), Trims(3, 77));
                var before = disk.Steps;
                disk.CrashAtStep = before + crashAt;
                var crashed = false;
                try
                {
                    state.Record(ViewOf(4, 0, 2), Trims(4, 99, 12884901887));
                }
                catch (SimulatedCrashException)
                {
                    crashed = true;
                }
                disk.Restart(new Random(seed));
                var after = RestartState.Load(options, disk);
                var trims = string.Join(',', after.LastTrims.Select(t => $"{t.ViewId}/{t.Shard}/{t.Last}"));
                Assert.True((after.LastViewId, trims, after.LastMemberIds.Count) is (3, "3/0/77", 3) or (4, "4/0/99,3/0/77,4/1/12884901887", 2),
                    $"seed {seed}, crash at step {crashAt}: view {after.LastViewId} trims {trims}");
                if (!crashed)
                {
                    Assert.Equal(4, after.LastViewId);
                    break;
                }
            }
        }
    }

    [Fact]
    public void A_restarted_group_starts_above_every_view_its_logs_hold()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions { FilePath = "/pers" };
        var state = RestartState.Load(options, disk);
        Assert.Equal(0, state.FirstViewIdAfter([]));
        state.Record(ViewOf(5, 0, 1), []);
        using var log = PersistentLog.Open(disk, "/pers/field", options);
        log.Append(Versions.Of(9, 3), new HlcTimestamp(1, 0), "x"u8);
        Assert.Equal(9 + RestartState.RestartViewMargin, state.FirstViewIdAfter([log]));
        Assert.Equal(5 + RestartState.RestartViewMargin, RestartState.Load(options, disk).FirstViewIdAfter([]));
    }

    [Fact]
    public void Trims_carry_from_record_to_record_newest_first_without_repeats()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions { FilePath = "/pers" };
        var state = RestartState.Load(options, disk);
        state.Record(ViewOf(3, 0, 1), Trims(3, Versions.Of(2, 4), Versions.Of(2, 9)));
        state.Record(ViewOf(4, 0, 1), [new ShardTrim(0, 0, 1, 4, Versions.Of(3, 1))]);
        state.Record(ViewOf(5, 0, 1), [new ShardTrim(0, 0, 1, 5, Versions.Of(3, 1))]); // nothing delivered in view 4
        var after = RestartState.Load(options, disk);
        Assert.Equal([new ShardTrim(0, 0, 0, 3, Versions.Of(2, 4))], after.TrimsOf(0, 0, 0));
        Assert.Equal([new ShardTrim(0, 0, 1, 5, Versions.Of(3, 1)), new ShardTrim(0, 0, 1, 3, Versions.Of(2, 9))], after.TrimsOf(0, 0, 1));
        for (var view = 6; view < 6 + (2 * RestartState.TrimsPerShard); view++)
        {
            state.Record(ViewOf(view, 0, 1), [new ShardTrim(0, 0, 1, view, Versions.Of(view - 1, 0))]);
        }
        Assert.Equal(RestartState.TrimsPerShard, RestartState.Load(options, disk).TrimsOf(0, 0, 1).Count);
        state.AddTrims([new ShardTrim(0, 0, 0, 80, Versions.Of(70, 2))]);
        var added = RestartState.Load(options, disk);
        Assert.Equal(state.LastViewId, added.LastViewId);
        Assert.Equal([new ShardTrim(0, 0, 0, 80, Versions.Of(70, 2)), new ShardTrim(0, 0, 0, 3, Versions.Of(2, 4))], added.TrimsOf(0, 0, 0));
        Assert.Throws<InvalidOperationException>(() => RestartState.Load(options with { FilePath = "/other" }, disk).AddTrims([]));
    }

    [Fact]
    public void The_restart_record_is_checked()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions { FilePath = "/pers" };
        RestartState.Load(options, disk).Record(ViewOf(2, 0, 1), Trims(2, 5));
        Assert.Equal([new ShardTrim(0, 0, 0, 2, 5)], RestartState.Load(options, disk).TrimsOf(0, 0, 0));
        Assert.Empty(RestartState.Load(options, disk).TrimsOf(0, 0, 1));
        var bytes = disk.Contents("/pers/restart");
        bytes[^1] ^= 1;
        disk.Overwrite("/pers/restart", bytes);
        Assert.Throws<LogCorruptException>(() => RestartState.Load(options, disk));
        Assert.Equal(-1, RestartState.Load(options with { Reset = true }, disk).LastViewId);
    }

    [Fact]
    public async Task Frontiers_follow_deliveries_logging_and_the_shards_reports()
    {
        var ct = TestContext.Current.CancellationToken;
        var reported = new List<(int PlanShard, int ViewId, long Deliveries)>();
        var allocation = new GroupAllocation(1, [new TypeAllocation("T", [[
            new ShardAllocation([0, 1], DeliveryMode.Ordered, "DEFAULT"), new ShardAllocation([2, 3], DeliveryMode.Ordered, "DEFAULT")]])]);
        var frontiers = new PersistenceFrontiers((shard, view, deliveries) => reported.Add((shard, view, deliveries)), () => allocation, _ => "T");
        var advances = new List<FrontierAdvance>();
        frontiers.Advanced += advances.Add;
        var key = new Derecho.Rpc.ShardKey(0, 0, 1);
        var plan = allocation.PlanIndex(0, 0, 1);
        var local = frontiers.WaitForLocalPersistenceAsync(0, 0, 1, Versions.Of(1, 2), ct);
        var global = frontiers.WaitForGlobalPersistenceAsync(0, 0, 1, Versions.Of(1, 1), ct);

        // Delivery 0 is one call (version 0), delivery 1 a batch of two calls (versions 1 and 2).
        frontiers.Delivered(key, plan, Versions.Of(1, 0), orderIndex: 0, lastOfDelivery: true);
        frontiers.Delivered(key, plan, Versions.Of(1, 1), orderIndex: 1, lastOfDelivery: false);
        frontiers.Delivered(key, plan, Versions.Of(1, 2), orderIndex: 1, lastOfDelivery: true);
        Assert.Equal(Versions.Of(1, 2), frontiers.GlobalStabilityOf(0, 0, 1));
        frontiers.Logged(key, Versions.Of(1, 0));
        Assert.Equal(Versions.Of(1, 0), frontiers.LocalPersistence(0, 0, 1));
        frontiers.Logged(key, Versions.Of(1, 2));
        Assert.Equal(Versions.Of(1, 0), frontiers.LocalPersistence(0, 0, 1)); // version 1 is not synced yet
        Assert.False(local.IsCompleted);
        frontiers.Logged(key, Versions.Of(1, 1));
        Assert.Equal(Versions.Of(1, 2), frontiers.LocalPersistence(0, 0, 1));
        await local;
        // Reports may be gathered per commit round (PersistenceFrontiers.GatherLogged): they only grow, up to both deliveries.
        Assert.Equal((plan, 1, 2L), reported[^1]);
        Assert.Equal(reported.OrderBy(r => r.Deliveries), reported);

        frontiers.GloballyPersisted(allocation.PlanIndex(0, 0, 0), 1, 5); // another shard
        Assert.Equal(Versions.None, frontiers.GlobalPersistence(0, 0, 1));
        frontiers.GloballyPersisted(plan, 1, 1);
        Assert.Equal(Versions.Of(1, 0), frontiers.GlobalPersistence(0, 0, 1)); // the batch's first call is not covered by delivery 0
        Assert.False(global.IsCompleted);
        frontiers.GloballyPersisted(plan, 1, 2);
        Assert.Equal(Versions.Of(1, 2), frontiers.GlobalPersistence(0, 0, 1));
        await global;
        Assert.Contains(new FrontierAdvance(FrontierKind.GlobalPersistence, Versions.Of(1, 2), new Derecho.Rpc.SubgroupId("T", 0), 1), advances);
        Assert.Contains(advances, a => a.Kind == FrontierKind.LocalPersistence && a.Version == Versions.Of(1, 2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_failed_sync_fails_the_waiting_replies_instead_of_acknowledging_them(int syncsInFlight)
    {
        var disk = new SimulatedDisk();
        var log = PersistentLog.Open(disk, "/pers/field", new PersistenceOptions { SyncsInFlight = syncsInFlight });
        var persistence = new ShardPersistence([log]);
        var first = new TaskCompletionSource<Exception?>();
        log.Append(1, new HlcTimestamp(1, 0), "a"u8);
        persistence.Applied(new PersistedCallback(e => first.TrySetResult(e)));
        persistence.RequestCommit();
        Assert.Null(await first.Task.WaitAsync(TestContext.Current.CancellationToken));

        var second = new TaskCompletionSource<Exception?>();
        log.Append(2, new HlcTimestamp(2, 0), "b"u8);
        disk.CrashAtStep = disk.Steps;
        persistence.Applied(new PersistedCallback(e => second.TrySetResult(e)));
        persistence.CommitPending();
        Assert.NotNull(await second.Task.WaitAsync(TestContext.Current.CancellationToken));
        var third = new TaskCompletionSource<Exception?>();
        persistence.Applied(new PersistedCallback(e => third.TrySetResult(e)));
        Assert.NotNull(await third.Task.WaitAsync(TestContext.Current.CancellationToken));
        await persistence.DisposeAsync();
        log.Dispose();
    }
}
