using System.Collections.Concurrent;

namespace Derecho.Rpc;

/// <summary>External clients: their view, their calls relayed through this member, their notifications.</summary>
public sealed partial class ReplicatedGroup
{
    private readonly ConcurrentDictionary<DirectPeer, ClientSession> _clients = new();
    private readonly ConcurrentDictionary<ShardKey, ConcurrentDictionary<uint, bool>> _relayTargets = new();

    /// <summary>How many of the clients in <see cref="_clients"/> subscribed to each shard.</summary>
    private readonly ConcurrentDictionary<ShardKey, int> _subscribers = new();

    /// <summary>Client replies held on this thread (<see cref="HoldClientReplies"/>), per client.</summary>
    [ThreadStatic]
    private static Dictionary<DirectPeer, RpcMessageWriter>? t_heldClientReplies;

    /// <summary>
    /// Pushes a notification to the subscribed clients of this member, and from the shard's first member to the
    /// members outside the shard whose clients subscribed to it.
    /// </summary>
    internal void Notify(int type, int subgroup, int shard, ReadOnlyMemory<byte> payload)
    {
        var message = new RpcMessageWriter(RpcKind.Notification, 16 + payload.Length).Subgroup(type, subgroup).UInt16(shard).Rest(payload.Span).ToMemory();
        NotifyLocal(new ShardKey(type, subgroup, shard), message);
        if (_allocation?.Shard(type, subgroup, shard) is { } members && members.Members[0] == NodeId
            && _relayTargets.TryGetValue(new ShardKey(type, subgroup, shard), out var targets) && !targets.IsEmpty)
        {
            var relay = new RpcMessageWriter(RpcKind.NotifyRelay, 16 + payload.Length).Subgroup(type, subgroup).UInt16(shard).Rest(payload.Span).ToMemory();
            foreach (var member in targets.Keys)
            {
                if (!members.Contains(member))
                {
                    SendDirect(member, relay);
                }
            }
        }
    }

    /// <summary>Whether a notification of the shard could reach a client now (<see cref="ReplicaContext.HasSubscribers"/>).</summary>
    internal bool NotificationsWanted(int type, int subgroup, int shard)
    {
        var key = new ShardKey(type, subgroup, shard);
        return (_subscribers.TryGetValue(key, out var count) && count > 0) || (_relayTargets.TryGetValue(key, out var targets) && !targets.IsEmpty);
    }

    private void NotifyLocal(ShardKey key, ReadOnlyMemory<byte> message)
    {
        foreach (var (peer, session) in _clients)
        {
            if (peer.IsClosed)
            {
                DropClient(peer);
            }
            else if (session.IsSubscribed(key))
            {
                SendDirect(peer, message);
            }
        }
    }

    private void PushViewToClients()
    {
        if (_clients.IsEmpty)
        {
            return;
        }
        var info = ViewInfo();
        foreach (var peer in _clients.Keys)
        {
            if (peer.IsClosed)
            {
                DropClient(peer);
            }
            else
            {
                SendDirect(peer, info);
            }
        }
    }

    /// <summary>Forgets a client whose connection closed, and its subscriptions.</summary>
    private void DropClient(DirectPeer peer)
    {
        if (_clients.TryRemove(peer, out var session))
        {
            foreach (var key in session.Subscriptions())
            {
                _subscribers.AddOrUpdate(key, 0, static (_, count) => count - 1);
            }
        }
    }

    private ReadOnlyMemory<byte> ViewInfo()
    {
        var view = _view!;
        var writer = new RpcMessageWriter(RpcKind.ViewInfo).Int32(view.Id).Int32(view.Count);
        foreach (var member in view.Members)
        {
            writer.UInt32(member.NodeId).String(member.Endpoint);
        }
        writer.Int32(_layout.Types.Count);
        foreach (var type in _layout.Types)
        {
            writer.String(type.TypeName);
        }
        // Last, so that a client that knows nothing of them reads the rest as before.
        return writer.Bytes(_allocation?.ToBytes() ?? []).Int32(_limits.MaxPayloadSize).Int32(_limits.MaxFrameSize).ToMemory();
    }

    /// <summary>The kinds an external client sends (every other kind comes from members only).</summary>
    private static bool IsClientKind(RpcKind kind) => kind is RpcKind.ClientHello or RpcKind.ClientOrdered or RpcKind.ClientP2P or RpcKind.Subscribe;

