using System.Collections.Concurrent;
using Derecho.Membership;

namespace Derecho.Rpc;

/// <summary>A reply as it travels: success with the encoded result, or an error with its message.</summary>
internal readonly record struct RpcReply(RpcError? Error, ReadOnlyMemory<byte> Result, string? Message)
{
    public static RpcReply Ok(ReadOnlyMemory<byte> result) => new(null, result, null);

    public static RpcReply Failed(RpcError error, string message) => new(error, default, message);

    public static RpcReply From(Exception e) => e is RpcException rpc
        ? Failed(rpc.Error, rpc.Message)
        : Failed(RpcError.HandlerFailed, $"{e.GetType().Name}: {e.Message}");

    /// <summary>The reply's error as an exception naming <paramref name="node"/> once (a relayed reply already names it).</summary>
    public Exception ToException(uint node) => Error == RpcError.MemberRemoved
        ? new MemberRemovedException(node)
        : new RpcException(Error!.Value, Message is { } text && text.StartsWith($"member {node}: ", StringComparison.Ordinal) ? text : $"member {node}: {Message}");

    public void Write(RpcMessageWriter writer)
    {
        writer.Byte((byte)(Error ?? 0));
        if (Error is null)
        {
            writer.Bytes(Result.Span);
        }
        else
        {
            writer.String(Message ?? "");
        }
    }

    public static RpcReply Read(ref RpcMessageReader reader)
    {
        var status = reader.Byte();
        if (status == 0)
        {
            return Ok(reader.Bytes());
        }
        if (!Enum.IsDefined((RpcError)status))
        {
            throw new RpcFormatException($"unknown reply status {status}");
        }
        return Failed((RpcError)status, reader.String());
    }
}

/// <summary>
/// A call this process made and waits on. Once settled it is handed to the <see cref="WorkLane"/>
/// (<see cref="SettledCalls"/>), where its awaiters run: never on the thread that brought the reply (an event loop,
/// a connection's thread).
/// </summary>
internal abstract class PendingCall(CallId id) : IThreadPoolWorkItem
{
    public CallId Id { get; } = id;

    /// <summary>The next call settled in the same batch (<see cref="SettledCalls"/>).</summary>
    internal PendingCall? NextSettled { get; set; }

    /// <summary>The cancellation watching the call; disposed when the call leaves the table.</summary>
    public IDisposable? Watch { get; set; }

    /// <summary>The timestamp (of the group's clock) after which the call fails with a timeout; 0 for none.</summary>
    public long Deadline { get; set; }

    /// <summary>A member replied; true once no more replies are expected.</summary>
    public abstract bool OnReply(uint node, RpcReply reply);

    /// <summary>A view was installed: members that left fail their replies; true once no more replies are expected.</summary>
    public abstract bool OnView(View view);

    public abstract void Fail(Exception error);

    /// <summary>Completes what the call's awaiters wait on; they run on this thread (a lane thread).</summary>
    protected abstract void RunAwaiters();

    /// <summary>Completes this call and those settled with it, one after another.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        for (var call = this; call is not null;)
        {
            var next = call.NextSettled;
            call.NextSettled = null;
            call.RunAwaiters();
            call = next;
        }
    }
}

/// <summary>
/// An ordered call: waits for its delivery (which fixes the shard's members), then for each member's reply. The
/// replies are kept in an array; the per-member awaitables of <see cref="Members"/> are made only when asked for,
/// so a caller that waits for all replies at once (<see cref="QueryResults{T}.GetAllAsync"/>) pays one completion.
/// That completion runs its awaiters on the work lane; the calls settled together by one message of replies complete
/// in one work item (<see cref="SettledCalls"/>).
/// </summary>
internal sealed class OrderedPendingCall(CallId id) : PendingCall(id), IOrderedReplies
{
    private readonly Lock _gate = new();

    // Completed only by RunAwaiters, on a lane thread: its awaiters run there, one after another.
    private readonly TaskCompletionSource _allReplied = new();
    private uint[]? _members;
    private MemberReply[]? _replies;
    private Exception? _failure;
    private TaskCompletionSource<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>>? _ordered;
    private Dictionary<uint, TaskCompletionSource<ReadOnlyMemory<byte>>>? _awaitables;
    private List<(uint Node, RpcReply Reply)>? _early;
    private Action? _whenAllReplied;
    private int _remaining;
    private bool _settled;

    public Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> Members
    {
        get
        {
            lock (_gate)
            {
                if (_ordered is null)
                {
                    _ordered = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (_members is not null)
                    {
                        PublishAwaitables();
                    }
                    else if (_failure is not null)
                    {
                        _ordered.TrySetException(_failure);
                    }
                }
                return _ordered.Task;
            }
        }
    }

    public Task AllReplied => _allReplied.Task;

    public void WhenAllReplied(Action continuation)
    {
        lock (_gate)
        {
            if (!_settled)
            {
                _whenAllReplied += continuation;
                return;
            }
        }
        continuation();
    }

