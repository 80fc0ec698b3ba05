using Derecho.Layout;
using Derecho.Membership;
using Derecho.Protocol;

namespace Derecho.Rpc;

/// <summary>Views: the layout recomputed, replicas created and retired, state moved to members joining a shard.</summary>
public sealed partial class ReplicatedGroup
{
    private readonly Lock _stateGate = new();
    private readonly Dictionary<ShardKey, Replica.StateGateWork> _gates = [];
    private readonly Dictionary<(ShardKey Shard, int ViewId, uint Sender), StateAssembly> _assemblies = [];
    private readonly Dictionary<(ShardKey Shard, int ViewId), byte[]> _arrived = [];
    private readonly Dictionary<(ShardKey Shard, int ViewId), HashSet<uint>> _arrivedWithout = [];
    private readonly Queue<(int ViewId, GroupAllocation? Previous, GroupAllocation? Allocation)> _planned = new();

    /// <summary>The view each current replica started in (event loop only): what it delivered since is all the shard delivered.</summary>
    private readonly Dictionary<ShardKey, int> _replicaSince = [];

    /// <summary>Replicas retired (event loop only): one that later returns to the shard waits until they closed their logs.</summary>
    private readonly Dictionary<ShardKey, Task> _closing = [];

    /// <summary>
    /// The layout of a view, as the member installs it (event loop): every shard gets its own multicast, numbered
    /// by <see cref="GroupAllocation.PlanIndex"/>. An inadequate view has no shards.
    /// </summary>
    IReadOnlyList<IReadOnlyList<uint>> IShardPlanner.PlanShards(View view)
    {
        GroupAllocation? allocation;
        try
        {
            CheckRestartQuorum(view);
            allocation = _layout.Allocate(view, _basis);
            _logger.Allocated(view.Id, allocation.ToString());
        }
        catch (InadequateViewException e)
        {
            _logger.Inadequate(view.Id, e.Message);
            allocation = null;
        }
        // One input may install several views (a buffered commit replayed): each waits here for its ViewInstalled.
        _planned.Enqueue((view.Id, _basis, allocation));
        if (allocation is not null)
        {
            _basis = allocation;
        }
        return allocation?.PlanShards() ?? [];
    }

    /// <summary>Whether <paramref name="view"/> would be adequate (event loop; changes nothing): the restart quorum, then the layout.</summary>
    bool IShardPlanner.IsAdequate(View view)
    {
        if (Volatile.Read(ref _restartQuorum) is { } quorum && quorum.Count(id => view.RankOf(id) >= 0) < (quorum.Length / 2) + 1)
        {
            return false;
        }
        try
        {
            _layout.Allocate(view, _basis);
            return true;
        }
        catch (InadequateViewException)
        {
            return false;
        }
    }

