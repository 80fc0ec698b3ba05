using System.Buffers.Binary;
using System.Collections.Concurrent;
using Derecho.Membership;

namespace Derecho.Rpc;

/// <summary>
/// Routing ordered calls into their shard's own multicast: a member of the shard multicasts the call itself; any
/// other caller hands it to a member of the shard (picked by the call id), which multicasts it and, once it is
/// delivered, tells the caller which members will reply. A handed-over call whose member leaves before that is
/// handed to another member (it carries a deduplication id, so it runs once).
/// </summary>
public sealed partial class ReplicatedGroup
{
    private const int MaxRouteAttempts = 4;
    private readonly ConcurrentDictionary<CallId, Forwarded> _forwarded = new();

    /// <summary>Multicasts the call in its shard's order, or hands it to a member of the shard.</summary>
    private void RouteOrdered(OrderedCallHeader header, ReadOnlyMemory<byte> message, int attempt)
    {
        var key = header.Shard;
        var allocation = _allocation;
        if (allocation is null && attempt < MaxRouteAttempts)
        {
            // An inadequate view, or one being installed after an inadequate one (a call handed over by a member that
            // installed the new layout first): the call waits for the layout, as a call made meanwhile does.
            _ = RouteOnceAdequateAsync(header, message, attempt);
            return;
        }
        var members = allocation?.Shard(key.Type, key.Subgroup, key.Shard);
        if (members is null || attempt >= MaxRouteAttempts)
        {
            Accepted(header, null, allocation is null
                ? RpcReply.Failed(RpcError.InadequateView, $"view {_view?.Id} is inadequate for the layout")
                : RpcReply.Failed(RpcError.NotAMember, members is null
                    ? $"the layout has no shard {key.Shard} of subgroup {key.Subgroup} of type {key.Type}"
                    : $"the call found no member of its shard to order it after {attempt} attempts"));
            return;
        }
        if (members.Contains(NodeId))
        {
            MulticastOrdered(header, message, attempt, allocation!.PlanIndex(key.Type, key.Subgroup, key.Shard));
            return;
        }
        var target = members.Members[(int)(header.Id.Sequence % (ulong)members.Members.Count)];
        if (header.Caller == NodeId && header.Deduplicate)
        {
            _forwarded[header.Id] = new Forwarded(header, message, target);
        }
        SendDirect(target, message);
    }

