using System.Buffers.Binary;
using Derecho.Layout;
using Derecho.Membership;
using Derecho.Persistence;
using Derecho.Protocol;
using Derecho.Restart;

namespace Derecho.Rpc;

/// <summary>
/// Restart of persistent shards. Every view is logged (<see cref="ReplicatedGroupOptions.RestartState"/>) before
/// anything is delivered in it, with the ragged trim of each persistent shard this member was in during the view
/// that ended; a restarted group starts above the last one. When every member of a persistent shard starts it from
/// its own logs (a total restart, or the group's first start), nobody holds the shard's state for the others: each
/// member tells the others what its logs hold and its last logged trim of the shard
/// (<see cref="ShardLogSummary"/>), and once all have, every member applies <see cref="RestartRule"/> alike: the
/// longest log consistent with the logged trims leads; its member keeps its own and sends it to the others,
/// which truncate what they logged that it lacks (a failed sender's update beyond a trim among it) and take the
/// versions they miss; every member logs the leader's newest version as the shard's trim before the view. Until then the replicas run nothing. If a member fails meanwhile, the survivors start over in
/// the next view.
/// </summary>
public sealed partial class ReplicatedGroup
{
    private readonly Dictionary<(ShardKey Shard, int ViewId), Dictionary<uint, ShardLogSummary>> _summaries = [];
    private readonly Dictionary<ShardKey, Reconciliation> _reconciling = [];

    /// <summary>Under the state lock: for a current replica that restarted from the members' logs, the newest version of the log it took.</summary>
    private readonly Dictionary<ShardKey, long> _restartedAt = [];

    /// <summary>Marks a whole-group multicast that raises the restart quorum (<see cref="AdmitRestarting"/>).</summary>
    private static readonly byte[] RaiseQuorumMagic = "DRRESTQ1"u8.ToArray();

    private uint[]? _restartQuorum;
    private int _restartViewId = -1;
    private int _raisingTo = -1;
    private bool _installedAny;

    /// <summary>
    /// Whether the group is restarting from logs and has not yet held a majority of the last view logged: until then
    /// nothing runs, and a member that stops (say, the restart leader crashed and the rest lost their majority) may
    /// start over through the restart leaders without losing anything.
    /// </summary>
    public bool RestartPending => Volatile.Read(ref _restartQuorum) is not null;

    /// <summary>
    /// While the group restarts from logs (<see cref="RestartPending"/>): what it waits for, e.g. "a majority of the
    /// members of logged view 2 (0,1,2): 1 of 3 here, 2 needed"; otherwise null.
    /// </summary>
    public string? RestartWaitingFor
    {
        get
        {
            if (Volatile.Read(ref _restartQuorum) is not { } quorum || _view is not { } view)
            {
                return null;
            }
            return $"a majority of the members of logged view {_restartViewId} ({string.Join(',', quorum)}): " +
                   $"{quorum.Count(id => view.RankOf(id) >= 0)} of {quorum.Length} here, {(quorum.Length / 2) + 1} needed";
        }
    }

    /// <summary>
    /// Logs the view (event loop, before any delivery in it, before its layout replaces the replicas) with a ragged
    /// trim for each persistent shard this member was in during the view that ended: the newest version the shard
    /// delivered here since this member's replica of it started (all of the ended view's deliveries, the
    /// ragged-edge cleanup's included, came before this view's installation; the replica was in the shard
    /// throughout, so that is the newest version the shard delivered at all), or, when it delivered nothing since,
    /// the newest version of the log the replica's restart took (its history then ended there); else none. Not
    /// while a restart still awaits its quorum (that view must not become the one a later restart waits for).
    /// </summary>
    private void RecordView(View view)
    {
        if (_restartQuorum is not null || _rpcOptions.RestartState is not { } state)
        {
            return;
        }
        var trims = new List<ShardTrim>();
        foreach (var (key, replica) in _replicas)
        {
            if (!replica.Persistent || !_replicaSince.TryGetValue(key, out var since))
            {
                continue;
            }
            var delivered = Frontiers.GlobalStabilityOf(key.Type, key.Subgroup, key.Shard);
            long restartedAt;
            lock (_stateGate)
            {
                restartedAt = _restartedAt.GetValueOrDefault(key, long.MinValue);
            }
            if (delivered != Versions.None && Versions.ViewOf(delivered) >= since)
            {
                trims.Add(new ShardTrim(key.Type, key.Subgroup, key.Shard, view.Id, delivered));
            }
            else if (restartedAt != long.MinValue)
            {
                trims.Add(new ShardTrim(key.Type, key.Subgroup, key.Shard, view.Id, restartedAt));
            }
        }
        state.Record(view, trims);
    }

