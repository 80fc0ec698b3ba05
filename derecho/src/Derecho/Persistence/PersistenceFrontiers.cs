using Derecho.Layout;
using Derecho.Rpc;

namespace Derecho.Persistence;

/// <summary>Which frontier advanced.</summary>
public enum FrontierKind
{
    /// <summary>Messages up to the version are delivered (received by every member: stable).</summary>
    GlobalStability,

    /// <summary>Everything this member's replica of the shard delivered up to the version is logged and synced here.</summary>
    LocalPersistence,

    /// <summary>Every member of the shard has logged and synced the shard's updates up to the version (durable everywhere).</summary>
    GlobalPersistence,
}

/// <summary>A frontier advanced to <paramref name="Version"/>.</summary>
/// <param name="Kind">Which frontier.</param>
/// <param name="Version">The new frontier, <c>(view id &lt;&lt; 32) | call index</c>.</param>
/// <param name="Subgroup">The shard's subgroup.</param>
/// <param name="Shard">The shard.</param>
public readonly record struct FrontierAdvance(FrontierKind Kind, long Version, SubgroupId Subgroup, int Shard);

/// <summary>
/// A member's stability and persistence frontiers for its persistent shards (Derecho's <c>global_stability</c>,
/// <c>local_persistence</c> and <c>global_persistence</c> frontiers). Versions are <c>(view id &lt;&lt; 32) | call
/// index</c>: the calls of a view numbered in the shard's order, several to a delivery when calls are batched. A
/// shard's local persistence frontier is the newest version up to which everything it delivered here is logged and
/// synced; the member reports it in its row of the Shared State Table as a count of deliveries
/// (<see cref="Group.ReportPersisted"/>: the deliveries whose every call is synced), and the shard's global
/// persistence frontier is the newest version whose delivery is within the smallest report of its members
/// (<see cref="GroupHandlers.PersistenceAdvanced"/>). Thread-safe.
/// </summary>
public sealed class PersistenceFrontiers
{
    private readonly Lock _gate = new();
    private readonly Action<int, int, long> _report;
    private readonly Func<GroupAllocation?> _allocation;
    private readonly Func<int, string> _typeName;
    private readonly Dictionary<ShardKey, ShardFrontiers> _shards = [];
    private readonly List<Waiter> _waiters = [];

    [ThreadStatic]
    private static LoggedBatch? t_batch;

    /// <param name="report">Reports a local persistence frontier: plan shard, view id, deliveries of that view synced.</param>
    /// <param name="allocation">The current layout.</param>
    /// <param name="typeName">A type's name by its index in the layout.</param>
    internal PersistenceFrontiers(Action<int, int, long> report, Func<GroupAllocation?> allocation, Func<int, string> typeName)
    {
        _report = report;
        _allocation = allocation;
        _typeName = typeName;
    }

    /// <summary>Called (outside any lock) whenever a frontier of a shard advances.</summary>
    public event Action<FrontierAdvance>? Advanced;

    /// <summary>The newest version delivered here in any persistent shard (stable at every member of its shard).</summary>
    public long GlobalStability
    {
        get
        {
            lock (_gate)
            {
                return _shards.Values.Select(s => s.Delivered).DefaultIfEmpty(Versions.None).Max();
            }
        }
    }

    /// <summary>A shard's global stability frontier here: the newest version it delivered, or <see cref="Versions.None"/>.</summary>
    public long GlobalStabilityOf(int type, int subgroup, int shard) => Read(type, subgroup, shard, s => s.Delivered);

    /// <summary>A shard's local persistence frontier, or <see cref="Versions.None"/>.</summary>
    public long LocalPersistence(int type, int subgroup, int shard) => Read(type, subgroup, shard, s => s.Local);

    /// <summary>A shard's global persistence frontier, as far as this member has heard, or <see cref="Versions.None"/>.</summary>
    public long GlobalPersistence(int type, int subgroup, int shard) => Read(type, subgroup, shard, s => s.Global);

    /// <summary>Completes once the shard's local persistence frontier reaches <paramref name="version"/>.</summary>
    public Task WaitForLocalPersistenceAsync(int type, int subgroup, int shard, long version, CancellationToken cancellationToken = default) =>
        WaitAsync(new ShardKey(type, subgroup, shard), FrontierKind.LocalPersistence, version, cancellationToken);

    /// <summary>Completes once the shard's global persistence frontier reaches <paramref name="version"/>: durable at every member of the shard.</summary>
    public Task WaitForGlobalPersistenceAsync(int type, int subgroup, int shard, long version, CancellationToken cancellationToken = default) =>
        WaitAsync(new ShardKey(type, subgroup, shard), FrontierKind.GlobalPersistence, version, cancellationToken);

