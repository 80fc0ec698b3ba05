using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Derecho.Kv;
using Derecho.Membership;
using Derecho.Protocol;
using Derecho.Rpc;

namespace Derecho.Tests.Simulation;

/// <summary>
/// The replicated objects of a sharded run, as <see cref="Derecho.Rpc.ReplicatedGroup"/> keeps them, over the real
/// <see cref="Member"/> protocol. Each replica is the key-value sample's real <see cref="KvStore"/> (in memory),
/// driven through its source-generated code: every delivery in a shard's order becomes an ordered <c>Get</c> then
/// <c>Put</c> of one of the shard's keys, encoded by the generated proxy (<see cref="KvStore.OrderedCalls"/>) and run
/// by the generated dispatch (<see cref="IReplicatedObject.InvokeAsync"/>); its reply is the two encoded results. At
/// each view, members that were in the shard before (and did not restart) hold the state and snapshot it with the
/// store's own <see cref="IReplicatedState.WriteState"/> between the last delivery of the ending view and the first
/// of the new one (in their replica's queue, as the RPC layer does), and newcomers hold their deliveries until a
/// snapshot arrives, which they load with <see cref="IReplicatedState.ReadState"/>. A newcomer whose every source
/// failed (or says it has no state, being such a newcomer itself) has lost its state and refuses to run anything,
/// as the RPC layer's replica does (<see cref="RpcError.StateLost"/>).
/// Checks: the replies of every put agree across members, every holder's snapshot of a view is the same, no replica
/// still waits at the end, and at the end every member of a shard that has a state holds the same state (compared
/// by hash), with only that shard's keys (listed by a P2P <c>ListKeys</c> through the generated dispatch).
/// </summary>
/// <remarks>
/// The simulation runs the generated proxy, dispatch and state code, not <see cref="Derecho.Rpc.ReplicatedGroup"/>'s
/// own call and dispatch logic: that is not sans-IO. Each of its replicas runs handlers on its own thread-pool loop
/// (a channel read by <c>Task.Run</c>), and it sends replies, forwarded calls and state chunks through the concrete
/// <see cref="Group"/> (TCP transport and event-loop thread), so a simulation cannot schedule it deterministically
/// or put it on a simulated network without a seam between it and the group and a pluggable replica scheduler.
/// </remarks>
internal sealed class ShardReplicas(IShardPlanner planner, Coverage coverage)
{
    private readonly Dictionary<int, View> _views = [];
    private readonly Dictionary<(int Shard, int ViewId), string> _snapshots = [];
    private readonly Dictionary<(int Shard, int ViewId), HashSet<uint>> _lostSnapshots = [];
    private readonly Dictionary<(int Shard, int ViewId), List<Replica>> _waiting = [];
    private readonly Dictionary<string, string> _replies = [];

    private Coverage Coverage => coverage;

    /// <summary>A member installed <paramref name="view"/>: replicas created, retired, snapshotted, or waiting for state.</summary>
    public void OnView(Dictionary<int, Replica> replicas, uint node, View view)
    {
        _views.TryAdd(view.Id, view);
        var plan = planner.PlanShards(view);
        var before = _views.TryGetValue(view.Id - 1, out var previous) ? planner.PlanShards(previous) : [];
        foreach (var shard in replicas.Keys.Where(s => s >= plan.Count || !plan[s].Contains(node)).ToList())
        {
            replicas.Remove(shard);
        }
        foreach (var waiting in replicas.Values.Where(r => r.Waiting))
        {
            waiting.Strike(waiting.Sources.Where(m => view.RankOf(m) < 0 || view.Joined.Contains(m)).ToList());
        }
        for (var shard = 0; shard < plan.Count; shard++)
        {
            if (!plan[shard].Contains(node))
            {
                continue;
            }
            var holders = plan[shard].Where(m => shard < before.Count && before[shard].Contains(m) && !view.Joined.Contains(m)).ToList();
            if (holders.Contains(node) && replicas.TryGetValue(shard, out var replica))
            {
                if (holders.Count < plan[shard].Count)
                {
                    replica.Enqueue(new Step(null, view.Id));
                }
                continue;
            }
            replica = new Replica(this, shard, node);
            replicas[shard] = replica;
            if (holders.Count > 0)
            {
                replica.WaitFor(view.Id, holders);
            }
        }
    }