    private void OnClientMessage(DirectPeer peer, ref RpcMessageReader reader)
    {
        switch (reader.Kind)
        {
            case RpcKind.ClientHello:
                _clients.TryAdd(peer, new ClientSession());
                if (_view is not null)
                {
                    SendDirect(peer, ViewInfo());
                }
                break;
            case RpcKind.ClientOrdered:
            {
                var id = reader.Call();
                var type = reader.UInt16();
                var subgroup = reader.UInt16();
                var shard = reader.UInt16();
                var methodId = reader.UInt32();
                _ = RelayOrderedAsync(peer, id, type, subgroup, shard, methodId, reader.Rest());
                break;
            }
            case RpcKind.ClientP2P:
            {
                var id = reader.Call();
                var target = reader.UInt32();
                var type = reader.UInt16();
                var subgroup = reader.UInt16();
                var methodId = reader.UInt32();
                _ = RelayP2PAsync(peer, id, target, type, subgroup, methodId, reader.Rest());
                break;
            }
            case RpcKind.Subscribe:
            {
                var key = new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16());
                if (_clients.GetOrAdd(peer, _ => new ClientSession()).Subscribe(key))
                {
                    _subscribers.AddOrUpdate(key, 1, static (_, count) => count + 1);
                }
                if (_allocation?.Shard(key.Type, key.Subgroup, key.Shard) is { } members && !members.Contains(NodeId))
                {
                    var wanted = new RpcMessageWriter(RpcKind.NotifyWanted).Subgroup(key.Type, key.Subgroup).UInt16(key.Shard).ToMemory();
                    foreach (var member in members.Members)
                    {
                        SendDirect(member, wanted);
                    }
                }
                break;
            }
            case RpcKind.NotifyWanted:
                _relayTargets.GetOrAdd(new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16()), _ => new()).TryAdd(peer.NodeId, true);
                break;
            case RpcKind.NotifyRelay:
            {
                var key = new ShardKey(reader.UInt16(), reader.UInt16(), reader.UInt16());
                var payload = reader.Rest();
                NotifyLocal(key, new RpcMessageWriter(RpcKind.Notification, 16 + payload.Length).Subgroup(key.Type, key.Subgroup).UInt16(key.Shard).Rest(payload.Span).ToMemory());
                break;
            }
            default:
                throw new RpcFormatException($"a {reader.Kind} message is not for a member");
        }
    }

    /// <summary>
    /// Runs a client's ordered call under the client's own id (so a retry through another member runs it once) and
    /// sends back every reply, from the thread that received the last one.
    /// </summary>
    private async Task RelayOrderedAsync(DirectPeer peer, CallId id, int type, int subgroup, int shard, uint methodId, ReadOnlyMemory<byte> arguments)
    {
        IOrderedReplies call;
        try
        {
            var name = type < _layout.Types.Count ? _layout.Types[type].TypeName : throw new RpcException(RpcError.NotAMember, $"the layout has no subgroup type {type}");
            call = await OrderedRawAsync(new SubgroupId(name, subgroup), shard, methodId, arguments, id, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure is the client's reply.
        catch (Exception e)
#pragma warning restore CA1031
        {
            SendClientReply(peer, id, [(NodeId, RpcReply.From(e))]);
            return;
        }
        call.WhenAllReplied(() => SendClientReply(peer, id, SettledReplies(call)));
    }

    /// <summary>The replies of a call whose replies are all in (or which failed), as they go back to a client.</summary>
    private List<(uint Node, RpcReply Reply)> SettledReplies(IOrderedReplies call)
    {
        IReadOnlyList<MemberReply> settled;
        try
        {
            settled = call.Settled();
        }
#pragma warning disable CA1031 // The call's failure is the client's reply.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return [(NodeId, RpcReply.From(e))];
        }
        return [.. settled.Select(r => (r.Node, r.ToReply()))];
    }

    private async Task RelayP2PAsync(DirectPeer peer, CallId id, uint target, int type, int subgroup, uint methodId, ReadOnlyMemory<byte> arguments)
    {
        RpcReply reply;
        try
        {
            var name = type < _layout.Types.Count ? _layout.Types[type].TypeName : throw new RpcException(RpcError.NotAMember, $"the layout has no subgroup type {type}");
            reply = RpcReply.Ok(await P2PRawAsync(new SubgroupId(name, subgroup), target, methodId, arguments, CancellationToken.None).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // Every failure is the client's reply.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reply = RpcReply.From(e);
        }
        SendClientReply(peer, id, [(target, reply)]);
    }

    /// <summary>
    /// Sends a client the replies of its call: at once, or, while this thread handles a message of many members'
    /// replies (<see cref="HoldClientReplies"/>), with the other calls it completes for the same client in one
    /// <see cref="RpcKind.ClientReplies"/> message.
    /// </summary>
    private void SendClientReply(DirectPeer peer, CallId id, List<(uint Node, RpcReply Reply)> replies)
    {
        RpcMessageWriter writer;
        if (t_heldClientReplies is { } held)
        {
            if (!held.TryGetValue(peer, out var batch))
            {
                held[peer] = batch = new RpcMessageWriter(RpcKind.ClientReplies, 256);
            }
            writer = batch;
        }
        else
        {
            writer = new RpcMessageWriter(RpcKind.ClientReply, 64);
        }
        writer.Call(id).Int32(replies.Count);
        foreach (var (node, reply) in replies)
        {
            writer.UInt32(node);
            reply.Write(writer);
        }
        if (t_heldClientReplies is null)
        {
            SendDirect(peer, writer.ToMemory());
        }
    }

    /// <summary>Holds the client replies this thread completes until <see cref="SendHeldClientReplies"/>; false when already holding.</summary>
    private static bool HoldClientReplies()
    {
        if (t_heldClientReplies is not null)
        {
            return false;
        }
        t_heldClientReplies = [];
        return true;
    }

    /// <summary>Sends the client replies held on this thread, one message per client, and stops holding.</summary>
    private void SendHeldClientReplies()
    {
        var held = t_heldClientReplies!;
        t_heldClientReplies = null;
        foreach (var (peer, writer) in held)
        {
            SendDirect(peer, writer.ToMemory());
        }
    }

    private sealed class ClientSession
    {
        private readonly Lock _gate = new();
        private readonly HashSet<ShardKey> _subscriptions = [];

        /// <summary>Adds a subscription; false when the client had it already.</summary>
        public bool Subscribe(ShardKey key)
        {
            lock (_gate)
            {
                return _subscriptions.Add(key);
            }
        }

        public ShardKey[] Subscriptions()
        {
            lock (_gate)
            {
                return [.. _subscriptions];
            }
        }

        public bool IsSubscribed(ShardKey key)
        {
            lock (_gate)
            {
                return _subscriptions.Contains(key);
            }
        }
    }
}