    /// <summary>
    /// A member that starts the group alone while its restart state names a larger last view is a restart leader:
    /// views stay inadequate (nothing runs, nothing is logged) until they hold a majority of that last view, whose
    /// members' logs together hold every version that was durable everywhere. A joiner that logged a later view
    /// raises the requirement to a majority of that one before it is admitted (<see cref="AdmitRestarting"/>).
    /// Joiners learn the requirement with the layout basis, so every member decides alike.
    /// </summary>
    /// <exception cref="InadequateViewException">The view lacks the quorum.</exception>
    private void CheckRestartQuorum(View view)
    {
        if (!_installedAny)
        {
            _installedAny = true;
            if (view.Count == 1 && _restartQuorum is null && _rpcOptions.RestartState is { LastMemberIds.Count: > 1 } state)
            {
                _restartViewId = state.LastViewId;
                Volatile.Write(ref _restartQuorum, [.. state.LastMemberIds]);
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
                $"restarting: waiting for a majority of the members of logged view {_restartViewId} ({string.Join(',', quorum)}); {present} here");
        }
        Volatile.Write(ref _restartQuorum, null);
    }

    /// <summary>This member's last logged view, sent with its join requests (empty when it logged none).</summary>
    private ReadOnlyMemory<byte> OwnRestartRecord() => _rpcOptions.RestartState is { LastViewId: >= 0 } state
        ? WriteRestartRecord([], state.LastViewId, state.LastMemberIds)
        : default;

