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
/// <param name="Version">The new frontier, <c>(view id &lt;&lt; 32) | order index</c>.</param>
/// <param name="Subgroup">The shard's subgroup.</param>
/// <param name="Shard">The shard.</param>
public readonly record struct FrontierAdvance(FrontierKind Kind, long Version, SubgroupId Subgroup, int Shard);

/// <summary>
/// A member's stability and persistence frontiers for its persistent shards (Derecho's <c>global_stability</c>,
/// <c>local_persistence</c> and <c>global_persistence</c> frontiers). Versions are <c>(view id &lt;&lt; 32) | order
/// index</c> in the shard's order. A shard's local persistence frontier is the newest version up to which everything
/// it delivered here is logged and synced; the member reports it in its row of the Shared State Table
/// (<see cref="Group.ReportPersisted"/>), and the shard's global persistence frontier is the smallest report of its
/// members (<see cref="GroupHandlers.PersistenceAdvanced"/>). Thread-safe.
/// </summary>
public sealed class PersistenceFrontiers
{
    private readonly Lock _gate = new();
    private readonly Action<int, long> _report;
    private readonly Func<GroupAllocation?> _allocation;
    private readonly Func<int, string> _typeName;
    private readonly Dictionary<ShardKey, ShardFrontiers> _shards = [];
    private readonly List<Waiter> _waiters = [];

    internal PersistenceFrontiers(Action<int, long> report, Func<GroupAllocation?> allocation, Func<int, string> typeName)
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

    /// <summary>A delivery to a local persistent replica (event loop); <see cref="Logged"/> follows once it is synced.</summary>
    internal void Delivered(ShardKey key, int planShard, long version)
    {
        lock (_gate)
        {
            var shard = Shard(key);
            shard.PlanShard = planShard;
            shard.Delivered = Math.Max(shard.Delivered, version);
            shard.Unlogged.Add(version);
        }
        Raise(key, FrontierKind.GlobalStability, version);
    }

    /// <summary>A local persistent replica synced <paramref name="version"/> (or never will: retired, failed).</summary>
    internal void Logged(ShardKey key, long version)
    {
        long local;
        int planShard;
        List<Waiter> done = [];
        lock (_gate)
        {
            var shard = Shard(key);
            shard.Unlogged.Remove(version);
            local = shard.Unlogged.Count > 0 ? shard.Unlogged.Min - 1 : shard.Delivered;
            if (local <= shard.Local)
            {
                return;
            }
            shard.Local = local;
            planShard = shard.PlanShard;
            TakeDone(key, FrontierKind.LocalPersistence, local, done);
        }
        _report(planShard, local);
        Finish(key, FrontierKind.LocalPersistence, local, done);
    }

    /// <summary>The group's report (event loop): every member of plan shard <paramref name="planShard"/> persisted its first <paramref name="count"/> deliveries of view <paramref name="viewId"/>.</summary>
    internal void GloballyPersisted(int planShard, int viewId, long count)
    {
        if (count <= 0 || _allocation() is not { } allocation || KeyOf(allocation, planShard) is not { } key)
        {
            return;
        }
        var version = Versions.Of(viewId, (uint)(count - 1));
        List<Waiter> done = [];
        lock (_gate)
        {
            var shard = Shard(key);
            if (version <= shard.Global)
            {
                return;
            }
            shard.Global = version;
            TakeDone(key, FrontierKind.GlobalPersistence, version, done);
        }
        Finish(key, FrontierKind.GlobalPersistence, version, done);
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

    private void TakeDone(ShardKey key, FrontierKind kind, long frontier, List<Waiter> done)
    {
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Shard == key && _waiters[i].Kind == kind && _waiters[i].Version <= frontier)
            {
                done.Add(_waiters[i]);
                _waiters.RemoveAt(i);
            }
        }
    }

    private void Finish(ShardKey key, FrontierKind kind, long version, List<Waiter> done)
    {
        foreach (var waiter in done)
        {
            waiter.Done.TrySetResult();
        }
        Raise(key, kind, version);
    }

    private void Raise(ShardKey key, FrontierKind kind, long version) =>
        Advanced?.Invoke(new FrontierAdvance(kind, version, new SubgroupId(_typeName(key.Type), key.Subgroup), key.Shard));

    private sealed class ShardFrontiers
    {
        public SortedSet<long> Unlogged { get; } = [];

        public int PlanShard { get; set; }

        public long Delivered { get; set; } = Versions.None;

        public long Local { get; set; } = Versions.None;

        public long Global { get; set; } = Versions.None;
    }

    private sealed record Waiter(ShardKey Shard, FrontierKind Kind, long Version)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
