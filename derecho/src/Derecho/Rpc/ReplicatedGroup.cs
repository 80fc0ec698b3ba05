using System.Collections.Concurrent;
using Derecho.Layout;
using Derecho.Membership;
using Derecho.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Derecho.Rpc;

/// <summary>
/// A member of a group hosting replicated objects laid out in subgroups and shards (Derecho's <c>Group&lt;T…&gt;</c>).
/// At every view the layout is recomputed; this member runs a replica of each shard it belongs to. Each shard has
/// its own totally ordered multicast among its members (<see cref="IShardPlanner"/>): an ordered call travels in
/// its shard's order (a caller outside the shard hands it to a shard member, which multicasts it) and runs at
/// every member of the shard in that order, each member replying directly to the caller; P2P calls go directly
/// to one member. A
/// member joining a shard receives the shard's state before it runs anything. External clients connect to any
/// member (<see cref="External.ExternalClient"/>).
/// </summary>
/// <remarks>
/// Handlers run one at a time per replica, on a queue per replica drained by the group's work lane (or, with
/// <see cref="ReplicatedGroupOptions.RunCallsInline"/>, at once on the thread that brings a call when the replica is
/// idle). A handler
/// may await calls into other shards (the handler then leaves the delivering thread, and the event loop keeps
/// delivering): an ordered handler's nested calls get ids derived from its own (the same at every replica), and
/// the callee runs each once and answers repeats from a cache. A handler that would wait on its own shard's queue
/// is refused with an <see cref="RpcException"/> rather than deadlocking. Handlers must not block a thread.
/// </remarks>
public sealed partial class ReplicatedGroup : IRpcCaller, IShardPlanner, IAsyncDisposable
{
    private readonly GroupLayout _layout;
    private readonly ReplicatedType[] _types;
    private readonly int[] _typeByLayout;
    private readonly ReplicatedGroupOptions _rpcOptions;
    private readonly PendingCallTable _calls = new();
    private readonly ConcurrentDictionary<ShardKey, Replica> _replicas = new();
    private readonly TaskCompletionSource _firstAdequate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ulong _sequenceBase = (ulong)Random.Shared.NextInt64() & 0xFFFF_FFFF_0000_0000UL;
    private readonly ILogger _logger;
    private readonly Lock _startGate = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timeoutSweep;
    private readonly Persistence.HybridLogicalClock _clock;
    private readonly List<ReadOnlyMemory<byte>> _deliveredCalls = [];
    private readonly Dictionary<int, (int ViewId, uint Index)> _callIndexes = [];
    private readonly int _batchBytes;
    private readonly int _fullBatchesInFlight;
    private readonly ReplySink _replyHere;
    private readonly RequestLimits _limits;
    private List<Action<Group>>? _beforeStart = [];
    private Group _group = null!;
    private long _nextSequence;
    private volatile GroupAllocation? _allocation;
    private GroupAllocation? _basis;
    private volatile View? _view;
    private volatile TaskCompletionSource _adequate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ReplicatedGroup(uint nodeId, GroupLayout layout, IReadOnlyList<ReplicatedType> types, ReplicatedGroupOptions rpcOptions,
        Persistence.PersistenceOptions persistence, int batchBytes, int windowSize, RequestLimits limits)
    {
        NodeId = nodeId;
        _limits = limits;
        _replyHere = (id, reply) => _calls.Reply(id, NodeId, reply);
        _batchBytes = batchBytes;
        _fullBatchesInFlight = Math.Max(MaxBatchesInFlight, windowSize);
        PersistenceOptions = persistence;
        _clock = new Persistence.HybridLogicalClock(rpcOptions.Time);
        Frontiers = new Persistence.PersistenceFrontiers(
            (planShard, viewId, deliveries) => WithGroup(g => g.ReportPersisted(planShard, viewId, deliveries)),
            () => _allocation, t => layout.Types[t].TypeName);
        _layout = layout;
        _types = [.. types];
        _rpcOptions = rpcOptions;
        _logger = rpcOptions.LoggerFactory?.CreateLogger<ReplicatedGroup>() ?? NullLogger<ReplicatedGroup>.Instance;
        _time = rpcOptions.Time ?? TimeProvider.System;
        var sweep = rpcOptions.DefaultTimeout / 8 < TimeSpan.FromMilliseconds(250) ? rpcOptions.DefaultTimeout / 8 : TimeSpan.FromMilliseconds(250);
        _timeoutSweep = _time.CreateTimer(_ => SweepTimeouts(), null, sweep, sweep);
        _typeByLayout = new int[layout.Types.Count];
        for (var t = 0; t < layout.Types.Count; t++)
        {
            _typeByLayout[t] = Array.FindIndex(_types, type => GroupLayout.NamesMatch(layout.Types[t].TypeName, type.Name));
            if (_typeByLayout[t] < 0)
            {
                throw new ArgumentException($"the layout names type '{layout.Types[t].TypeName}', which is not among the hosted types ({string.Join(", ", _types.Select(x => x.Name))})");
            }
        }
    }

