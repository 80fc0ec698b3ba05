namespace Derecho.Rpc;

/// <summary>Ordered and P2P calls: making them, running them, replying.</summary>
public sealed partial class ReplicatedGroup
{
    /// <inheritdoc />
    public QueryResults<TResult> Ordered<TResult>(SubgroupId subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments,
        CancellationToken cancellationToken = default)
    {
        if (_allocation is null)
        {
            return new(OrderedRawAsync(subgroup, shard, methodId, arguments, null, cancellationToken));
        }
        try
        {
            return new(StartOrdered(subgroup, shard, methodId, arguments, null, cancellationToken));
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            return new(Task.FromException<IOrderedReplies>(e));
        }
    }

    /// <inheritdoc />
    public async Task<TResult> P2PAsync<TResult>(SubgroupId subgroup, uint node, uint methodId, ReadOnlyMemory<byte> arguments,
        CancellationToken cancellationToken = default) =>
        RpcSerializer.Deserialize<TResult>(await P2PRawAsync(subgroup, node, methodId, arguments, cancellationToken).ConfigureAwait(false));

    /// <summary>An ordered call (once the view is adequate); <paramref name="deduplicationId"/> (an external client's call) makes it run once however often it is sent.</summary>
    internal async Task<IOrderedReplies> OrderedRawAsync(SubgroupId subgroup, int shard, uint methodId,
        ReadOnlyMemory<byte> arguments, CallId? deduplicationId, CancellationToken cancellationToken)
    {
        if (_allocation is null)
        {
            arguments = arguments.ToArray(); // lent only until this returns (IRpcCaller)
            await WaitForAdequateViewAsync(cancellationToken).WaitAsync(_rpcOptions.DefaultTimeout, cancellationToken).ConfigureAwait(false);
        }
        return StartOrdered(subgroup, shard, methodId, arguments, deduplicationId, cancellationToken);
    }

