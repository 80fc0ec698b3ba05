using System.Buffers.Binary;
using Derecho.Layout;
using Derecho.Membership;

namespace Derecho.Rpc;

/// <summary>
/// Restart of persistent shards. When every member of a persistent shard starts it from its own logs (a total
/// restart, or the group's first start), nobody holds the shard's state for the others: each member tells the others
/// the newest version its logs hold, and once all have, the member with the longest log (the lowest node id among
/// equals) keeps its own and sends it to the others, which truncate what they logged that it lacks and take the
/// versions they miss. Until then the replicas run nothing. If a member fails meanwhile, the survivors start over in
/// the next view. Every view is also logged (<see cref="ReplicatedGroupOptions.RestartState"/>), with the ragged trim of
/// the view before it; a restarted group starts above the last one.
/// </summary>
public sealed partial class ReplicatedGroup
{
    private readonly Dictionary<(ShardKey Shard, int ViewId), Dictionary<uint, long>> _summaries = [];
    private readonly Dictionary<ShardKey, Reconciliation> _reconciling = [];

    private uint[]? _restartQuorum;
    private bool _installedAny;

    /// <summary>
    /// Logs the view (event loop, before any delivery in it) with the newest version delivered before it; not while
    /// a restart still awaits its quorum (that view must not become the one a later restart waits for).
    /// </summary>
    private void RecordView(View view)
    {
        if (_restartQuorum is null)
        {
            _rpcOptions.RestartState?.Record(view, Frontiers.GlobalStability);
        }
    }

    /// <summary>
    /// A member that starts the group alone while its restart state names a larger last view is a restart leader:
    /// views stay inadequate (nothing runs, nothing is logged) until they hold a majority of that last view, whose
    /// members' logs together hold every version that was durable everywhere. Joiners learn the requirement with
    /// the layout basis, so every member decides alike.
    /// </summary>
    /// <exception cref="InadequateViewException">The view lacks the quorum.</exception>
    private void CheckRestartQuorum(View view)
    {
        if (!_installedAny)
        {
            _installedAny = true;
            if (view.Count == 1 && _restartQuorum is null && _rpcOptions.RestartState is { LastMemberIds.Count: > 1 } state)
            {
                _restartQuorum = [.. state.LastMemberIds];
            }
        }
        if (_restartQuorum is not { } quorum)
        {
            return;
        }
        var present = quorum.Count(id => view.RankOf(id) >= 0);
        if (present < (quorum.Length / 2) + 1)
        {
            throw new InadequateViewException(view.Id,
                $"restarting: waiting for a majority of the last view's members ({string.Join(',', quorum)}); {present} here");
        }
        _restartQuorum = null;
    }