    public IReadOnlyList<MemberReply> Settled()
    {
        lock (_gate)
        {
            if (_replies is null)
            {
                throw _failure ?? new InvalidOperationException("the call is not settled yet");
            }
            return _remaining == 0 ? _replies : throw new InvalidOperationException("the call is not settled yet");
        }
    }

    /// <summary>The call was delivered; <paramref name="members"/> will reply. True when none will.</summary>
    public bool OnDelivered(IReadOnlyList<uint> members, View view)
    {
        lock (_gate)
        {
            if (_members is not null || _failure is not null)
            {
                return _remaining == 0;
            }
            _members = [.. members];
            _replies = new MemberReply[_members.Length];
            _remaining = _members.Length;
            if (_ordered is not null)
            {
                PublishAwaitables();
            }
            if (_remaining == 0)
            {
                SetAllReplied();
            }
            foreach (var (node, reply) in _early ?? [])
            {
                Complete(node, reply, null);
            }
            _early = null;
        }
        return OnView(view);
    }

    public override bool OnReply(uint node, RpcReply reply)
    {
        lock (_gate)
        {
            if (_members is null)
            {
                if (_failure is not null)
                {
                    return true;
                }
                (_early ??= []).Add((node, reply));
                return false;
            }
            Complete(node, reply, null);
            return _remaining == 0;
        }
    }

    public override bool OnView(View view)
    {
        lock (_gate)
        {
            if (_members is null)
            {
                return _failure is not null;
            }
            for (var i = 0; i < _members.Length; i++)
            {
                if (!_replies![i].Done && view.RankOf(_members[i]) < 0)
                {
                    Complete(_members[i], RpcReply.Failed(RpcError.MemberRemoved, ""), null);
                }
            }
            return _remaining == 0;
        }
    }

    public override void Fail(Exception error)
    {
        lock (_gate)
        {
            if (_members is null)
            {
                _failure ??= error;
                _ordered?.TrySetException(error);
            }
            else
            {
                foreach (var node in _members)
                {
                    Complete(node, default, error);
                }
            }
            SetAllReplied();
        }
    }

    /// <summary>Under the lock, once the members are known: the per-member awaitables, with the replies already in.</summary>
    private void PublishAwaitables()
    {
        _awaitables = new Dictionary<uint, TaskCompletionSource<ReadOnlyMemory<byte>>>(_members!.Length);
        for (var i = 0; i < _members.Length; i++)
        {
            var awaitable = new TaskCompletionSource<ReadOnlyMemory<byte>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaitables[_members[i]] = awaitable;
            if (_replies![i].Done)
            {
                _replies[i].CompleteIn(awaitable);
            }
        }
        _ordered!.TrySetResult(_awaitables.ToDictionary(p => p.Key, p => p.Value.Task));
    }

    protected override void RunAwaiters() => _allReplied.TrySetResult();

    /// <summary>Under the lock: every reply is in (or the call failed).</summary>
    private void SetAllReplied()
    {
        if (_settled)
        {
            return;
        }
        _settled = true;
        _whenAllReplied?.Invoke();
        _whenAllReplied = null;
        SettledCalls.Add(this);
    }

    /// <summary>Under the lock: <paramref name="node"/>'s reply, or <paramref name="error"/> in its place.</summary>
    private void Complete(uint node, RpcReply reply, Exception? error)
    {
        var index = Array.IndexOf(_members!, node);
        if (index < 0 || _replies![index].Done)
        {
            return;
        }
        _replies[index] = new MemberReply(node, reply, error, Done: true);
        if (_awaitables is not null)
        {
            _replies[index].CompleteIn(_awaitables[node]);
        }
        if (--_remaining == 0)
        {
            SetAllReplied();
        }
    }
}

/// <summary>One member's reply to an ordered call: its reply, or the failure that stands for it (a timeout, a cancellation).</summary>
internal readonly record struct MemberReply(uint Node, RpcReply Reply, Exception? Failure, bool Done = true)
{
    /// <summary>The encoded result; throws the member's error.</summary>
    public ReadOnlyMemory<byte> Result => Failure is not null ? throw Failure
        : Reply.Error is not null ? throw Reply.ToException(Node)
        : Reply.Result;

    /// <summary>The reply as it goes back to an external client.</summary>
    public RpcReply ToReply() => Failure is not null ? RpcReply.From(Failure) : Reply;

    public void CompleteIn(TaskCompletionSource<ReadOnlyMemory<byte>> awaitable) =>
        _ = Failure is not null ? awaitable.TrySetException(Failure)
            : Reply.Error is not null ? awaitable.TrySetException(Reply.ToException(Node))
            : awaitable.TrySetResult(Reply.Result);
}

/// <summary>A P2P call to one member.</summary>
internal sealed class P2PPendingCall(CallId id, uint target) : PendingCall(id)
{
    // Completed only by RunAwaiters, on a lane thread.
    private readonly TaskCompletionSource<ReadOnlyMemory<byte>> _reply = new();
    private ReadOnlyMemory<byte> _result;
    private Exception? _failure;
    private int _settled;