    /// <summary>Sends an ordered call on its way and returns its pending replies.</summary>
    /// <exception cref="RpcException">No such subgroup, a handler's call into its own shard, or arguments too large to multicast.</exception>
    private OrderedPendingCall StartOrdered(SubgroupId subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments, CallId? deduplicationId,
        CancellationToken cancellationToken)
    {
        _limits.CheckOrdered(arguments.Length);
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
        // A call handed to a member of another shard may have to be handed again (that member failed), so it must
        // run once however often it arrives.
        deduplicate |= _allocation?.Shard(type, subgroup.Index, shard) is { } target && !target.Contains(NodeId);
        var call = new OrderedPendingCall(id);
        if (deduplicationId is null)
        {
            _calls.Add(call);
        }
        else if (_calls.AddOrJoin(call) is var waiting && waiting != call)
        {
            return waiting;
        }
        Watch(call, cancellationToken);
        // The caller's member stamps the call's hybrid logical time once; every replica logs it (ahead of the arguments).
        var header = new OrderedCallHeader(id, deduplicate, NodeId, key);
        var stamp = _clock.Now();
        if (!TryBatchNew(header, methodId, stamp, arguments.Span))
        {
            var message = new byte[OrderedCallHeader.Size + arguments.Length];
            header.Write(message, methodId, stamp, arguments.Span);
            RouteOrdered(header, message, attempt: 0);
        }
        return call;
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
        ReadOnlyMemory<byte> request = default;
        if (node != NodeId)
        {
            request = new RpcMessageWriter(RpcKind.P2PRequest, 32 + arguments.Length)
                .Call(id).Subgroup(type, subgroup.Index).UInt32(methodId).Rest(arguments.Span).ToMemory();
            _limits.CheckMessage(request.Length);
        }
        var call = new P2PPendingCall(id, node);
        _calls.Add(call);
        Watch(call, cancellationToken);
        if (node == NodeId)
        {
            // The arguments are lent only until this returns (IRpcCaller), and the call may wait in the replica's queue.
            RunP2P(id, type, subgroup.Index, methodId, arguments.ToArray(), _replyHere);
        }
        else
        {
            SendDirect(node, request);
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
    /// <see cref="ReplicatedGroupOptions.DefaultTimeout"/> (found by a sweep of the table, not a timer per call).
    /// </summary>
    private void Watch(PendingCall call, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            call.Watch = cancellationToken.Register(() => _calls.Fail(call.Id, new OperationCanceledException(cancellationToken)));
        }
        else
        {
            call.Deadline = _time.GetTimestamp() + (long)(_rpcOptions.DefaultTimeout.TotalSeconds * _time.TimestampFrequency);
        }
    }

    /// <summary>Fails the calls whose default timeout passed (a timer callback, a few times a second).</summary>
    private void SweepTimeouts()
    {
        var timeout = _rpcOptions.DefaultTimeout;
        _calls.FailExpired(_time.GetTimestamp(), () => new RpcException(RpcError.Timeout, $"no reply within {timeout.TotalSeconds:0.#} s"));
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
        else if (_rpcOptions.RunCallsInline)
        {
            replica.RunOrEnqueue(new Replica.CallWork(id, false, false, methodId, arguments, reply), endsBatch: true);
        }
        else
        {
            replica.Enqueue(new Replica.CallWork(id, false, false, methodId, arguments, reply));
        }
    }

    /// <summary>
    /// A delivery in a shard's order (event loop): its ordered calls (one, or a batch) run at the shard's members;
    /// their callers learn who will reply (from the member that multicast them, when a caller is outside the shard).
    /// Each call gets its own version, <c>(view id &lt;&lt; 32) | call index</c>, the calls of the view numbered in
    /// the shard's order: every member of the shard delivers the same multicasts in the same order, so every replica
    /// gives a call the same version.
    /// </summary>
    private void OnDelivered(DeliveredMessage message)
    {
        if (message.Shard < 0)
        {
            OnGroupDelivered(message);
            return;
        }
        var calls = _deliveredCalls;
        if (!TryReadCalls(message.Payload, calls))
        {
            return; // a raw multicast, not a call
        }
        if (calls.Count > 1)
        {
            BatchesDelivered++;
        }
        var first = NextCallIndex(message, calls.Count);
        // This member's own calls that the delivery settles (replies that came before it) wake one lane thread together.
        var gathering = SettledCalls.Gather();
        try
        {
            for (var i = 0; i < calls.Count; i++)
            {
                DeliverCall(message, calls[i], Persistence.Versions.Of(message.ViewId, first + (uint)i), lastOfDelivery: i == calls.Count - 1);
            }
        }
        finally
        {
            if (gathering)
            {
                SettledCalls.Release();
            }
        }
        calls.Clear();
    }

    /// <summary>The index in its view of the first of <paramref name="count"/> calls delivered in a shard (event loop).</summary>
    private uint NextCallIndex(DeliveredMessage message, int count)
    {
        if (!_callIndexes.TryGetValue(message.Shard, out var next) || next.ViewId != message.ViewId)
        {
            next = (message.ViewId, 0);
        }
        _callIndexes[message.Shard] = (message.ViewId, next.Index + (uint)count);
        return next.Index;
    }

    /// <summary>One ordered call of a delivery, with its version.</summary>
    private void DeliverCall(DeliveredMessage message, ReadOnlyMemory<byte> call, long version, bool lastOfDelivery)
    {
        if (!OrderedCallHeader.TryRead(call, out var header, out var methodId, out var stamped) || stamped.Length < Persistence.HlcTimestamp.Size)
        {
            return;
        }
        var time = Persistence.HlcTimestamp.Read(stamped.Span);
        var arguments = stamped[Persistence.HlcTimestamp.Size..];
        _clock.Observe(time);
        var key = header.Shard;
        var allocation = _allocation;
        var members = allocation?.Shard(key.Type, key.Subgroup, key.Shard);
        if (members is null || allocation!.PlanIndex(key.Type, key.Subgroup, key.Shard) != message.Shard)
        {
            if (message.Sender == NodeId)
            {
                Accepted(header, null, allocation is null
                    ? RpcReply.Failed(RpcError.InadequateView, $"view {message.ViewId} is inadequate for the layout")
                    : RpcReply.Failed(RpcError.NotAMember, $"the layout has no shard {key.Shard} of subgroup {key.Subgroup} of type {key.Type} numbered {message.Shard}"));
            }
            return;
        }
        if (message.Sender == NodeId)
        {
            Accepted(header, members.Members, default);
        }
        if (members.Contains(NodeId) && _replicas.TryGetValue(key, out var replica))
        {
            var caller = header.Caller;
            var persistent = replica.Persistent;
            var planShard = message.Shard;
            if (persistent)
            {
                Frontiers.Delivered(key, planShard, version, message.OrderIndex, lastOfDelivery);
            }
            // A persistent replica replies once synced, from the thread that synced: the replies of one commit round
            // leave together (not through the queue's batching, which runs on the replica's queue).
            var work = new Replica.CallWork(header.Id, true, header.Deduplicate, methodId, arguments, replica.SinkFor(caller, NodeId, _replyHere))
            {
                Version = version,
                Time = time,
                Frontiers = persistent ? Frontiers : null,
                Shard = key,
            };
            if (_rpcOptions.RunCallsInline)
            {
                replica.RunOrEnqueue(work, endsBatch: lastOfDelivery);
            }
            else
            {
                replica.Enqueue(work);
            }
        }
    }

    /// <summary>
    /// Fault injection for tests: when this returns true for a message from an external client, the member drops
    /// that client's connection right after the message (<see cref="InjectClientFault"/>).
    /// </summary>
    internal Func<RpcKind, bool>? ClientFault { get; set; }

    /// <summary>
    /// A member that fails right after it answered a client: a <see cref="RpcKind.ClientHello"/> gets the view
    /// straight on the connection (ahead of the close, not behind the event loop); any other message is handled as
    /// usual (a call starts). Then the connection closes.
    /// </summary>
    private void InjectClientFault(DirectPeer peer, ref RpcMessageReader reader)
    {
        var kind = reader.Kind;
        if (kind == RpcKind.ClientHello && _view is not null)
        {
            _clients.TryAdd(peer, new ClientSession());
            peer.Connection.SendNow(Transport.FrameType.Direct, ViewInfo().Span);
        }
        else
        {
            OnClientMessage(peer, ref reader);
        }
        peer.Connection.Close($"fault injected at a client's {kind} message");
    }

    /// <summary>A direct message (a connection's receive thread).</summary>
    private void OnDirect(DirectPeer peer, ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new RpcMessageReader(payload);
            if (!IsClientKind(reader.Kind) && _clients.ContainsKey(peer))
            {
                // A peer that said it is an external client may only call and subscribe: a reply, state chunk or
                // forwarded call from it would be a forgery (or a bug) that could complete other callers' calls.
                peer.Connection.Close($"an external client sent a {reader.Kind} message, which only members send");
                return;
            }
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
                        var message = writer.ToMemory();
                        if (message.Length <= _limits.MaxFrameSize)
                        {
                            SendDirect(peer, message);
                            return;
                        }
                        foreach (var part in FitFrame(peer.NodeId, message))
                        {
                            SendDirect(peer, part);
                        }
                    });
                    break;
                }
                case RpcKind.Reply:
                {
                    var id = reader.Call();
                    _calls.Reply(id, peer.NodeId, RpcReply.Read(ref reader));
                    break;
                }
                case RpcKind.Replies:
                {
                    // Calls relayed for clients that these replies complete answer each client in one message, and
                    // the calls of this process they complete wake one lane thread together.
                    var holding = HoldClientReplies();
                    var gathering = SettledCalls.Gather();
                    try
                    {
                        while (!reader.AtEnd)
                        {
                            var id = reader.Call();
                            _calls.Reply(id, peer.NodeId, RpcReply.Read(ref reader));
                        }
                    }
                    finally
                    {
                        if (gathering)
                        {
                            SettledCalls.Release();
                        }
                        if (holding)
                        {
                            SendHeldClientReplies();
                        }
                    }
                    break;
                }
                case RpcKind.StateChunk:
                    OnStateChunk(peer.NodeId, ref reader);
                    break;
                case RpcKind.LogSummary:
                    OnLogSummary(peer.NodeId, ref reader);
                    break;
                case RpcKind.OrderedCall:
                    OnForwarded(payload);
                    break;
                case RpcKind.OrderedAccepted:
                    OnAccepted(peer.NodeId, ref reader);
                    break;
                default:
                    if (ClientFault?.Invoke(reader.Kind) == true)
                    {
                        InjectClientFault(peer, ref reader);
                        break;
                    }
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