    /// <summary>A delivery in shard <paramref name="shard"/>'s order at a member.</summary>
    public static void OnDelivery(Dictionary<int, Replica> replicas, uint node, int shard, string key)
    {
        if (!replicas.TryGetValue(shard, out var replica))
        {
            throw new SimulationFailure($"node {node} delivered {key} in shard {shard} without a replica of it");
        }
        replica.Enqueue(new Step(key, 0));
    }

    /// <summary>At the end: no replica waits, and every replica of a shard that has a state holds the same map (replicas that lost it are counted).</summary>
    public void CheckFinal(IEnumerable<(uint Node, Dictionary<int, Replica> Replicas)> members, View view)
    {
        var plan = planner.PlanShards(view);
        for (var shard = 0; shard < plan.Count; shard++)
        {
            var states = new Dictionary<string, uint>();
            foreach (var (node, replicas) in members.Where(m => plan[shard].Contains(m.Node)))
            {
                var replica = replicas.GetValueOrDefault(shard) ?? throw new SimulationFailure($"node {node} has no replica of shard {shard}");
                if (replica.Waiting)
                {
                    throw new SimulationFailure($"node {node} still waits for the state of shard {shard} from {string.Join(',', replica.Sources)}");
                }
                if (replica.Lost)
                {
                    coverage.ShardStatesLost++;
                    continue;
                }
                if (replica.ListKeys(node).FirstOrDefault(k => !k.StartsWith($"s{shard}/", StringComparison.Ordinal)) is { } stray)
                {
                    throw new SimulationFailure($"node {node} holds key {stray} in shard {shard}");
                }
                states.TryAdd(Convert.ToHexString(SHA256.HashData(Convert.FromHexString(replica.Serialize()))), node);
            }
            if (states.Count > 1)
            {
                throw new SimulationFailure($"shard {shard} ends with {states.Count} different states at nodes {string.Join(',', states.Values)}");
            }
        }
    }

    /// <summary>A holder without state (it lost it) snapshots nothing: the replicas waiting on it strike it off.</summary>
    private void SnapshotLost(int shard, int viewId, uint node)
    {
        if (!_lostSnapshots.TryGetValue((shard, viewId), out var nodes))
        {
            _lostSnapshots[(shard, viewId)] = nodes = [];
        }
        nodes.Add(node);
        foreach (var waiting in (_waiting.GetValueOrDefault((shard, viewId)) ?? []).ToList())
        {
            waiting.Strike([node]);
        }
    }

    private void Snapshot(int shard, int viewId, string state)
    {
        if (_snapshots.TryGetValue((shard, viewId), out var earlier))
        {
            if (earlier != state)
            {
                throw new SimulationFailure($"holders of shard {shard} snapshot different states at view {viewId}");
            }
            return;
        }
        _snapshots[(shard, viewId)] = state;
        foreach (var waiting in _waiting.GetValueOrDefault((shard, viewId)) ?? [])
        {
            waiting.Load(state);
        }
        _waiting.Remove((shard, viewId));
    }

    private void Reply(string key, string reply)
    {
        if (_replies.TryGetValue(key, out var first) && first != reply)
        {
            throw new SimulationFailure($"the put {key} was answered '{first}' by one member and '{reply}' by another");
        }
        _replies[key] = reply;
    }

    /// <summary>A delivered put (<see cref="Key"/>) or a snapshot for the joiners of view <see cref="SnapshotView"/>.</summary>
    internal readonly record struct Step(string? Key, int SnapshotView);

    /// <summary>One member's replica of one shard, with the queue that holds steps until its state arrives.</summary>
    internal sealed class Replica(ShardReplicas owner, int shard, uint node)
    {
        private readonly List<Step> _held = [];
        private readonly IReplicatedObject _store = new KvStore(); // in memory: nothing to dispose
        private int _viewId;

        public bool Waiting { get; private set; }

        /// <summary>Every source of its state failed or had none: it runs nothing.</summary>
        public bool Lost { get; private set; }

        /// <summary>The holders whose snapshot a waiting replica may still get.</summary>
        public HashSet<uint> Sources { get; } = [];

        /// <summary>The store's state as its <see cref="IReplicatedState.WriteState"/> writes it, in hex.</summary>
        public string Serialize()
        {
            var buffer = new ArrayBufferWriter<byte>();
            ((IReplicatedState)_store).WriteState(buffer);
            return Convert.ToHexString(buffer.WrittenSpan);
        }