    /// <summary>
    /// The leader's say on a join (event loop). While the group restarts, a joiner that logged a later view than the
    /// one whose majority the group waits for (this leader was down meanwhile, so its own record is stale) is held
    /// back: the leader multicasts the joiner's view to the whole group, and every member, delivering it in the same
    /// view, waits from then on for a majority of that view; only then is the joiner admitted (at its next retry),
    /// so no view is laid out on the stale requirement once the later view is known.
    /// </summary>
    private bool AdmitRestarting(ViewMember joiner, ReadOnlySpan<byte> info)
    {
        if (_restartQuorum is null || !TryReadRestartRecord(info, out var viewId, out var members) || viewId <= _restartViewId)
        {
            return true;
        }
        if (_raisingTo < viewId)
        {
            _raisingTo = viewId;
            _logger.RestartQuorumRaised(joiner.NodeId, viewId, string.Join(',', members));
            var message = WriteRestartRecord(RaiseQuorumMagic, viewId, members);
            WithGroup(group => _ = group.SendAsync(message, CancellationToken.None).ContinueWith(
                t => _raisingTo = -1, // the next request tries again
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        return false;
    }

    /// <summary>A whole-group delivery (event loop): a raised restart quorum.</summary>
    private void OnGroupDelivered(DeliveredMessage message)
    {
        var payload = message.Payload.Span;
        if (!payload.StartsWith(RaiseQuorumMagic) || !TryReadRestartRecord(payload[RaiseQuorumMagic.Length..], out var viewId, out var members)
            || _restartQuorum is null || viewId <= _restartViewId)
        {
            return;
        }
        _restartViewId = viewId;
        Volatile.Write(ref _restartQuorum, members);
    }

    private static byte[] WriteRestartRecord(ReadOnlySpan<byte> prefix, int viewId, IReadOnlyList<uint> members)
    {
        var record = new byte[prefix.Length + 8 + (4 * members.Count)];
        prefix.CopyTo(record);
        var body = record.AsSpan(prefix.Length);
        BinaryPrimitives.WriteInt32LittleEndian(body, viewId);
        BinaryPrimitives.WriteInt32LittleEndian(body[4..], members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body[(8 + (4 * i))..], members[i]);
        }
        return record;
    }

    private static bool TryReadRestartRecord(ReadOnlySpan<byte> record, out int viewId, out uint[] members)
    {
        viewId = -1;
        members = [];
        if (record.Length < 8)
        {
            return false;
        }
        viewId = BinaryPrimitives.ReadInt32LittleEndian(record);
        var count = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
        if (count < 1 || count > (record.Length - 8) / 4 || record.Length != 8 + (4 * count))
        {
            return false;
        }
        members = new uint[count];
        for (var i = 0; i < count; i++)
        {
            members[i] = BinaryPrimitives.ReadUInt32LittleEndian(record[(8 + (4 * i))..]);
        }
        return true;
    }

    /// <summary>What joiners receive with the group's own state transfer: the layout basis and any restart quorum still awaited.</summary>
    private byte[] CaptureGroupState()
    {
        var basis = _basis?.ToBytes() ?? [];
        var state = new byte[4 + basis.Length];
        BinaryPrimitives.WriteInt32LittleEndian(state, basis.Length);
        basis.CopyTo(state, 4);
        return _restartQuorum is { } quorum ? [.. state, .. WriteRestartRecord([], _restartViewId, quorum)] : [.. state, 0, 0, 0, 0, 0, 0, 0, 0];
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
        if (TryReadRestartRecord(state[(4 + basisLength)..], out var viewId, out var quorum))
        {
            _restartViewId = viewId;
            Volatile.Write(ref _restartQuorum, quorum);
        }
        else
        {
            Volatile.Write(ref _restartQuorum, null);
        }
        _installedAny = true;
    }

    /// <summary>The join information and admission of the restart (<see cref="AdmitRestarting"/>).</summary>
    private sealed class RestartAdmission(ReplicatedGroup group) : IJoinAdmission
    {
        private readonly ReadOnlyMemory<byte> _record = group.OwnRestartRecord();

        public ReadOnlyMemory<byte> JoinInfo => _record;

        public bool Admit(ViewMember joiner, ReadOnlySpan<byte> info) => group.AdmitRestarting(joiner, info);

        public bool MayYield => group.RestartPending;
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
                current.Own = ShardLogSummary.Of(NodeId, r.Logs, _rpcOptions.RestartState?.TrimsOf(r.Key.Type, r.Key.Subgroup, r.Key.Shard) ?? []);
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
            again = new Reconciliation(view.Id, [.. pending.Members.Where(members.Contains)]) { Own = pending.Own };
            _reconciling[key] = again;
            if (_gates.TryGetValue(key, out var gate))
            {
                gate.ViewId = view.Id;
            }
            if (again.Own is null)
            {
                return; // the logs are still opening; the summary goes out then
            }
        }
        SendSummary(key, again);
    }

    private void SendSummary(ShardKey key, Reconciliation reconciliation)
    {
        ShardLogSummary own;
        lock (_stateGate)
        {
            own = reconciliation.Own!;
        }
        var message = new RpcMessageWriter(RpcKind.LogSummary, 64 + (12 * own.Trims.Count))
            .Subgroup(key.Type, key.Subgroup).UInt16(key.Shard).Int32(reconciliation.ViewId).Int64(own.Latest).Byte((byte)own.ViewTails.Count);
        foreach (var tail in own.ViewTails)
        {
            message.Int64(tail);
        }
        message.UInt16(own.Trims.Count);
        foreach (var trim in own.Trims)
        {
            message.Int32(trim.ViewId).Int64(trim.Last);
        }
        var bytes = message.ToMemory();
        foreach (var member in reconciliation.Members.Where(m => m != NodeId))
        {
            SendDirect(member, bytes);
        }
        Summarized(key, reconciliation.ViewId, own);
    }

    private void OnLogSummary(uint sender, ref RpcMessageReader reader)
    {
        var key = new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16());
        var viewId = reader.Int32();
        var latest = reader.Int64();
        var tails = new long[reader.Byte()];
        if (tails.Length > ShardLogSummary.TailViews)
        {
            throw new RpcFormatException($"a log summary with {tails.Length} view tails (at most {ShardLogSummary.TailViews})");
        }
        for (var i = 0; i < tails.Length; i++)
        {
            tails[i] = reader.Int64();
        }
        var trims = new ShardTrim[reader.UInt16()];
        for (var i = 0; i < trims.Length; i++)
        {
            trims[i] = new ShardTrim(key.Type, key.Subgroup, key.Shard, reader.Int32(), reader.Int64());
        }
        Summarized(key, viewId, new ShardLogSummary(sender, latest, tails, trims));
    }

