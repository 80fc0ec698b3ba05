using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Collections.Concurrent;
using System.Diagnostics;
using Derecho.Persistence;

namespace Derecho.Rpc;

/// <summary>Reads a transferred state, refusing lengths beyond its end.</summary>
internal ref struct SpanCursor(ReadOnlySpan<byte> span)
{
    private readonly ReadOnlySpan<byte> _span = span;
    private int _position;

    public ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _span.Length - _position)
        {
            throw new RpcFormatException($"a transferred state is truncated: {length} bytes wanted at {_position} of {_span.Length}");
        }
        var slice = _span.Slice(_position, length);
        _position += length;
        return slice;
    }

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
}

/// <summary>Identifies one shard: type index in the layout, subgroup index, shard number.</summary>
internal readonly record struct ShardKey(int Type, int Subgroup, int Shard);

/// <summary>Where a reply goes: back to a member or client, or to a call of this process.</summary>
internal delegate void ReplySink(CallId id, RpcReply reply);

/// <summary>
/// The local replica of one shard: its object and a queue of work run one item at a time, so that ordered calls
/// run in the shard's total order and P2P reads see a state between two of them. One thread at a time owns the
/// replica and runs its work: a thread of the <see cref="WorkLane"/> draining the queue, or, when the replica is idle (nothing
/// queued, nothing running), the thread that brings a call (<see cref="RunOrEnqueue"/>: the group's event loop
/// delivering an ordered call, a connection's thread receiving a P2P call), which then runs it at once and saves
/// the hand-over to another thread. A handler that does not complete at once (it awaits, say, a call to another
/// shard, which the event loop keeps delivering) releases that thread: the replica's later work queues behind it
/// and runs on the lane once it completes. Calls that carry a deduplication id run once; repeats get the first
/// reply, also at a member that joined the shard later: the replies remembered travel with the state
/// (<see cref="CaptureTransfer"/>).
/// </summary>
#pragma warning disable CA1001 // The persistence is disposed when the replica closes (CloseNowAsync), not by the owner.
internal sealed class Replica
#pragma warning restore CA1001
{
    private const int DedupCapacity = 65536;
    private const int StateChunkSize = 1 << 20;
    private const int MaxHeldReplies = 64;
    private const int MaxUncommittedCalls = 64;

    /// <summary>How long the replica queues every call after one run at once took longer than <see cref="InlineBudget"/>.</summary>
    private static readonly TimeSpan InlinePause = TimeSpan.FromSeconds(1);

    private readonly Lock _queueGate = new();
    private readonly Queue<Work> _queue = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<uint, ReplySink> _replySinks = new();
    private readonly Dictionary<CallId, RpcReply> _dedup = [];
    private readonly Queue<CallId> _dedupOrder = new();
    private readonly IReplicatedObject _object;
    private readonly Action<uint, ReadOnlyMemory<byte>> _sendReplies;
    private readonly Action<uint, ReadOnlyMemory<byte>> _sendHeldReplies;
    private readonly Dictionary<uint, RpcMessageWriter> _heldReplies = [];
    private readonly Lock _durableGate = new();
    private readonly Dictionary<uint, RpcMessageWriter> _durableReplies = [];
    private readonly ReplicaContext? _context;
    private readonly Task _predecessor;
    private bool _owned = true;
    private bool _closing;
    private long _queueOnlyUntil;
    private int _held;
    private ShardPersistence? _persistence;
    private IReadOnlyList<PersistentLog> _logs = [];
    private Exception? _openFailure;
    private bool _lost;

    /// <param name="key">The shard.</param>
    /// <param name="replicated">The object.</param>
    /// <param name="sendReplies">Sends a batch of replies (<see cref="RpcKind.Replies"/>) to a caller.</param>
    /// <param name="context">The object's context, told the version and time of each ordered call.</param>
    /// <param name="predecessor">The replica of the same shard this one replaces: it starts once that one closed (and its logs with it).</param>
    /// <param name="sendHeldReplies">
    /// Sends the replies held while the queue ran (from the thread that owns the replica, holding no lock);
    /// <paramref name="sendReplies"/> when null.
    /// </param>
    public Replica(ShardKey key, IReplicatedObject replicated, Action<uint, ReadOnlyMemory<byte>> sendReplies, ReplicaContext? context = null, Task? predecessor = null,
        Action<uint, ReadOnlyMemory<byte>>? sendHeldReplies = null)
    {
        Key = key;
        _object = replicated;
        _sendReplies = sendReplies;
        _sendHeldReplies = sendHeldReplies ?? sendReplies;
        _context = context;
        _predecessor = predecessor ?? Task.CompletedTask;
        Persistent = replicated is IPersistentReplica { Persists: true };
        _ = Task.Run(StartAsync);
    }

    public ShardKey Key { get; }

    /// <summary>
    /// How long a call run on the thread that brought it may take (a handler's own time, or the thread's time off
    /// the processor) before the replica queues its calls for <see cref="InlinePause"/>.
    /// </summary>
    public TimeSpan InlineBudget { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The object persists: replies to ordered calls wait until their versions are synced.</summary>
    public bool Persistent { get; }

    /// <summary>The object's logs (on the queue, after they opened; empty for an object in memory).</summary>
    public IReadOnlyList<PersistentLog> Logs => _logs;

    /// <summary>The object (tests compare state through it).</summary>
    public IReplicatedObject Object => _object;

    /// <summary>Completes when the queue is closed and drained.</summary>
    public Task Completion => _closed.Task;

    /// <summary>Queues <paramref name="work"/> behind the replica's other work (dropped once the replica is closed).</summary>
    public void Enqueue(Work work)
    {
        bool drain;
        lock (_queueGate)
        {
            drain = EnqueueLocked(work);
        }
        if (drain)
        {
            ScheduleDrain();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread when the replica is idle, else queues it as
    /// <see cref="Enqueue"/> does. A persistent replica always queues (its idle commit syncs the logs, which is
    /// not for the delivering thread), and so does one that lately ran a call for longer than
    /// <see cref="InlineBudget"/> (for <see cref="InlinePause"/>). <paramref name="endsBatch"/>: no more work follows
    /// at once (the last call of a delivery); the replies held for remote callers then leave.
    /// </summary>
    public void RunOrEnqueue(Work work, bool endsBatch)
    {
        bool inline, drain = false;
        lock (_queueGate)
        {
            inline = !_owned && !_closing && !Persistent && Stopwatch.GetTimestamp() >= _queueOnlyUntil;
            if (inline)
            {
                _owned = true;
            }
            else
            {
                drain = EnqueueLocked(work);
            }
        }
        if (!inline)
        {
            if (drain)
            {
                ScheduleDrain();
            }
            return;
        }
        var started = Stopwatch.GetTimestamp();
        var running = RunSafelyAsync(work);
        if (!running.IsCompletedSuccessfully)
        {
            _ = FinishThenDrainAsync(running);
            return;
        }
        if (Stopwatch.GetElapsedTime(started) > InlineBudget)
        {
            _queueOnlyUntil = Stopwatch.GetTimestamp() + (long)(InlinePause.TotalSeconds * Stopwatch.Frequency);
        }
        AfterWork(endsBatch);
        lock (_queueGate)
        {
            if (_queue.Count == 0 && !_closing)
            {
                _owned = false;
                return;
            }
        }
        ScheduleDrain();
    }

    /// <summary>Ends the replica once the work queued so far ran; later work is dropped.</summary>
    public void Close()
    {
        lock (_queueGate)
        {
            if (_closing)
            {
                return;
            }
            _closing = true;
            if (_owned)
            {
                return;
            }
            _owned = true;
        }
        ScheduleDrain();
    }

    /// <summary>
    /// Where the replies of ordered calls made by member <paramref name="caller"/> go: back to this process's call
    /// table (<paramref name="local"/>), held until the commit that makes them durable (a persistent replica), or
    /// held for a batch (one delegate per caller, made once).
    /// </summary>
    public ReplySink SinkFor(uint caller, uint self, ReplySink local) =>
        caller == self ? local
            : _replySinks.GetOrAdd(caller, static (caller, replica) => replica.Persistent
                ? (id, reply) => replica.ReplyDurably(caller, id, reply)
                : (id, reply) => replica.ReplyTo(caller, id, reply), this);

    /// <summary>
    /// Holds a reply to a remote caller (call it from the thread that owns the replica only): the replies to one
    /// caller leave together in one message once the queue has nothing more to run at once, or when many are held.
    /// </summary>
    public void ReplyTo(uint caller, CallId id, RpcReply reply)
    {
        Hold(_heldReplies, caller, id, reply);
        _held++;
    }

    /// <summary>
    /// Holds a reply of a persistent replica's ordered call, made durable by a commit round (any thread): the
    /// replies to one caller that a round released leave together in one message once the round's continuations ran.
    /// </summary>
    public void ReplyDurably(uint caller, CallId id, RpcReply reply)
    {
        lock (_durableGate)
        {
            Hold(_durableReplies, caller, id, reply);
        }
    }

    /// <summary>The state's bytes (empty when the type keeps none).</summary>
    public byte[] CaptureState()
    {
        if (_object is not IReplicatedState stateful)
        {
            return [];
        }
        var buffer = new ArrayBufferWriter<byte>();
        stateful.WriteState(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// What a member joining the shard receives: the object's state and the remembered replies of deduplicated
    /// calls (oldest first), so that a client's retried call is never run twice, whoever it reaches.
    /// </summary>
    public byte[] CaptureTransfer()
    {
        if (_lost)
        {
            return StateGateWork.Lost;
        }
        var state = CaptureState();
        var buffer = new ArrayBufferWriter<byte>(16 + state.Length);
        WriteInt32(buffer, state.Length);
        buffer.Write(state);
        WriteInt32(buffer, _dedupOrder.Count);
        foreach (var id in _dedupOrder)
        {
            var reply = _dedup[id];
            WriteInt32(buffer, (int)id.Origin);
            WriteInt64(buffer, unchecked((long)id.Sequence));
            buffer.Write([(byte)(reply.Error ?? 0)]);
            var bytes = reply.Error is null ? reply.Result.Span : System.Text.Encoding.UTF8.GetBytes(reply.Message ?? "");
            WriteInt32(buffer, bytes.Length);
            buffer.Write(bytes);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An XxHash64 of the remembered replies (ids and replies, oldest first), to compare replicas.</summary>
    public ulong DeduplicationHash()
    {
        var transfer = CaptureTransfer();
        var stateLength = BinaryPrimitives.ReadInt32LittleEndian(transfer);
        return XxHash64.HashToUInt64(transfer.AsSpan(4 + stateLength));
    }

    /// <summary>An XxHash64 of the state, to compare replicas.</summary>
    public ulong StateHash() => XxHash64.HashToUInt64(CaptureState());

    /// <summary>The state in chunks of at most 1 MB (at least one chunk).</summary>
    public static IEnumerable<(long Offset, ReadOnlyMemory<byte> Bytes)> Chunks(byte[] state)
    {
        var offset = 0;
        do
        {
            var length = Math.Min(StateChunkSize, state.Length - offset);
            yield return (offset, state.AsMemory(offset, length));
            offset += length;
        }
        while (offset < state.Length);
    }

    /// <summary>Opens the logs once the predecessor closed, then runs what queued meanwhile.</summary>
    private async Task StartAsync()
    {
        await _predecessor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Persistent)
        {
            try
            {
                _logs = ((IPersistentReplica)_object).OpenLogs();
                if (_context is { } context)
                {
                    // Automatic trims stay at or below what every member of the shard has logged (see TrimLimit).
                    foreach (var log in _logs)
                    {
                        log.TrimLimit ??= () => context.GlobalPersistence;
                    }
                }
                _persistence = new ShardPersistence(_logs, SendDurableReplies);
            }
#pragma warning disable CA1031 // A log that cannot open fails every call with the reason (the member refuses to serve).
            catch (Exception e)
#pragma warning restore CA1031
            {
                _openFailure = e;
            }
        }
        await DrainAsync().ConfigureAwait(false);
    }

    /// <summary>Runs queued work until none is left (the calling thread owns the replica); closes it when asked to.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            Work? work;
            lock (_queueGate)
            {
                if (!_queue.TryDequeue(out work))
                {
                    if (!_closing)
                    {
                        _owned = false;
                        return;
                    }
                }
            }
            if (work is null)
            {
                await CloseNowAsync().ConfigureAwait(false);
                return;
            }
            await RunSafelyAsync(work).ConfigureAwait(false);
            AfterWork(endsBatch: true);
        }
    }

    private async Task FinishThenDrainAsync(ValueTask running)
    {
        await running.ConfigureAwait(false);
        AfterWork(endsBatch: true);
        await DrainAsync().ConfigureAwait(false);
    }

    private async Task CloseNowAsync()
    {
        try
        {
            if (_persistence is not null)
            {
                await _persistence.DisposeAsync().ConfigureAwait(false);
            }
            (_object as IPersistentReplica)?.Dispose();
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    /// <summary>True when nothing waits in the queue (a thread that owns the replica asks).</summary>
    private bool QueueEmpty()
    {
        lock (_queueGate)
        {
            return _queue.Count == 0;
        }
    }

    /// <summary>Under the gate: queues the work (unless the replica is closing); true when the caller must start a drain.</summary>
    private bool EnqueueLocked(Work work)
    {
        if (_closing)
        {
            return false;
        }
        _queue.Enqueue(work);
        if (_owned)
        {
            return false;
        }
        _owned = true;
        return true;
    }

    private void ScheduleDrain() => WorkLane.Shared.Queue(static replica => _ = replica.DrainAsync(), this);

    /// <summary>Runs one item; a failure goes to its caller, never further.</summary>
    private async ValueTask RunSafelyAsync(Work work)
    {
        try
        {
            if (_openFailure is not null)
            {
                throw new RpcException(RpcError.HandlerFailed, $"the replica's logs cannot be opened: {_openFailure.Message}");
            }
            await RunOneAsync(work).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One bad item must not stop the replica; its caller hears of it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            work.Fail(e);
        }
    }

    /// <summary>
    /// After an item, while the thread still owns the replica: once nothing more waits, commits what the calls
    /// applied (a persistent replica) and sends the held replies (also when many are held).
    /// </summary>
    private void AfterWork(bool endsBatch)
    {
        var idle = endsBatch && QueueEmpty();
        if (idle && _persistence is { Pending: > 0 } persistence)
        {
            persistence.CommitPending();
        }
        if (_held > 0 && (_held >= MaxHeldReplies || idle))
        {
            SendHeldReplies();
        }
    }

    private static void Hold(Dictionary<uint, RpcMessageWriter> held, uint caller, CallId id, RpcReply reply)
    {
        if (!held.TryGetValue(caller, out var writer))
        {
            held[caller] = writer = new RpcMessageWriter(RpcKind.Replies, 256);
        }
        writer.Call(id);
        reply.Write(writer);
    }

    private void SendDurableReplies()
    {
        List<(uint Caller, ReadOnlyMemory<byte> Message)> batches;
        lock (_durableGate)
        {
            if (_durableReplies.Count == 0)
            {
                return;
            }
            batches = [.. _durableReplies.Select(p => (p.Key, p.Value.ToMemory()))];
            _durableReplies.Clear();
        }
        foreach (var (caller, message) in batches)
        {
            _sendReplies(caller, message);
        }
    }

    private void SendHeldReplies()
    {
        foreach (var (caller, writer) in _heldReplies)
        {
            _sendHeldReplies(caller, writer.ToMemory());
        }
        _heldReplies.Clear();
        _held = 0;
    }

    private async ValueTask RunOneAsync(Work work)
    {
        switch (work)
        {
            case CallWork call when _lost:
                call.Complete(RpcReply.Failed(RpcError.StateLost,
                    $"shard {Key.Type}/{Key.Subgroup}/{Key.Shard}: this replica has no state: every member that held it failed before transferring it"));
                break;
            case CallWork call:
                await RunCallAsync(call).ConfigureAwait(false);
                break;
            case StateGateWork gate:
                var transfer = await gate.State.Task.ConfigureAwait(false);
                if (StateGateWork.IsLost(transfer))
                {
                    _lost = true;
                }
                else if (!ReferenceEquals(transfer, StateGateWork.KeepOwnState))
                {
                    LoadTransfer(transfer);
                }
                gate.AfterLoad?.Invoke(this);
                break;
            case ActionWork action:
                action.Run(this);
                break;
        }
    }

    /// <summary>Loads what <see cref="CaptureTransfer"/> wrote.</summary>
    /// <exception cref="RpcFormatException">The bytes are malformed.</exception>
    private void LoadTransfer(byte[] transfer)
    {
        var reader = new SpanCursor(transfer);
        var state = reader.Take(reader.Int32());
        var count = reader.Int32();
        _dedup.Clear();
        _dedupOrder.Clear();
        for (var i = 0; i < count; i++)
        {
            var id = new CallId((uint)reader.Int32(), unchecked((ulong)reader.Int64()));
            var status = reader.Take(1)[0];
            var bytes = reader.Take(reader.Int32());
            var reply = status == 0
                ? RpcReply.Ok(bytes.ToArray())
                : Enum.IsDefined((RpcError)status)
                    ? RpcReply.Failed((RpcError)status, System.Text.Encoding.UTF8.GetString(bytes))
                    : throw new RpcFormatException($"unknown reply status {status} in a transferred state");
            if (_dedup.TryAdd(id, reply))
            {
                _dedupOrder.Enqueue(id);
            }
        }
        if (_object is IReplicatedState stateful)
        {
            stateful.ReadState(new ReadOnlySequence<byte>(state.ToArray()));
        }
    }

    private static void WriteInt32(ArrayBufferWriter<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    private async ValueTask RunCallAsync(CallWork call)
    {
        if (call.Deduplicate && _dedup.TryGetValue(call.Id, out var earlier))
        {
            call.Complete(earlier);
            return;
        }
        RpcReply reply;
        try
        {
            if (call.Ordered && _context is not null)
            {
                _context.Version = call.Version;
                _context.Time = call.Time;
            }
            reply = RpcReply.Ok(await CallScope.RunAsync(this, call, _object).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // A handler's exception is the caller's reply.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reply = RpcReply.From(e);
        }
        if (call.Deduplicate)
        {
            _dedup[call.Id] = reply;
            _dedupOrder.Enqueue(call.Id);
            if (_dedupOrder.Count > DedupCapacity)
            {
                _dedup.Remove(_dedupOrder.Dequeue());
            }
        }
        if (call.Ordered && _persistence is not null)
        {
            // The reply leaves once the call's versions are synced: the caller, hearing every replica, knows the
            // update is durable at all of them. The calls applied one after another (a delivered batch) share a
            // commit: on this thread once nothing more waits to run, or on the worker's when many wait.
            call.DurableReply = reply;
            _persistence.Applied(call);
            if (_persistence.Pending >= MaxUncommittedCalls)
            {
                _persistence.RequestCommit();
            }
            return;
        }
        call.Complete(reply);
    }

    /// <summary>An item of a replica's queue.</summary>
    internal abstract class Work
    {
        public virtual void Fail(Exception error)
        {
        }
    }

    /// <summary>An ordered or P2P call.</summary>
    internal sealed class CallWork(CallId id, bool ordered, bool deduplicate, uint methodId, ReadOnlyMemory<byte> arguments, ReplySink reply) : Work, IPersistedCall
    {
        public CallId Id { get; } = id;

        public bool Ordered { get; } = ordered;

        public bool Deduplicate { get; } = deduplicate;

        public uint MethodId { get; } = methodId;

        public ReadOnlyMemory<byte> Arguments { get; } = arguments;

        public ReplySink Reply { get; } = reply;

        /// <summary>An ordered call's version (see <see cref="ReplicaContext.Version"/>).</summary>
        public long Version { get; init; } = Versions.None;

        /// <summary>An ordered call's time (see <see cref="ReplicaContext.Time"/>).</summary>
        public HlcTimestamp Time { get; init; }

        /// <summary>For a persistent replica: the frontiers told once the call's versions are synced (or never will be).</summary>
        public PersistenceFrontiers? Frontiers { get; init; }

        /// <summary>The call's shard (for <see cref="Frontiers"/>).</summary>
        public ShardKey Shard { get; init; }

        /// <summary>A persistent replica's reply, held until the call's versions are synced.</summary>
        public RpcReply DurableReply { get; set; }

        /// <summary>Replies and, for a persistent replica, reports the call logged.</summary>
        public void Complete(RpcReply reply)
        {
            Reply(Id, reply);
            Frontiers?.Logged(Shard, Version);
        }

        /// <summary>The call's versions are synced (or cannot be): the held reply (or the error) leaves.</summary>
        public void Persisted(Exception? error) => Complete(error is null ? DurableReply : RpcReply.From(error));

        public override void Fail(Exception error) => Complete(RpcReply.From(error));
    }

    /// <summary>Holds the queue until a transferred state arrives, then loads it.</summary>
    internal sealed class StateGateWork(int viewId) : Work
    {
        /// <summary>A state that leaves the replica as it is (it holds the state the others take).</summary>
        public static readonly byte[] KeepOwnState = [];

        /// <summary>
        /// What a replica without state transfers (a state length of -1), and what opens the gate of one whose
        /// every source failed: the replica then refuses every call (<see cref="RpcError.StateLost"/>).
        /// </summary>
        public static readonly byte[] Lost = [0xFF, 0xFF, 0xFF, 0xFF];

        /// <summary>Whether <paramref name="transfer"/> says its sender had no state.</summary>
        public static bool IsLost(ReadOnlySpan<byte> transfer) => transfer.Length == 4 && BinaryPrimitives.ReadInt32LittleEndian(transfer) == -1;

        /// <summary>
        /// The members whose state this gate awaits (null while a persistent shard reconciles its logs instead): a
        /// source that fails, or says it has no state, is struck off; none left means the state is lost.
        /// </summary>
        public HashSet<uint>? Sources { get; set; }

        /// <summary>The view whose state opens the gate (a restart that starts over in a later view moves it).</summary>
        public int ViewId { get; set; } = viewId;

        /// <summary>Runs on the queue right after the state is loaded (or kept), before any later work.</summary>
        public Action<Replica>? AfterLoad { get; set; }

        public TaskCompletionSource<byte[]> State { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Runs code between two calls (capturing the state at a view boundary).</summary>
    internal sealed class ActionWork(Action<Replica> run) : Work
    {
        public void Run(Replica replica) => run(replica);
    }
}

/// <summary>
/// The call a handler is running, flowing with its async context: nested calls made from an ordered handler get
/// ids derived from it (the same at every replica, so the callee runs them once), and calls that would wait on
/// the handler's own queue are refused instead of deadlocking.
/// </summary>
internal sealed class CallScope
{
    private static readonly AsyncLocal<CallScope?> CurrentScope = new();
    private int _nested;

    private CallScope(ShardKey shard, CallId parent, bool ordered)
    {
        Shard = shard;
        Parent = parent;
        Ordered = ordered;
    }

    public static CallScope? Current => CurrentScope.Value;

    public ShardKey Shard { get; }

    public CallId Parent { get; }

    public bool Ordered { get; }

    /// <summary>The id of the next nested call: a hash of the parent's id and the call's position in the handler.</summary>
    public CallId NextNestedId()
    {
        Span<byte> seed = stackalloc byte[16];
        BitConverter.TryWriteBytes(seed, Parent.Origin);
        BitConverter.TryWriteBytes(seed[4..], Parent.Sequence);
        BitConverter.TryWriteBytes(seed[12..], Interlocked.Increment(ref _nested));
        return new CallId(CallId.Derived, XxHash64.HashToUInt64(seed));
    }

    public static async ValueTask<ReadOnlyMemory<byte>> RunAsync(Replica replica, Replica.CallWork call, IReplicatedObject target)
    {
        CurrentScope.Value = new CallScope(replica.Key, call.Id, call.Ordered);
        return await target.InvokeAsync(call.MethodId, call.Arguments, call.Ordered).ConfigureAwait(false);
    }
}