        /// <summary>The store's keys, by a P2P call through the generated proxy and dispatch.</summary>
        public string[] ListKeys(uint node) =>
            RpcSerializer.Deserialize<string[]>(Invoke(CallRecorder.Encode(c => _ = new KvStore.P2PCalls(c, node).ListKeysAsync()), ordered: false));

        public void WaitFor(int viewId, IEnumerable<uint> holders)
        {
            if (owner._snapshots.TryGetValue((shard, viewId), out var state))
            {
                Load(state);
                return;
            }
            Waiting = true;
            _viewId = viewId;
            Sources.UnionWith(holders);
            if (!owner._waiting.TryGetValue((shard, viewId), out var list))
            {
                owner._waiting[(shard, viewId)] = list = [];
            }
            list.Add(this);
            Strike([.. owner._lostSnapshots.GetValueOrDefault((shard, viewId)) ?? []]);
        }

        /// <summary>Sources that failed or have no state; none left: the state is lost.</summary>
        public void Strike(IReadOnlyCollection<uint> gone)
        {
            if (!Waiting)
            {
                return;
            }
            Sources.ExceptWith(gone);
            if (Sources.Count > 0)
            {
                return;
            }
            Waiting = false;
            Lost = true;
            owner._waiting[(shard, _viewId)].Remove(this);
            foreach (var step in _held)
            {
                Run(step);
            }
            _held.Clear();
        }

        public void Enqueue(Step step)
        {
            if (Waiting)
            {
                _held.Add(step);
            }
            else
            {
                Run(step);
            }
        }

        public void Load(string state)
        {
            ((IReplicatedState)_store).ReadState(new ReadOnlySequence<byte>(Convert.FromHexString(state)));
            if (ListKeys(node).Length > 0)
            {
                owner.Coverage.StateTransfers++;
            }
            Waiting = false;
            foreach (var step in _held)
            {
                Run(step);
            }
            _held.Clear();
        }

        private void Run(Step step)
        {
            if (Lost)
            {
                if (step.Key is null)
                {
                    owner.SnapshotLost(shard, step.SnapshotView, node);
                }
                return;
            }
            if (step.Key is null)
            {
                owner.Snapshot(shard, step.SnapshotView, Serialize());
                return;
            }
            var slot = $"s{shard}/k{step.Key.Sum(c => c) % 8}";
            var before = Invoke(CallRecorder.Encode(c => _ = new KvStore.OrderedCalls(c, 0, shard).Get(slot)), ordered: true);
            var added = Invoke(CallRecorder.Encode(c => _ = new KvStore.OrderedCalls(c, 0, shard).Put(slot, Encoding.UTF8.GetBytes(step.Key))), ordered: true);
            owner.Reply(step.Key, Convert.ToHexString(before.Span) + "/" + Convert.ToHexString(added.Span));
        }

        /// <summary>Runs an encoded call through the store's generated dispatch; its handlers are synchronous.</summary>
        private ReadOnlyMemory<byte> Invoke((uint MethodId, byte[] Arguments) call, bool ordered)
        {
            var result = _store.InvokeAsync(call.MethodId, call.Arguments, ordered);
            return result.IsCompletedSuccessfully
#pragma warning disable VSTHRD002 // completed already: nothing is waited for
                ? result.Result
#pragma warning restore VSTHRD002
                : throw new SimulationFailure($"method {call.MethodId:x8} of the store did not complete at once at node {node}");
        }
    }

    /// <summary>An <see cref="IRpcCaller"/> that only records the method id and arguments a generated proxy encodes.</summary>
    private sealed class CallRecorder : IRpcCaller
    {
        private uint _methodId;
        private byte[] _arguments = [];

        public static (uint MethodId, byte[] Arguments) Encode(Action<IRpcCaller> call)
        {
            var recorder = new CallRecorder();
            call(recorder);
            return (recorder._methodId, recorder._arguments);
        }

        public QueryResults<TResult> Ordered<TResult>(SubgroupId subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
        {
            Record(methodId, arguments);
            return new QueryResults<TResult>(new TaskCompletionSource<IOrderedReplies>().Task);
        }

        public Task<TResult> P2PAsync<TResult>(SubgroupId subgroup, uint node, uint methodId, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
        {
            Record(methodId, arguments);
            return Task.FromResult(default(TResult)!);
        }

        private void Record(uint methodId, ReadOnlyMemory<byte> arguments)
        {
            _methodId = methodId;
            _arguments = arguments.ToArray();
        }
    }

}