    /// <summary>
    /// Records a summary; once every member of the shard's reconciliation sent one, the leader that
    /// <see cref="RestartRule"/> picks sends its log.
    /// </summary>
    private void Summarized(ShardKey key, int viewId, ShardLogSummary summary)
    {
        ShardLogSummary leader;
        Replica.StateGateWork? gate = null;
        lock (_stateGate)
        {
            if (!_summaries.TryGetValue((key, viewId), out var summaries))
            {
                summaries = [];
                _summaries[(key, viewId)] = summaries;
            }
            summaries[summary.NodeId] = summary;
            if (!_reconciling.TryGetValue(key, out var reconciliation) || reconciliation.ViewId != viewId
                || reconciliation.Own is null || !reconciliation.Members.All(summaries.ContainsKey))
            {
                return;
            }
            foreach (var stale in _summaries.Keys.Where(k => k.Shard == key && k.ViewId <= viewId).ToList())
            {
                _summaries.Remove(stale);
            }
            _reconciling.Remove(key);
            var chosen = reconciliation.Members.Select(m => summaries[m]).ToList();
            leader = summaries[RestartRule.ChooseLeader(chosen)];
            _restartedAt[key] = leader.Latest;
            _logger.RestartLeaderChosen(ShardName(key), leader.NodeId, leader.Latest,
                RestartRule.PooledTrims(chosen) is { Count: > 0 } trims ? trims[0].ToString() : "none", string.Join(',', chosen.Select(s => $"{s.NodeId}:{s.Latest}")));
            if (leader.NodeId == NodeId && _gates.Remove(key, out gate))
            {
                List<uint> others = [.. reconciliation.Members.Where(m => m != NodeId)];
                gate.AfterLoad = replica => SendState(replica, viewId, others);
            }
        }
        // The shard's history before this view now ends with the leader's log: logged (before the leader's replica
        // runs anything), so that what a member left out of this restart holds beyond it is excluded at a later one.
        _rpcOptions.RestartState?.AddTrims([new ShardTrim(key.Type, key.Subgroup, key.Shard, viewId, leader.Latest)]);
        // Another member's log leads: the gate opens when it arrives.
        gate?.State.TrySetResult(Replica.StateGateWork.KeepOwnState);
    }

    /// <summary>A shard reconciling in one view: its members, and this member's log summary once its logs opened.</summary>
    private sealed class Reconciliation(int viewId, IReadOnlyList<uint> members)
    {
        public int ViewId { get; } = viewId;

        public IReadOnlyList<uint> Members { get; } = members;

        public ShardLogSummary? Own { get; set; }
    }
}