    /// <summary>
    /// A call delivered to a local persistent replica (event loop), in the shard's order; <see cref="Logged"/> follows
    /// once it is synced. <paramref name="orderIndex"/> is its delivery's place in the view's order, and
    /// <paramref name="lastOfDelivery"/> says whether it is the delivery's last call (a batch carries several).
    /// </summary>
    internal void Delivered(ShardKey key, int planShard, long version, long orderIndex, bool lastOfDelivery)
    {
        lock (_gate)
        {
            var shard = Shard(key);
            shard.PlanShard = planShard;
            shard.Delivered = Math.Max(shard.Delivered, version);
            var call = new DeliveredCall(version, orderIndex, lastOfDelivery);
            shard.Unlogged.Enqueue(call);
            shard.ByVersion[version] = call;
        }
        Raise(key, FrontierKind.GlobalStability, version);
    }

    /// <summary>
    /// Gathers on this thread the local frontier moves of the <see cref="Logged"/> calls made until the returned
    /// scope is disposed: each shard's frontier is then reported once, at its newest point (one report into the
    /// member's row, one round of waiters and events per commit round, not per call). Scopes nest; the outermost
    /// publishes.
    /// </summary>
    internal static LoggedBatch GatherLogged()
    {
        var batch = t_batch ??= new LoggedBatch();
        batch.Depth++;
        return batch;
    }

    /// <summary>A local persistent replica synced <paramref name="version"/> (or never will: retired, failed).</summary>
    internal void Logged(ShardKey key, long version)
    {
        lock (_gate)
        {
            var shard = Shard(key);
            if (!shard.ByVersion.Remove(version, out var call))
            {
                return;
            }
            call.Logged = true;
            // The frontier is the newest call before which everything delivered is synced (calls may be synced out of order).
            DeliveredCall? newest = null;
            while (shard.Unlogged.TryPeek(out var next) && next.Logged)
            {
                newest = shard.Unlogged.Dequeue();
                shard.AwaitingGlobal.Enqueue(newest);
            }
            if (newest is null || newest.Version <= shard.Local)
            {
                return;
            }
            shard.Local = newest.Version;
            shard.NewestLogged = newest;
            if (shard.Unpublished)
            {
                return;
            }
            shard.Unpublished = true;
            if (t_batch is { Depth: > 0 } batch)
            {
                batch.Add(this, key);
                return;
            }
        }
        Publish(key);
    }

    /// <summary>Reports a shard's local frontier (its newest point since the last report): the member's row, waiters, events.</summary>
    private void Publish(ShardKey key)
    {
        DeliveredCall newest;
        int planShard;
        List<Waiter>? done;
        lock (_gate)
        {
            var shard = Shard(key);
            if (!shard.Unpublished || shard.NewestLogged is not { } logged)
            {
                return;
            }
            shard.Unpublished = false;
            newest = logged;
            planShard = shard.PlanShard;
            done = TakeDone(key, FrontierKind.LocalPersistence, newest.Version);
        }
        // A delivery counts as synced once its last call is; the calls before it in a batch cover the deliveries before.
        _report(planShard, Versions.ViewOf(newest.Version), newest.LastOfDelivery ? newest.OrderIndex + 1 : newest.OrderIndex);
        Finish(key, FrontierKind.LocalPersistence, newest.Version, done);
    }

    /// <summary>
    /// The group's report (event loop): every member of plan shard <paramref name="planShard"/> persisted its first
    /// <paramref name="count"/> deliveries of view <paramref name="viewId"/>. The global frontier becomes the newest
    /// call of those deliveries.
    /// </summary>
    internal void GloballyPersisted(int planShard, int viewId, long count)
    {
        if (count <= 0 || _allocation() is not { } allocation || KeyOf(allocation, planShard) is not { } key)
        {
            return;
        }
        DeliveredCall? newest = null;
        List<Waiter>? done;
        lock (_gate)
        {
            var shard = Shard(key);
            while (shard.AwaitingGlobal.TryPeek(out var next) && Versions.ViewOf(next.Version) <= viewId
                && (Versions.ViewOf(next.Version) < viewId || next.OrderIndex < count))
            {
                shard.AwaitingGlobal.Dequeue();
                newest = Versions.ViewOf(next.Version) == viewId ? next : newest;
            }
            if (newest is null || newest.Version <= shard.Global)
            {
                return;
            }
            shard.Global = newest.Version;
            done = TakeDone(key, FrontierKind.GlobalPersistence, newest.Version);
        }
        Finish(key, FrontierKind.GlobalPersistence, newest.Version, done);
    }

