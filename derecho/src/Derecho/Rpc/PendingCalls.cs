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

    public Exception ToException(uint node) => Error == RpcError.MemberRemoved
        ? new MemberRemovedException(node)
        : new RpcException(Error!.Value, $"member {node}: {Message}");

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

/// <summary>A call this process made and waits on.</summary>
internal abstract class PendingCall(CallId id)
{
    public CallId Id { get; } = id;

    /// <summary>The cancellation watching the call; disposed when the call leaves the table.</summary>
    public IDisposable? Watch { get; set; }

    /// <summary>The timestamp (of the group's clock) after which the call fails with a timeout; 0 for none.</summary>
    public long Deadline { get; set; }

    /// <summary>A member replied; true once no more replies are expected.</summary>
    public abstract bool OnReply(uint node, RpcReply reply);

    /// <summary>A view was installed: members that left fail their replies; true once no more replies are expected.</summary>
    public abstract bool OnView(View view);

    public abstract void Fail(Exception error);
}

/// <summary>An ordered call: waits for its delivery (which fixes the shard's members), then for each member's reply.</summary>
internal sealed class OrderedPendingCall(CallId id) : PendingCall(id), IOrderedReplies
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> _ordered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allReplied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<uint, TaskCompletionSource<ReadOnlyMemory<byte>>>? _members;
    private List<(uint Node, RpcReply Reply)>? _early;
    private Action? _whenAllReplied;
    private int _remaining;

    public Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> Members => _ordered.Task;

    public Task AllReplied => _allReplied.Task;

    public void WhenAllReplied(Action continuation)
    {
        lock (_gate)
        {
            if (!_allReplied.Task.IsCompleted)
            {
                _whenAllReplied += continuation;
                return;
            }
        }
        continuation();
    }

    /// <summary>The call was delivered; <paramref name="members"/> will reply. True when none will.</summary>
    public bool OnDelivered(IReadOnlyList<uint> members, View view)
    {
        lock (_gate)
        {
            if (_members is not null)
            {
                return _remaining == 0;
            }
            _members = members.ToDictionary(m => m, _ => new TaskCompletionSource<ReadOnlyMemory<byte>>(TaskCreationOptions.RunContinuationsAsynchronously));
            _remaining = _members.Count;
            _ordered.TrySetResult(_members.ToDictionary(p => p.Key, p => p.Value.Task));
            if (_remaining == 0)
            {
                SetAllReplied();
            }
            foreach (var (node, reply) in _early ?? [])
            {
                Complete(node, reply);
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
                (_early ??= []).Add((node, reply));
                return false;
            }
            Complete(node, reply);
            return _remaining == 0;
        }
    }

    public override bool OnView(View view)
    {
        lock (_gate)
        {
            if (_members is null)
            {
                return false;
            }
            foreach (var (node, reply) in _members)
            {
                if (!reply.Task.IsCompleted && view.RankOf(node) < 0)
                {
                    Complete(node, RpcReply.Failed(RpcError.MemberRemoved, ""));
                }
            }
            return _remaining == 0;
        }
    }

    public override void Fail(Exception error)
    {
        lock (_gate)
        {
            _ordered.TrySetException(error);
            foreach (var reply in _members?.Values ?? Enumerable.Empty<TaskCompletionSource<ReadOnlyMemory<byte>>>())
            {
                if (reply.TrySetException(error))
                {
                    _remaining--;
                }
            }
            SetAllReplied();
        }
    }

    /// <summary>Under the lock: every reply is in (or the call failed).</summary>
    private void SetAllReplied()
    {
        if (_allReplied.TrySetResult())
        {
            _whenAllReplied?.Invoke();
            _whenAllReplied = null;
        }
    }

    private void Complete(uint node, RpcReply reply)
    {
        if (!_members!.TryGetValue(node, out var completion))
        {
            return;
        }
        var done = reply.Error is null ? completion.TrySetResult(reply.Result) : completion.TrySetException(reply.ToException(node));
        if (done && --_remaining == 0)
        {
            SetAllReplied();
        }
    }
}

/// <summary>A P2P call to one member.</summary>
internal sealed class P2PPendingCall(CallId id, uint target) : PendingCall(id)
{
    private readonly TaskCompletionSource<ReadOnlyMemory<byte>> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ReadOnlyMemory<byte>> Reply => _reply.Task;

    public override bool OnReply(uint node, RpcReply reply)
    {
        if (node == target)
        {
            _ = reply.Error is null ? _reply.TrySetResult(reply.Result) : _reply.TrySetException(reply.ToException(node));
        }
        return _reply.Task.IsCompleted;
    }

    public override bool OnView(View view)
    {
        if (view.RankOf(target) < 0)
        {
            _reply.TrySetException(new MemberRemovedException(target));
        }
        return _reply.Task.IsCompleted;
    }

    public override void Fail(Exception error) => _reply.TrySetException(error);
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