    /// <summary>What joiners receive with the group's own state transfer: the layout basis and any restart quorum still awaited.</summary>
    private byte[] CaptureGroupState()
    {
        var basis = _basis?.ToBytes() ?? [];
        var quorum = _restartQuorum ?? [];
        var state = new byte[8 + basis.Length + (4 * quorum.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(state, basis.Length);
        basis.CopyTo(state, 4);
        BinaryPrimitives.WriteInt32LittleEndian(state.AsSpan(4 + basis.Length), quorum.Length);
        for (var i = 0; i < quorum.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(state.AsSpan(8 + basis.Length + (4 * i)), quorum[i]);
        }
        return state;
    }

    private void ApplyGroupState(ReadOnlySpan<byte> state)
    {
        if (state.Length < 8)
        {
            return;
        }
        var basisLength = BinaryPrimitives.ReadInt32LittleEndian(state);
        if (basisLength > 0)
        {
            _basis = GroupAllocation.FromBytes(state.Slice(4, basisLength));
        }
        var rest = state[(4 + basisLength)..];
        var count = BinaryPrimitives.ReadInt32LittleEndian(rest);
        var quorum = new uint[count];
        for (var i = 0; i < count; i++)
        {
            quorum[i] = BinaryPrimitives.ReadUInt32LittleEndian(rest[(4 + (4 * i))..]);
        }
        _restartQuorum = count == 0 ? null : quorum;
        _installedAny = true;
    }

    /// <summary>A new replica of a shard without holders: its log summary goes out once its logs are open.</summary>
    private void BeginReconciling(Replica replica, int viewId, IReadOnlyList<uint> members)
    {
        lock (_stateGate)
        {
            _reconciling[replica.Key] = new Reconciliation(viewId, members);
        }
        replica.Enqueue(new Replica.ActionWork(r =>
        {
            Reconciliation? current;
            lock (_stateGate)
            {
                if (!_reconciling.TryGetValue(r.Key, out current))
                {
                    return;
                }
                current.OwnLatest = r.LatestLoggedVersion;
            }
            SendSummary(r.Key, current);
        }));
    }

    /// <summary>
    /// A view change while a shard is still reconciling: if a member of the reconciliation is gone, the survivors
    /// start over among themselves. Members that joined meanwhile take the outcome by state transfer.
    /// </summary>
    private void ContinueReconciling(ShardKey key, View view, IReadOnlyList<uint> members)
    {
        Reconciliation? again;
        lock (_stateGate)
        {
            if (!_reconciling.TryGetValue(key, out var pending) || pending.ViewId >= view.Id || pending.Members.All(members.Contains))
            {
                return;
            }
            again = new Reconciliation(view.Id, [.. pending.Members.Where(members.Contains)]) { OwnLatest = pending.OwnLatest };
            _reconciling[key] = again;
            if (_gates.TryGetValue(key, out var gate))
            {
                gate.ViewId = view.Id;
            }
            if (again.OwnLatest is null)
            {
                return; // the logs are still opening; the summary goes out then
            }
        }
        SendSummary(key, again);
    }

    private void SendSummary(ShardKey key, Reconciliation reconciliation)
    {
        long latest;
        lock (_stateGate)
        {
            latest = reconciliation.OwnLatest ?? Persistence.Versions.None;
        }
        var message = new RpcMessageWriter(RpcKind.LogSummary, 32)
            .Subgroup(key.Type, key.Subgroup).UInt16(key.Shard).Int32(reconciliation.ViewId).Int64(latest).ToMemory();
        foreach (var member in reconciliation.Members.Where(m => m != NodeId))
        {
            SendDirect(member, message);
        }
        Summarized(NodeId, key, reconciliation.ViewId, latest);
    }

    private void OnLogSummary(uint sender, ref RpcMessageReader reader)
    {
        var key = new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16());
        var viewId = reader.Int32();
        var latest = reader.Int64();
        Summarized(sender, key, viewId, latest);
    }

    /// <summary>Records a summary; once every member of the shard's reconciliation sent one, the longest log's owner sends it.</summary>
    private void Summarized(uint sender, ShardKey key, int viewId, long latest)
    {
        List<uint> others;
        lock (_stateGate)
        {
            if (!_summaries.TryGetValue((key, viewId), out var summaries))
            {
                summaries = [];
                _summaries[(key, viewId)] = summaries;
            }
            summaries[sender] = latest;
            if (!_reconciling.TryGetValue(key, out var reconciliation) || reconciliation.ViewId != viewId
                || reconciliation.OwnLatest is null || !reconciliation.Members.All(summaries.ContainsKey))
            {
                return;
            }
            foreach (var stale in _summaries.Keys.Where(k => k.Shard == key && k.ViewId <= viewId).ToList())
            {
                _summaries.Remove(stale);
            }
            _reconciling.Remove(key);
            var longest = reconciliation.Members.OrderByDescending(m => summaries[m]).ThenBy(m => m).First();
            if (longest != NodeId || !_gates.Remove(key, out var gate))
            {
                return; // another member sends its log; the gate opens when it arrives
            }
            others = [.. reconciliation.Members.Where(m => m != NodeId)];
            gate.AfterLoad = replica => SendState(replica, viewId, others);
            gate.State.TrySetResult(Replica.StateGateWork.KeepOwnState);
        }
    }

    /// <summary>A shard reconciling in one view: its members, and this member's newest logged version once known.</summary>
    private sealed class Reconciliation(int viewId, IReadOnlyList<uint> members)
    {
        public int ViewId { get; } = viewId;

        public IReadOnlyList<uint> Members { get; } = members;

        public long? OwnLatest { get; set; }
    }
}