    /// <summary>A view was installed (event loop, before any delivery in it).</summary>
    private void OnViewInstalled(View view)
    {
        _view = view;
        RecordView(view);
        var (plannedView, previous, allocation) = _planned.Dequeue();
        while (plannedView != view.Id)
        {
            (plannedView, previous, allocation) = _planned.Count > 0
                ? _planned.Dequeue()
                : throw new InvalidOperationException($"view {view.Id} was installed without a shard plan");
        }
        if (allocation is not null)
        {
            Relayout(view, previous, allocation);
            _allocation = allocation;
            _firstAdequate.TrySetResult();
            _adequate.TrySetResult();
        }
        else
        {
            if (_allocation is not null)
            {
                _adequate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            _allocation = null;
        }
        _calls.OnView(view);
        ForwardAgain(view);
        PushViewToClients();
        _rpcOptions.ViewChanged?.Invoke(view, allocation);
    }

    /// <summary>
    /// Creates a replica for every shard this member newly belongs to (held back until the shard's state arrives
    /// when the shard has members who had it), has every member who had a shard's state send it to the newcomers,
    /// and retires replicas of shards this member left.
    /// </summary>
    private void Relayout(View view, GroupAllocation? previous, GroupAllocation allocation)
    {
        StrikeDepartedSources(view);
        var mine = new HashSet<ShardKey>();
        for (var t = 0; t < allocation.Types.Count; t++)
        {
            var subgroups = allocation.Types[t].Subgroups;
            for (var s = 0; s < subgroups.Count; s++)
            {
                for (var shard = 0; shard < subgroups[s].Count; shard++)
                {
                    var key = new ShardKey(t, s, shard);
                    var members = subgroups[s][shard].Members;
                    var before = previous?.Shard(t, s, shard)?.Members ?? [];
                    // Members that carry the state: in the shard before and after, and not restarted since.
                    var holders = members.Where(m => before.Contains(m) && !view.Joined.Contains(m)).ToList();
                    var newcomers = members.Where(m => !holders.Contains(m)).ToList();
                    if (members.Contains(NodeId))
                    {
                        mine.Add(key);
                        if (!_replicas.ContainsKey(key) || newcomers.Contains(NodeId))
                        {
                            StartReplica(key, view, holders, members);
                        }
                        else
                        {
                            ContinueReconciling(key, view, members);
                        }
                    }
                    if (holders.Contains(NodeId) && newcomers.Count > 0 && _replicas.TryGetValue(key, out var replica))
                    {
                        var viewId = view.Id;
                        replica.Enqueue(new Replica.ActionWork(r => SendState(r, viewId, newcomers)));
                    }
                }
            }
        }
        foreach (var (key, replica) in _replicas)
        {
            if (!mine.Contains(key))
            {
                AbandonGate(key);
                replica.Close();
                _replicas.TryRemove(key, out _);
                _replicaSince.Remove(key);
                lock (_stateGate)
                {
                    _restartedAt.Remove(key);
                }
                _closing[key] = replica.Completion;
            }
        }
    }

    private void StartReplica(ShardKey key, View view, List<uint> holders, IReadOnlyList<uint> members)
    {
        var waitForState = holders.Count > 0;
        var predecessor = _closing.Remove(key, out var closing) ? closing : Task.CompletedTask;
        if (_replicas.TryRemove(key, out var old))
        {
            AbandonGate(key);
            old.Close();
            predecessor = old.Completion;
        }
        var type = _types[_typeByLayout[key.Type]];
        var context = new ReplicaContext(this, key.Type, new SubgroupId(_layout.Types[key.Type].TypeName, key.Subgroup), key.Shard);
        var replica = new Replica(key, type.Create(context), SendDirect, context, predecessor, SendDirectHere);
        _replicaSince[key] = view.Id;
        lock (_stateGate)
        {
            _restartedAt.Remove(key);
        }
        // Persistent replicas that all start from their own logs agree first on whose log the shard goes on from.
        var reconcile = !waitForState && replica.Persistent && members.Count > 1;
        if (reconcile)
        {
            BeginReconciling(replica, view.Id, members);
        }
        if (waitForState || reconcile)
        {
            var gate = new Replica.StateGateWork(view.Id) { Sources = waitForState ? [.. holders] : null };
            replica.Enqueue(gate);
            lock (_stateGate)
            {
                _gates[key] = gate;
                if (_arrived.Remove((key, view.Id), out var state))
                {
                    _gates.Remove(key);
                    gate.State.TrySetResult(state);
                }
                else if (_arrivedWithout.Remove((key, view.Id), out var without))
                {
                    StrikeSources(key, gate, without);
                }
            }
        }
        _replicas[key] = replica;
    }

    /// <summary>Runs on the replica's queue, between the last call of the ending view and the first of the new one.</summary>
    private void SendState(Replica replica, int viewId, List<uint> newcomers)
    {
        var state = replica.CaptureTransfer();
        foreach (var (offset, bytes) in Replica.Chunks(state))
        {
            var chunk = new RpcMessageWriter(RpcKind.StateChunk, 48 + bytes.Length)
                .Subgroup(replica.Key.Type, replica.Key.Subgroup).UInt16(replica.Key.Shard).Int32(viewId)
                .Int64(state.Length).Int64(offset).Rest(bytes.Span).ToMemory();
            foreach (var node in newcomers)
            {
                SendDirect(node, chunk);
            }
        }
    }

    private void OnStateChunk(uint sender, ref RpcMessageReader reader)
    {
        var key = new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16());
        var viewId = reader.Int32();
        var total = reader.Int64();
        var offset = reader.Int64();
        var bytes = reader.Rest();
        if (total < 0 || total > Array.MaxLength || offset < 0 || offset + bytes.Length > total)
        {
            throw new RpcFormatException($"state chunk at {offset} of {bytes.Length} bytes does not fit a state of {total}");
        }
        lock (_stateGate)
        {
            if (!_assemblies.TryGetValue((key, viewId, sender), out var assembly))
            {
                assembly = new StateAssembly(new byte[total]);
                _assemblies[(key, viewId, sender)] = assembly;
            }
            if (assembly.Buffer.Length != total || offset != assembly.Filled)
            {
                _assemblies.Remove((key, viewId, sender));
                throw new RpcFormatException($"state chunk at {offset} out of order (have {assembly.Filled} of {assembly.Buffer.Length})");
            }
            bytes.Span.CopyTo(assembly.Buffer.AsSpan((int)offset));
            assembly.Filled += bytes.Length;
            if (assembly.Filled < total)
            {
                return;
            }
            foreach (var stale in _assemblies.Keys.Where(k => k.Shard == key && k.ViewId <= viewId).ToList())
            {
                _assemblies.Remove(stale);
            }
            if (Replica.StateGateWork.IsLost(assembly.Buffer))
            {
                // The sender holds no state either: one source fewer.
                if (_gates.TryGetValue(key, out var waiting) && waiting.ViewId == viewId)
                {
                    StrikeSources(key, waiting, [sender]);
                }
                else if (!_gates.ContainsKey(key))
                {
                    _arrivedWithout.TryAdd((key, viewId), []);
                    _arrivedWithout[(key, viewId)].Add(sender);
                }
                return;
            }
            _logger.StateReceived(ShardName(key), total, viewId);
            if (_gates.TryGetValue(key, out var gate) && gate.ViewId == viewId)
            {
                _gates.Remove(key);
                gate.State.TrySetResult(assembly.Buffer);
            }
            else if (!_gates.ContainsKey(key))
            {
                // The state overtook the view that asks for it.
                _arrived[(key, viewId)] = assembly.Buffer;
            }
        }
    }