    /// <summary>This member's node id.</summary>
    public uint NodeId { get; }

    /// <summary>The underlying group (views, raw multicast).</summary>
    public Group Group => _group;

    /// <summary>The current layout's members of every shard, or null while the view is inadequate.</summary>
    public GroupAllocation? Allocation => _allocation;

    /// <summary>The stability and persistence frontiers (Derecho's frontiers, with their awaitables and callbacks).</summary>
    public Persistence.PersistenceFrontiers Frontiers { get; }

    /// <summary>Where persistent replicas keep their logs (<see cref="GroupOptions.Persistence"/>).</summary>
    public Persistence.PersistenceOptions PersistenceOptions { get; }

    /// <summary>The layout.</summary>
    public GroupLayout Layout => _layout;

    /// <summary>
    /// Joins (or starts) the group and hosts <paramref name="types"/> laid out by <paramref name="layout"/>
    /// (null: one subgroup of the first type, one shard of every member). Returns once joined; the first adequate
    /// view may come later (<see cref="WaitForAdequateViewAsync"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The layout names a type not hosted, or the options are invalid.</exception>
    /// <exception cref="Configuration.ConfigurationException">A port cannot be bound; the message names its key.</exception>
    public static async Task<ReplicatedGroup> JoinAsync(GroupOptions options, GroupLayout? layout, IReadOnlyList<ReplicatedType> types,
        ReplicatedGroupOptions? rpcOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(types);
        if (types.Count == 0)
        {
            throw new ArgumentException("host at least one replicated type", nameof(types));
        }
        rpcOptions ??= new ReplicatedGroupOptions();
        var replicated = new ReplicatedGroup(options.LocalId, layout ?? GroupLayout.SingleShard(types[0].Name), types, rpcOptions, options.Persistence, options.MaxSmcPayloadSize, options.WindowSize,
            RequestLimits.Of(options));
        var handlers = new GroupHandlers
        {
            Delivered = replicated.OnDelivered,
            ViewInstalled = replicated.OnViewInstalled,
            DirectReceived = replicated.OnDirect,
            PersistenceAdvanced = advanced => replicated.Frontiers.GloballyPersisted(advanced.Shard, advanced.ViewId, advanced.Frontier),
            StateTransfer = new AllocationTransfer(replicated),
            ShardPlanner = replicated,
            JoinAdmission = new RestartAdmission(replicated),
            LoggerFactory = rpcOptions.LoggerFactory,
            Time = rpcOptions.Time,
        };
        var group = await Group.JoinAsync(options, handlers, cancellationToken).ConfigureAwait(false);
        List<Action<Group>> early;
        lock (replicated._startGate)
        {
            replicated._group = group;
            early = replicated._beforeStart!;
            replicated._beforeStart = null;
        }
        foreach (var send in early)
        {
            send(group);
        }
        _ = replicated._group.Stopped.ContinueWith(
            t => replicated._calls.FailAll(new RpcException(RpcError.Stopped, "this member stopped")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return replicated;
    }

    /// <summary>Completes once a view gives every shard its minimum of members (at once if the current one does).</summary>
    public Task WaitForAdequateViewAsync(CancellationToken cancellationToken = default) =>
        _allocation is not null ? Task.CompletedTask : _adequate.Task.WaitAsync(cancellationToken);

    /// <summary>The id of <typeparamref name="T"/>'s subgroup number <paramref name="index"/>.</summary>
    public static SubgroupId SubgroupOf<T>(int index = 0)
        where T : IReplicated<T> => new(T.ReplicatedTypeName, index);

    /// <summary>The local replica of a shard this member belongs to, or null (tests and state hashes).</summary>
    public T? LocalReplica<T>(int subgroupIndex = 0)
        where T : class, IReplicated<T>
    {
        var type = LayoutIndex(T.ReplicatedTypeName);
        var shard = _allocation?.ShardOf(type, subgroupIndex, NodeId) ?? -1;
        return shard >= 0 && _replicas.TryGetValue(new ShardKey(type, subgroupIndex, shard), out var replica) ? replica.Object as T : null;
    }

    /// <summary>An XxHash64 of the local replica's state in <paramref name="subgroup"/>, or null when this member holds none.</summary>
    /// <remarks>Read it when no calls are running, or it may see a state between two of them.</remarks>
    public ulong? LocalStateHash(SubgroupId subgroup)
    {
        var type = LayoutIndex(subgroup.TypeName);
        var shard = _allocation?.ShardOf(type, subgroup.Index, NodeId) ?? -1;
        return shard >= 0 && _replicas.TryGetValue(new ShardKey(type, subgroup.Index, shard), out var replica) ? replica.StateHash() : null;
    }

    /// <summary>
    /// Waits until every call delivered so far has run at this member's replica of <paramref name="subgroup"/>
    /// (the state is then quiescent if nothing else is sent).
    /// </summary>
    public async Task WaitForReplicaIdleAsync(SubgroupId subgroup, CancellationToken cancellationToken = default)
    {
        var type = LayoutIndex(subgroup.TypeName);
        var shard = _allocation?.ShardOf(type, subgroup.Index, NodeId) ?? -1;
        if (shard < 0 || !_replicas.TryGetValue(new ShardKey(type, subgroup.Index, shard), out var replica))
        {
            return;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        replica.Enqueue(new Replica.ActionWork(_ => done.TrySetResult()));
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the group gracefully.</summary>
    public Task LeaveAsync(CancellationToken cancellationToken = default) => _group.LeaveAsync(cancellationToken);

    /// <summary>Stops at once (to the others, a crash).</summary>
    public async ValueTask DisposeAsync()
    {
        await _timeoutSweep.DisposeAsync().ConfigureAwait(false);
        await _group.DisposeAsync().ConfigureAwait(false);
        _calls.FailAll(new RpcException(RpcError.Stopped, "this member stopped"));
        foreach (var replica in _replicas.Values)
        {
            replica.Close();
        }
    }

    internal int LayoutIndex(string typeName) => _layout.IndexOf(typeName);

    /// <summary>
    /// Runs <paramref name="send"/> with the group: at once, or, while the first view is being installed (replicas
    /// may already reply then), in order once <see cref="Group.JoinAsync(GroupOptions, GroupHandlers, CancellationToken)"/> returned.
    /// </summary>
    private void WithGroup(Action<Group> send)
    {
        if (Volatile.Read(ref _beforeStart) is not null)
        {
            lock (_startGate)
            {
                if (_beforeStart is not null)
                {
                    _beforeStart.Add(send);
                    return;
                }
            }
        }
        send(_group);
    }

    private void SendDirect(uint node, ReadOnlyMemory<byte> message)
    {
        if (message.Length <= _limits.MaxFrameSize)
        {
            WithGroup(g => g.SendDirect(node, message));
            return;
        }
        foreach (var part in FitFrame(node, message))
        {
            WithGroup(g => g.SendDirect(node, part));
        }
    }

    private void SendDirect(DirectPeer peer, ReadOnlyMemory<byte> message) => WithGroup(g => g.SendDirect(peer, message));

    /// <summary>Sends from a thread that holds no lock, running the event loop here when it is free (see <see cref="Group.SendDirectHere"/>).</summary>
    private void SendDirectHere(uint node, ReadOnlyMemory<byte> message)
    {
        if (message.Length > _limits.MaxFrameSize)
        {
            SendDirect(node, message);
            return;
        }
        WithGroup(g => g.SendDirectHere(node, message));
    }

    /// <summary>
    /// A message to member <paramref name="node"/> larger than a member accepts in one frame, which would drop the
    /// connection and get one of the two suspected (replies of a P2P <c>MultiGet</c> of a few large values, say):
    /// a batch of replies goes in parts that fit, and a reply too large on its own becomes a
    /// <see cref="RpcError.TooLarge"/> failure of its call. Anything else is dropped, and logged.
    /// </summary>
    private List<ReadOnlyMemory<byte>> FitFrame(uint node, ReadOnlyMemory<byte> message)
    {
        var reader = new RpcMessageReader(message);
        var parts = new List<ReadOnlyMemory<byte>>();
        if (reader.Kind is not (RpcKind.Reply or RpcKind.Replies))
        {
            _logger.DroppedOversized(node, reader.Kind.ToString(), message.Length, _limits.MaxFrameSize);
            return parts;
        }
        // The encoded size of an entry: its call id (12 bytes), status, length and result or message.
        const int EntryOverhead = 12 + 1 + 4;
        var budget = _limits.MaxFrameSize - 64;
        RpcMessageWriter? batch = null;
        var batchBytes = 0;
        while (!reader.AtEnd)
        {
            var id = reader.Call();
            var reply = RpcReply.Read(ref reader);
            var size = EntryOverhead + reply.Result.Length + (reply.Message?.Length * 3 ?? 0);
            if (size > budget)
            {
                reply = RpcReply.Failed(RpcError.TooLarge,
                    $"the reply is {reply.Result.Length} bytes, more than the {_limits.MaxFrameSize} bytes a member accepts in one message (max(max_payload_size, window_size × (max_smc_payload_size + 64)) + 1 MiB)");
                size = EntryOverhead + 512;
            }
            if (batch is not null && batchBytes + size > budget)
            {
                parts.Add(batch.ToMemory());
                batch = null;
            }
            if (batch is null)
            {
                batch = new RpcMessageWriter(reader.Kind, Math.Min(budget, size + 64));
                batchBytes = 0;
            }
            reply.Write(batch.Call(id));
            batchBytes += size;
            if (reader.Kind == RpcKind.Reply)
            {
                break;
            }
        }
        if (batch is not null)
        {
            parts.Add(batch.ToMemory());
        }
        return parts;
    }

    private CallId NextCallId() => new(NodeId, _sequenceBase | (ulong)Interlocked.Increment(ref _nextSequence));

    /// <summary>The layout allocation travels to joiners with the group's own state transfer, so they lay out views alike.</summary>
    private sealed class AllocationTransfer(ReplicatedGroup group) : IStateTransfer
    {
        public byte[] Capture() => group.CaptureGroupState();

        public void Apply(ReadOnlySpan<byte> state) => group.ApplyGroupState(state);
    }
}

/// <summary>Settings of the RPC layer.</summary>
public sealed record ReplicatedGroupOptions
{
    /// <summary>How long a call made without a cancellation token waits before failing with <see cref="RpcError.Timeout"/>.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Called for every installed view with its layout (null while inadequate), on the group's event loop before
    /// any delivery in the view: keep it short.
    /// </summary>
    public Action<View, GroupAllocation?>? ViewChanged { get; init; }

    /// <summary>
    /// Where every installed view is logged with its ragged trim, for a later restart (persistent shards); nothing
    /// when null.
    /// </summary>
    public Restart.RestartState? RestartState { get; init; }

    /// <summary>Where the group logs; nothing when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock; the system's when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>
    /// Runs a call on the thread that brings it (the event loop delivering an ordered call, a connection's thread
    /// receiving a P2P call) when its replica is idle, instead of handing it to the replica's queue on the thread
    /// pool: one thread wake-up less per delivery. Handlers must then not block (await instead): a handler that
    /// does not complete at once, or one that ran long, moves the replica's later calls to the pool. Persistent
    /// replicas always queue. Off by default: it saved no CPU per put in <c>derecho bench kv</c> (the event loop
    /// then runs the handlers itself, in series with its own work, instead of beside it).
    /// </summary>
    public bool RunCallsInline { get; init; }
}

/// <summary>The RPC layer's log messages.</summary>
internal static partial class RpcLog
{
    [LoggerMessage(100, LogLevel.Warning, "Dropped a malformed RPC message from {Peer}: {Reason}")]
    public static partial void DroppedMessage(this ILogger logger, string peer, string reason);

    [LoggerMessage(107, LogLevel.Error, "Dropped a {Kind} message of {Length} bytes to node {Node}: a member accepts at most {Limit} bytes in one message")]
    public static partial void DroppedOversized(this ILogger logger, uint node, string kind, int length, int limit);

    [LoggerMessage(101, LogLevel.Information, "View {ViewId} is inadequate for the layout; waiting for joins: {Reason}")]
    public static partial void Inadequate(this ILogger logger, int viewId, string reason);

    [LoggerMessage(102, LogLevel.Information, "Layout of view {ViewId}: {Layout}")]
    public static partial void Allocated(this ILogger logger, int viewId, string layout);

    [LoggerMessage(103, LogLevel.Information, "Shard {Shard}: received state of {Bytes} bytes as of view {ViewId}")]
    public static partial void StateReceived(this ILogger logger, string shard, long bytes, int viewId);

    [LoggerMessage(104, LogLevel.Error, "Shard {Shard}: its state is lost: every member that held it failed before transferring it (view {ViewId}); this replica refuses calls")]
    public static partial void StateLost(this ILogger logger, string shard, int viewId);

    [LoggerMessage(105, LogLevel.Warning, "Restart: joiner {Joiner} logged view {ViewId} ({Members}), later than this restart leader's; waiting for a majority of that view instead")]
    public static partial void RestartQuorumRaised(this ILogger logger, uint joiner, int viewId, string members);

    [LoggerMessage(106, LogLevel.Information, "Shard {Shard} restarts from the log of member {Leader} (newest version {Latest}); newest logged trim {Trim}; logs (member:newest version) {Logs}")]
    public static partial void RestartLeaderChosen(this ILogger logger, string shard, uint leader, long latest, string trim, string logs);
}