    /// <summary>Routes the call once the view is adequate, or fails it after <see cref="ReplicatedGroupOptions.DefaultTimeout"/>.</summary>
    private async Task RouteOnceAdequateAsync(OrderedCallHeader header, ReadOnlyMemory<byte> message, int attempt)
    {
        try
        {
            await WaitForAdequateViewAsync().WaitAsync(_rpcOptions.DefaultTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Accepted(header, null, RpcReply.Failed(RpcError.InadequateView,
                $"view {_view?.Id} is inadequate for the layout (waited {_rpcOptions.DefaultTimeout.TotalSeconds:0.#} s)"));
            return;
        }
        RouteOrdered(header, message, attempt + 1);
    }

    /// <summary>The shard's multicast refused the call (the view changed under it, this member left the shard) or the member stopped.</summary>
    private void OnSendFailed(OrderedCallHeader header, ReadOnlyMemory<byte> message, int attempt, Exception error)
    {
        if (error is InvalidOperationException)
        {
            RouteOrdered(header, message, attempt + 1);
        }
        else
        {
            Accepted(header, null, RpcReply.Failed(RpcError.Stopped, $"the call could not be sent: {error.Message}"));
        }
    }

    /// <summary>
    /// The call was delivered in its shard's order (<paramref name="members"/> will reply) or could not be
    /// (<paramref name="failure"/>): tells the caller, here or remote.
    /// </summary>
    private void Accepted(OrderedCallHeader header, IReadOnlyList<uint>? members, RpcReply failure)
    {
        if (header.Caller == NodeId)
        {
            _forwarded.TryRemove(header.Id, out _);
            if (!_calls.TryGet(header.Id, out var pending) || pending is not OrderedPendingCall ordered)
            {
                return;
            }
            if (members is null)
            {
                _calls.Fail(header.Id, failure.ToException(NodeId));
            }
            else if (ordered.OnDelivered(members, _view!))
            {
                _calls.Remove(header.Id);
            }
            return;
        }
        var writer = new RpcMessageWriter(RpcKind.OrderedAccepted, 32 + (4 * (members?.Count ?? 0))).Call(header.Id);
        if (members is null)
        {
            writer.Byte(0);
            failure.Write(writer);
        }
        else
        {
            writer.Byte(1).Int32(members.Count);
            foreach (var member in members)
            {
                writer.UInt32(member);
            }
        }
        SendDirect(header.Caller, writer.ToMemory());
    }

    /// <summary>A call handed over by a caller outside its shard (a connection's receive thread).</summary>
    private void OnForwarded(ReadOnlyMemory<byte> message)
    {
        if (!OrderedCallHeader.TryRead(message, out var header, out _, out _))
        {
            throw new RpcFormatException("malformed ordered call");
        }
        RouteOrdered(header, message, attempt: 1);
    }

    private void OnAccepted(uint from, ref RpcMessageReader reader)
    {
        var id = reader.Call();
        var header = new OrderedCallHeader(id, true, NodeId, default);
        if (reader.Byte() == 0)
        {
            Accepted(header, null, RpcReply.Read(ref reader));
            return;
        }
        var count = reader.Int32();
        if (count < 0 || count > 4096)
        {
            throw new RpcFormatException($"member count {count} from {from} is out of range");
        }
        var members = new uint[count];
        for (var i = 0; i < count; i++)
        {
            members[i] = reader.UInt32();
        }
        Accepted(header, members, default);
    }

    /// <summary>After a view change: calls handed to a member that left go to another member of their shard.</summary>
    private void ForwardAgain(View view)
    {
        foreach (var (id, forwarded) in _forwarded)
        {
            if (!_calls.TryGet(id, out _))
            {
                _forwarded.TryRemove(id, out _);
            }
            else if (view.RankOf(forwarded.Target) < 0 && _forwarded.TryRemove(id, out _))
            {
                RouteOrdered(forwarded.Header, forwarded.Message, attempt: 1);
            }
        }
    }

    private sealed record Forwarded(OrderedCallHeader Header, ReadOnlyMemory<byte> Message, uint Target);
}

/// <summary>The head of an ordered call message: its id, whether it runs once per id, who gets the replies, its shard.</summary>
internal readonly record struct OrderedCallHeader(CallId Id, bool Deduplicate, uint Caller, ShardKey Shard)
{
    /// <summary>The bytes of an ordered call message before its arguments (see <see cref="Write"/>).</summary>
    public const int Size = 2 + 12 + 1 + 4 + 6 + 4 + Persistence.HlcTimestamp.Size;

    /// <summary>
    /// Writes the call as one <see cref="RpcKind.OrderedCall"/> message into <paramref name="destination"/>
    /// (<see cref="Size"/> + the arguments' length): this header, the method, the caller's time, the arguments.
    /// </summary>
    public void Write(Span<byte> destination, uint methodId, Persistence.HlcTimestamp time, ReadOnlySpan<byte> arguments)
    {
        destination[0] = RpcWire.FormatVersion;
        destination[1] = (byte)RpcKind.OrderedCall;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[2..], Id.Origin);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[6..], Id.Sequence);
        destination[14] = Deduplicate ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[15..], Caller);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[19..], checked((ushort)Shard.Type));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[21..], checked((ushort)Shard.Subgroup));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[23..], checked((ushort)Shard.Shard));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[25..], methodId);
        time.Write(destination[29..]);
        arguments.CopyTo(destination[Size..]);
    }

    /// <summary>Reads an ordered call; false when the bytes are not one (a raw multicast).</summary>
    public static bool TryRead(ReadOnlyMemory<byte> message, out OrderedCallHeader header, out uint methodId, out ReadOnlyMemory<byte> arguments)
    {
        try
        {
            var reader = new RpcMessageReader(message);
            if (reader.Kind == RpcKind.OrderedCall)
            {
                header = new OrderedCallHeader(reader.Call(), reader.Byte() != 0, reader.UInt32(), new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16()));
                methodId = reader.UInt32();
                arguments = reader.Rest();
                return true;
            }
        }
        catch (RpcFormatException)
        {
        }
        header = default;
        methodId = 0;
        arguments = default;
        return false;
    }
}
