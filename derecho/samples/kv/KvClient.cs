using Derecho.Layout;
using Derecho.Rpc;

namespace Derecho.Kv;

/// <summary>
/// The sharded store as one map: each key lives in the shard <see cref="KvStore.ShardOf"/> picks among the
/// subgroup's shards. Writes are ordered calls to that shard; reads are P2P calls to one of its members (a
/// different one each time).
/// </summary>
public sealed class KvClient
{
    private readonly IRpcCaller _caller;
    private readonly Func<GroupAllocation?> _allocation;
    private readonly int _subgroup;
    private int _nextReader;

    /// <summary>Creates a client calling through <paramref name="caller"/>; <paramref name="allocation"/> reads the current layout.</summary>
    public KvClient(IRpcCaller caller, Func<GroupAllocation?> allocation, int subgroup = 0)
    {
        _caller = caller;
        _allocation = allocation;
        _subgroup = subgroup;
    }

    /// <summary>The subgroup this client uses.</summary>
    public static SubgroupId Subgroup(int index = 0) => ReplicatedGroup.SubgroupOf<KvStore>(index);

    /// <summary>Sets a key at every replica of its shard; completes once all of them applied it.</summary>
    public Task PutAsync(string key, byte[] value, CancellationToken cancellationToken = default) =>
        new KvStore.OrderedCalls(_caller, _subgroup, Shard(key)).Put(key, value, cancellationToken).GetAgreedAsync();

    /// <summary>Removes a key; true when it was there.</summary>
    public Task<bool> RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        new KvStore.OrderedCalls(_caller, _subgroup, Shard(key)).Remove(key, cancellationToken).GetAgreedAsync();

    /// <summary>A key's value from one replica of its shard, or null.</summary>
    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var shard = Shard(key);
        return new KvStore.P2PCalls(_caller, Reader(shard), _subgroup).GetAsync(key, cancellationToken);
    }

    /// <summary>A key's value as of <paramref name="version"/> from one replica of its shard (persistent mode).</summary>
    public Task<KvVersion> GetAtVersionAsync(string key, long version, CancellationToken cancellationToken = default) =>
        new KvStore.P2PCalls(_caller, Reader(Shard(key)), _subgroup).GetAtVersionAsync(key, version, cancellationToken);

    /// <summary>A key's value as of the hybrid logical time <paramref name="time"/> from one replica of its shard (persistent mode).</summary>
    public Task<KvVersion> GetAtTimeAsync(string key, Persistence.HlcTimestamp time, CancellationToken cancellationToken = default) =>
        new KvStore.P2PCalls(_caller, Reader(Shard(key)), _subgroup).GetAtTimeAsync(key, time.Microseconds, time.Logical, cancellationToken);

    /// <summary>The values of <paramref name="keys"/> (null where missing), one P2P call per shard involved.</summary>
    public async Task<byte[]?[]> MultiGetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var results = new byte[]?[keys.Count];
        var byShard = keys.Select((key, index) => (key, index)).GroupBy(k => Shard(k.key));
        await Task.WhenAll(byShard.Select(async group =>
        {
            var values = await new KvStore.P2PCalls(_caller, Reader(group.Key), _subgroup)
                .MultiGetAsync([.. group.Select(g => g.key)], cancellationToken).ConfigureAwait(false);
            var i = 0;
            foreach (var (_, index) in group)
            {
                results[index] = values[i++];
            }
        })).ConfigureAwait(false);
        return results;
    }

    /// <summary>Every key of every shard, in ordinal order.</summary>
    public async Task<string[]> ListKeysAsync(CancellationToken cancellationToken = default)
    {
        var lists = await Task.WhenAll(Enumerable.Range(0, ShardCount()).Select(shard =>
            new KvStore.P2PCalls(_caller, Reader(shard), _subgroup).ListKeysAsync(cancellationToken))).ConfigureAwait(false);
        return [.. lists.SelectMany(l => l).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Trims every shard's history through <paramref name="version"/> (persistent mode; see <see cref="KvStore.Trim"/>);
    /// returns per shard the version its history now starts after.
    /// </summary>
    public async Task<long[]> TrimAsync(long version, CancellationToken cancellationToken = default) =>
        await Task.WhenAll(Enumerable.Range(0, ShardCount()).Select(shard =>
            new KvStore.OrderedCalls(_caller, _subgroup, shard).Trim(version, cancellationToken).GetAgreedAsync())).ConfigureAwait(false);

    /// <summary>The shard of <paramref name="key"/> in the current layout.</summary>
    public int Shard(string key) => KvStore.ShardOf(key, ShardCount());

    private int ShardCount() => Shards().Count;

    private IReadOnlyList<ShardAllocation> Shards()
    {
        var allocation = _allocation() ?? throw new RpcException(RpcError.InadequateView, "the group's view is inadequate for its layout; waiting for members");
        var type = allocation.Types.ToList().FindIndex(t => GroupLayout.NamesMatch(t.TypeName, Subgroup().TypeName));
        return type >= 0 && _subgroup < allocation.Types[type].Subgroups.Count
            ? allocation.Types[type].Subgroups[_subgroup]
            : throw new RpcException(RpcError.NotAMember, $"the layout has no subgroup {Subgroup(_subgroup)}");
    }

    private uint Reader(int shard)
    {
        var members = Shards()[shard].Members;
        return members[(int)((uint)Interlocked.Increment(ref _nextReader) % (uint)members.Count)];
    }
}