    public Task<ReadOnlyMemory<byte>> Reply => _reply.Task;

    public override bool OnReply(uint node, RpcReply reply)
    {
        if (node == target)
        {
            Settle(reply.Result, reply.Error is null ? null : reply.ToException(node));
        }
        return Volatile.Read(ref _settled) != 0;
    }

    public override bool OnView(View view)
    {
        if (view.RankOf(target) < 0)
        {
            Settle(default, new MemberRemovedException(target));
        }
        return Volatile.Read(ref _settled) != 0;
    }

    public override void Fail(Exception error) => Settle(default, error);

    protected override void RunAwaiters() => _ = _failure is null ? _reply.TrySetResult(_result) : _reply.TrySetException(_failure);

    /// <summary>The first outcome settles the call; later ones are dropped.</summary>
    private void Settle(ReadOnlyMemory<byte> result, Exception? failure)
    {
        if (Interlocked.CompareExchange(ref _settled, 1, 0) == 0)
        {
            _result = result;
            _failure = failure;
            SettledCalls.Add(this);
        }
    }
}

/// <summary>
/// Hands settled calls to the <see cref="WorkLane"/>, where their awaiters run. A thread that handles one message
/// carrying many replies gathers the calls it settles (<see cref="Gather"/> … <see cref="Release"/>) and hands them
/// over as one work item; a call settled elsewhere goes alone.
/// </summary>
internal static class SettledCalls
{
    [ThreadStatic]
    private static bool t_gathering;

    [ThreadStatic]
    private static PendingCall? t_first;

    [ThreadStatic]
    private static PendingCall? t_last;

    /// <summary>Starts gathering on this thread; false when it already gathers (the outer gathering releases).</summary>
    public static bool Gather()
    {
        if (t_gathering)
        {
            return false;
        }
        t_gathering = true;
        return true;
    }

    /// <summary>Hands the calls gathered on this thread to the lane in one work item, and stops gathering.</summary>
    public static void Release()
    {
        var first = t_first;
        t_gathering = false;
        t_first = t_last = null;
        if (first is not null)
        {
            WorkLane.Shared.Queue(first);
        }
    }

    /// <summary>A call settled: into this thread's gathering, or to the lane at once.</summary>
    public static void Add(PendingCall call)
    {
        if (!t_gathering)
        {
            WorkLane.Shared.Queue(call);
        }
        else if (t_last is { } last)
        {
            last.NextSettled = call;
            t_last = call;
        }
        else
        {
            t_first = t_last = call;
        }
    }
}

/// <summary>The calls this process waits on, by id.</summary>
internal sealed class PendingCallTable
{
    private readonly ConcurrentDictionary<CallId, PendingCall> _calls = new();

    public int Count => _calls.Count;

    public void Add(PendingCall call)
    {
        if (!_calls.TryAdd(call.Id, call))
        {
            throw new InvalidOperationException($"call {call.Id} is already waiting for replies");
        }
    }

    /// <summary>
    /// Adds <paramref name="call"/>, or returns the ordered call already waiting under its id: a client's retry of a
    /// call still in flight at this member joins that call and is answered by its replies.
    /// </summary>
    public OrderedPendingCall AddOrJoin(OrderedPendingCall call) =>
        _calls.GetOrAdd(call.Id, call) as OrderedPendingCall
            ?? throw new InvalidOperationException($"call {call.Id} is already waiting for replies as a P2P call");

    public bool TryGet(CallId id, out PendingCall call) => _calls.TryGetValue(id, out call!);

    public void Reply(CallId id, uint node, RpcReply reply)
    {
        if (_calls.TryGetValue(id, out var call) && call.OnReply(node, reply))
        {
            Remove(id);
        }
    }

    public void Remove(CallId id)
    {
        if (_calls.TryRemove(id, out var call))
        {
            call.Watch?.Dispose();
        }
    }

    /// <summary>Fails the call and forgets it.</summary>
    public void Fail(CallId id, Exception error)
    {
        if (_calls.TryGetValue(id, out var call))
        {
            call.Fail(error);
            Remove(id);
        }
    }

    public void OnView(View view)
    {
        foreach (var (id, call) in _calls)
        {
            if (call.OnView(view))
            {
                Remove(id);
            }
        }
    }

    /// <summary>Fails every call whose <see cref="PendingCall.Deadline"/> is before <paramref name="now"/>.</summary>
    public void FailExpired(long now, Func<Exception> error)
    {
        foreach (var (id, call) in _calls)
        {
            if (call.Deadline != 0 && call.Deadline < now)
            {
                Fail(id, error());
            }
        }
    }

    public void FailAll(Exception error)
    {
        foreach (var (id, call) in _calls)
        {
            call.Fail(error);
            Remove(id);
        }
    }
}