    /// <summary>
    /// A view without some members a replica awaits a state from (event loop, before the view's shards are laid
    /// out): they are struck off, and a replica whose every source is gone has lost its state. It says so to the
    /// members that in turn await its own state, and refuses calls: in ordered mode the shard's state lived only in
    /// the memory of those members, so the replica must not pretend with an empty one (in persistent mode it lives
    /// on in their logs, which a total restart takes back).
    /// </summary>
    private void StrikeDepartedSources(View view)
    {
        lock (_stateGate)
        {
            foreach (var (key, gate) in _gates.ToList())
            {
                if (gate.Sources is { } sources)
                {
                    StrikeSources(key, gate, [.. sources.Where(s => view.RankOf(s) < 0 || view.Joined.Contains(s))]);
                }
            }
        }
    }

    /// <summary>Strikes <paramref name="gone"/> off the gate's sources (under the state lock); none left opens it with the state lost.</summary>
    private void StrikeSources(ShardKey key, Replica.StateGateWork gate, IEnumerable<uint> gone)
    {
        if (gate.Sources is not { } sources)
        {
            return;
        }
        sources.ExceptWith(gone);
        if (sources.Count == 0 && _gates.Remove(key))
        {
            _logger.StateLost(ShardName(key), gate.ViewId);
            gate.State.TrySetResult(Replica.StateGateWork.Lost);
        }
    }

    /// <summary>A replica retired or replaced while it still awaited a state: its queue ends without one (so its successor can start).</summary>
    private void AbandonGate(ShardKey key)
    {
        lock (_stateGate)
        {
            if (_gates.Remove(key, out var gate))
            {
                gate.State.TrySetResult(Replica.StateGateWork.Lost);
            }
        }
    }

    private string ShardName(ShardKey key) =>
        $"{_layout.Types[Math.Min(key.Type, _layout.Types.Count - 1)].TypeName}[{key.Subgroup}] shard {key.Shard}";

    private sealed class StateAssembly(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;

        public long Filled { get; set; }
    }
}