    private static ShardKey? KeyOf(GroupAllocation allocation, int planShard)
    {
        for (var t = 0; t < allocation.Types.Count; t++)
        {
            var subgroups = allocation.Types[t].Subgroups;
            for (var s = 0; s < subgroups.Count; s++)
            {
                for (var shard = 0; shard < subgroups[s].Count; shard++)
                {
                    if (allocation.PlanIndex(t, s, shard) == planShard)
                    {
                        return new ShardKey(t, s, shard);
                    }
                }
            }
        }
        return null;
    }

    private long Read(int type, int subgroup, int shard, Func<ShardFrontiers, long> read)
    {
        lock (_gate)
        {
            return _shards.TryGetValue(new ShardKey(type, subgroup, shard), out var frontiers) ? read(frontiers) : Versions.None;
        }
    }

    private ShardFrontiers Shard(ShardKey key)
    {
        if (!_shards.TryGetValue(key, out var shard))
        {
            shard = new ShardFrontiers();
            _shards[key] = shard;
        }
        return shard;
    }

    private Task WaitAsync(ShardKey key, FrontierKind kind, long version, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var shard = Shard(key);
            if ((kind == FrontierKind.GlobalPersistence ? shard.Global : shard.Local) >= version)
            {
                return Task.CompletedTask;
            }
            var waiter = new Waiter(key, kind, version);
            _waiters.Add(waiter);
            return waiter.Done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Under the gate: removes and returns the waiters of <paramref name="key"/>'s <paramref name="kind"/> frontier that it reached (null: none).</summary>
    private List<Waiter>? TakeDone(ShardKey key, FrontierKind kind, long frontier)
    {
        List<Waiter>? done = null;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Shard == key && _waiters[i].Kind == kind && _waiters[i].Version <= frontier)
            {
                (done ??= []).Add(_waiters[i]);
                _waiters.RemoveAt(i);
            }
        }
        return done;
    }

    private void Finish(ShardKey key, FrontierKind kind, long version, List<Waiter>? done)
    {
        if (done is not null)
        {
            foreach (var waiter in done)
            {
                waiter.Done.TrySetResult();
            }
        }
        Raise(key, kind, version);
    }

    private void Raise(ShardKey key, FrontierKind kind, long version) =>
        Advanced?.Invoke(new FrontierAdvance(kind, version, new SubgroupId(_typeName(key.Type), key.Subgroup), key.Shard));

    private sealed class ShardFrontiers
    {
        /// <summary>Delivered calls from the oldest not yet synced, in the shard's order.</summary>
        public Queue<DeliveredCall> Unlogged { get; } = new();

        /// <summary>The calls of <see cref="Unlogged"/> not yet synced, by version.</summary>
        public Dictionary<long, DeliveredCall> ByVersion { get; } = [];

        /// <summary>Calls synced here, not yet known to be synced at every member.</summary>
        public Queue<DeliveredCall> AwaitingGlobal { get; } = new();

        public int PlanShard { get; set; }

        public long Delivered { get; set; } = Versions.None;

        public long Local { get; set; } = Versions.None;

        public long Global { get; set; } = Versions.None;

        /// <summary>The call <see cref="Local"/> stands at.</summary>
        public DeliveredCall? NewestLogged { get; set; }

        /// <summary>The local frontier moved since it was last reported (a report is on its way, or gathered).</summary>
        public bool Unpublished { get; set; }
    }

    /// <summary>A delivered call: its version, its delivery's place in the view's order, and whether it ends that delivery.</summary>
    private sealed class DeliveredCall(long version, long orderIndex, bool lastOfDelivery)
    {
        public long Version { get; } = version;

        public long OrderIndex { get; } = orderIndex;

        public bool LastOfDelivery { get; } = lastOfDelivery;

        public bool Logged { get; set; }
    }

    /// <summary>
    /// The shards whose local frontier moved within a <see cref="GatherLogged"/> scope on one thread; disposing the
    /// outermost scope reports each once.
    /// </summary>
    internal sealed class LoggedBatch : IDisposable
    {
        private readonly List<(PersistenceFrontiers Frontiers, ShardKey Key)> _moved = [];

        public int Depth { get; set; }

        public void Add(PersistenceFrontiers frontiers, ShardKey key) => _moved.Add((frontiers, key));

        /// <summary>Ends the scope; the outermost reports every shard gathered.</summary>
        public void Dispose()
        {
            if (--Depth > 0)
            {
                return;
            }
            // Publishing may run callers' continuations (waiters, events) that gather again on this thread: take the list first.
            while (_moved.Count > 0)
            {
                var moved = _moved.ToArray();
                _moved.Clear();
                foreach (var (frontiers, key) in moved)
                {
                    frontiers.Publish(key);
                }
            }
        }
    }

    private sealed record Waiter(ShardKey Shard, FrontierKind Kind, long Version)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
