namespace Derecho.Rpc;

/// <summary>Ordered and P2P calls: making them, running them, replying.</summary>
public sealed partial class ReplicatedGroup
{
    /// <inheritdoc />
    public QueryResults<TResult> Ordered<TResult>(SubgroupId subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments,
        CancellationToken cancellationToken = default) =>
        new(OrderedRawAsync(subgroup, shard, methodId, arguments, null, cancellationToken));

    /// <inheritdoc />
    public async Task<TResult> P2PAsync<TResult>(SubgroupId subgroup, uint node, uint methodId, ReadOnlyMemory<byte> arguments,
        CancellationToken cancellationToken = default) =>
        RpcSerializer.Deserialize<TResult>(await P2PRawAsync(subgroup, node, methodId, arguments, cancellationToken).ConfigureAwait(false));

    /// <summary>An ordered call; <paramref name="deduplicationId"/> (an external client's call) makes it run once however often it is sent.</summary>
    internal async Task<IReadOnlyDictionary<uint, Task<ReadOnlyMemory<byte>>>> OrderedRawAsync(SubgroupId subgroup, int shard, uint methodId,
        ReadOnlyMemory<byte> arguments, CallId? deduplicationId, CancellationToken cancellationToken)
    {
        var type = ResolveType(subgroup);
        var key = new ShardKey(type, subgroup.Index, shard);
        var scope = CallScope.Current;
        if (scope is not null && scope.Shard == key)
        {
            throw new RpcException(RpcError.NotAMember,
                $"a handler of {subgroup} shard {shard} cannot make an ordered call into its own shard: it would wait on itself");
        }
        CallId id;
        var deduplicate = true;
        if (deduplicationId is { } given)
        {
            id = given;
        }
        else if (scope is { Ordered: true })
        {
            id = scope.NextNestedId();
        }
        else
        {
            id = NextCallId();
            deduplicate = false;
        }
        if (_allocation is null)
        {
            await WaitForAdequateViewAsync(cancellationToken).WaitAsync(_rpcOptions.DefaultTimeout, cancellationToken).ConfigureAwait(false);
        }
        var call = new OrderedPendingCall(id);
        _calls.Add(call);
        call.Watch = Watch(call, cancellationToken);
        var message = new RpcMessageWriter(RpcKind.OrderedCall, 32 + arguments.Length)
            .Call(id).Byte(deduplicate ? (byte)1 : (byte)0).Subgroup(type, subgroup.Index).UInt16(shard).UInt32(methodId)
            .Rest(arguments.Span).ToMemory();
        WithGroup(group => _ = group.SendAsync(message, CancellationToken.None).ContinueWith(
            t => _calls.Fail(id, new RpcException(RpcError.Stopped, $"the call could not be sent: {t.Exception?.InnerException?.Message}")),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        return await call.Ordered.ConfigureAwait(false);
    }

    /// <summary>A P2P call to member <paramref name="node"/>.</summary>
    internal async Task<ReadOnlyMemory<byte>> P2PRawAsync(SubgroupId subgroup, uint node, uint methodId, ReadOnlyMemory<byte> arguments,
        CancellationToken cancellationToken)
    {
        var type = ResolveType(subgroup);
        var view = _view ?? throw new RpcException(RpcError.Stopped, "not joined yet");
        if (view.RankOf(node) < 0)
        {
            throw new RpcException(RpcError.NotAMember, $"node {node} is not a member of the group (view {view.Id})");
        }
        var allocation = _allocation;
        var shard = allocation?.ShardOf(type, subgroup.Index, node) ?? -1;
        if (allocation is not null && shard < 0)
        {
            throw new RpcException(RpcError.NotAMember, $"node {node} is not a member of subgroup {subgroup} in view {allocation.ViewId}");
        }
        if (CallScope.Current is { } scope && scope.Shard == new ShardKey(type, subgroup.Index, shard))
        {
            throw new RpcException(RpcError.NotAMember,
                $"a handler of {subgroup} shard {shard} cannot make a P2P call into its own shard: it would wait on a queue that waits on it");
        }
        var id = NextCallId();
        var call = new P2PPendingCall(id, node);
        _calls.Add(call);
        call.Watch = Watch(call, cancellationToken);
        if (node == NodeId)
        {
            RunP2P(id, type, subgroup.Index, methodId, arguments, (callId, reply) => _calls.Reply(callId, NodeId, reply));
        }
        else
        {
            SendDirect(node, new RpcMessageWriter(RpcKind.P2PRequest, 32 + arguments.Length)
                .Call(id).Subgroup(type, subgroup.Index).UInt32(methodId).Rest(arguments.Span).ToMemory());
        }
        return await call.Reply.ConfigureAwait(false);
    }

    private int ResolveType(SubgroupId subgroup)
    {
        var type = LayoutIndex(subgroup.TypeName);
        if (type < 0)
        {
            throw new RpcException(RpcError.NotAMember, $"the layout has no subgroup type {subgroup.TypeName}");
        }
        if (subgroup.Index < 0 || subgroup.Index >= (_allocation?.Types[type].Subgroups.Count ?? int.MaxValue))
        {
            throw new RpcException(RpcError.NotAMember, $"the layout has no subgroup {subgroup}");
        }
        return type;
    }

    /// <summary>
    /// Fails the call when <paramref name="cancellationToken"/> fires, or, when the caller gave none, after
    /// <see cref="ReplicatedGroupOptions.DefaultTimeout"/>.
    /// </summary>
    private IDisposable Watch(PendingCall call, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            return cancellationToken.Register(() => _calls.Fail(call.Id, new OperationCanceledException(cancellationToken)));
        }
        var timeout = _rpcOptions.DefaultTimeout;
        var source = new CancellationTokenSource(timeout);
        source.Token.Register(() => _calls.Fail(call.Id, new RpcException(RpcError.Timeout, $"no reply within {timeout.TotalSeconds:0.#} s")));
        return source;
    }

    private void RunP2P(CallId id, int type, int subgroup, uint methodId, ReadOnlyMemory<byte> arguments, ReplySink reply)
    {
        var allocation = _allocation;
        var shard = allocation?.ShardOf(type, subgroup, NodeId) ?? -1;
        if (allocation is null)
        {
            reply(id, RpcReply.Failed(RpcError.InadequateView, $"view {_view?.Id} is inadequate for the layout"));
        }
        else if (shard < 0 || !_replicas.TryGetValue(new ShardKey(type, subgroup, shard), out var replica))
        {
            var name = type < allocation.Types.Count ? allocation.Types[type].TypeName : $"type {type}";
            reply(id, RpcReply.Failed(RpcError.NotAMember, $"node {NodeId} is not a member of subgroup {name}[{subgroup}] in view {allocation.ViewId}"));
        }
        else
        {
            replica.Enqueue(new Replica.CallWork(id, false, false, methodId, arguments, reply));
        }
    }

    /// <summary>A delivery (event loop): an ordered call runs at its shard's members; its caller learns who will reply.</summary>
    private void OnDelivered(DeliveredMessage message)
    {
        RpcMessageReader reader;
        CallId id;
        bool deduplicate;
        int type, subgroup, shard;
        uint methodId;
        ReadOnlyMemory<byte> arguments;
        try
        {
            reader = new RpcMessageReader(message.Payload);
            if (reader.Kind != RpcKind.OrderedCall)
            {
                return;
            }
            id = reader.Call();
            deduplicate = reader.Byte() != 0;
            type = reader.UInt16();
            subgroup = reader.UInt16();
            shard = reader.UInt16();
            methodId = reader.UInt32();
            arguments = reader.Rest();
        }
        catch (RpcFormatException)
        {
            return; // a raw multicast, not a call
        }
        var allocation = _allocation;
        var members = allocation?.Shard(type, subgroup, shard);
        if (message.Sender == NodeId && _calls.TryGet(id, out var pending) && pending is OrderedPendingCall ordered)
        {
            if (allocation is null)
            {
                _calls.Fail(id, new RpcException(RpcError.InadequateView, $"view {message.ViewId} is inadequate for the layout"));
            }
            else if (members is null)
            {
                _calls.Fail(id, new RpcException(RpcError.NotAMember, $"the layout has no shard {shard} of subgroup {subgroup} of type {type}"));
            }
            else if (ordered.OnDelivered(members.Members, _view!))
            {
                _calls.Remove(id);
            }
        }
        if (members is not null && members.Contains(NodeId) && _replicas.TryGetValue(new ShardKey(type, subgroup, shard), out var replica))
        {
            var caller = message.Sender;
            replica.Enqueue(new Replica.CallWork(id, true, deduplicate, methodId, arguments, (callId, reply) => SendReply(caller, callId, reply)));
        }
    }

    private void SendReply(uint caller, CallId id, RpcReply reply)
    {
        if (caller == NodeId)
        {
            _calls.Reply(id, NodeId, reply);
            return;
        }
        var writer = new RpcMessageWriter(RpcKind.Reply, 32 + reply.Result.Length).Call(id);
        reply.Write(writer);
        SendDirect(caller, writer.ToMemory());
    }

    /// <summary>A direct message (a connection's receive thread).</summary>
    private void OnDirect(DirectPeer peer, ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new RpcMessageReader(payload);
            switch (reader.Kind)
            {
                case RpcKind.P2PRequest:
                {
                    var id = reader.Call();
                    var type = reader.UInt16();
                    var subgroup = reader.UInt16();
                    var methodId = reader.UInt32();
                    RunP2P(id, type, subgroup, methodId, reader.Rest(), (callId, reply) =>
                    {
                        var writer = new RpcMessageWriter(RpcKind.Reply, 32 + reply.Result.Length).Call(callId);
                        reply.Write(writer);
                        SendDirect(peer, writer.ToMemory());
                    });
                    break;
                }
                case RpcKind.Reply:
                {
                    var id = reader.Call();
                    _calls.Reply(id, peer.NodeId, RpcReply.Read(ref reader));
                    break;
                }
                case RpcKind.StateChunk:
                    OnStateChunk(peer.NodeId, ref reader);
                    break;
                default:
                    OnClientMessage(peer, ref reader);
                    break;
            }
        }
        catch (RpcFormatException e)
        {
            _logger.DroppedMessage(peer.ToString(), e.Message);
        }
    }
}
