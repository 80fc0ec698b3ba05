using Derecho.Transport;

namespace Derecho;

/// <summary>
/// The peer a direct message came from: a member or an external client, answered on the same connection with
/// <see cref="Group.SendDirect(DirectPeer, ReadOnlyMemory{byte})"/>.
/// </summary>
public readonly record struct DirectPeer
{
    internal DirectPeer(PeerConnection connection) => Connection = connection;

    /// <summary>The node id the peer gave in its handshake (an external client's is its client id).</summary>
    public uint NodeId => Connection.Remote.NodeId;

    /// <summary>Whether the connection has closed (nothing sent to it arrives).</summary>
    public bool IsClosed => Connection.IsClosed;

    internal PeerConnection Connection { get; }

    /// <inheritdoc />
    public override string ToString() => Connection.ToString();
}

/// <summary>Direct messages: to one member or back to a peer, outside the multicast, in order per destination.</summary>
public sealed partial class Group
{
    /// <summary>
    /// Sends <paramref name="payload"/> to member <paramref name="nodeId"/> of the current view as a direct message
    /// (<see cref="GroupHandlers.DirectReceived"/> there). Dropped when the node is not a member or unreachable; the
    /// caller learns of a failure from the next view.
    /// </summary>
    public void SendDirect(uint nodeId, ReadOnlyMemory<byte> payload) =>
        PostAndRequest(new DirectSendInput(nodeId, null, payload));

    /// <summary>
    /// <see cref="SendDirect(uint, ReadOnlyMemory{byte})"/>, running the event loop on the calling thread when no
    /// other thread runs it, so that the message leaves without waking another thread. Only for callers that hold no
    /// lock the loop's work might need: the loop may deliver messages on this thread before this returns.
    /// </summary>
    internal void SendDirectHere(uint nodeId, ReadOnlyMemory<byte> payload) =>
        PostAndRun(new DirectSendInput(nodeId, null, payload));

    /// <summary>Sends <paramref name="payload"/> back to <paramref name="peer"/> on the connection it came on.</summary>
    public void SendDirect(DirectPeer peer, ReadOnlyMemory<byte> payload) =>
        PostAndRequest(new DirectSendInput(peer.NodeId, peer.Connection, payload));

    private void SendDirectNow(DirectSendInput direct)
    {
        if (direct.Connection is { } connection)
        {
            if (!connection.IsClosed)
            {
                connection.Send(FrameType.Direct, direct.Payload.Span);
                _dirty.Add(connection);
            }
            return;
        }
        if (_member.View is { } view && view.RankOf(direct.To) is var rank and >= 0)
        {
            SendToPeer(new Protocol.SendToPeer(direct.To, view.Members[rank].Endpoint, direct.Payload), FrameType.Direct);
        }
    }

    /// <summary>
    /// Reports that this member persisted the first <paramref name="count"/> deliveries (by
    /// <see cref="DeliveredMessage.OrderIndex"/>) of shard <paramref name="shard"/> in view <paramref name="viewId"/>;
    /// once every member of the shard did, <see cref="GroupHandlers.PersistenceAdvanced"/> reports the shard's
    /// global persistence frontier (see <see cref="Protocol.Member.ReportPersisted"/>). Any thread.
    /// </summary>
    public void ReportPersisted(int shard, int viewId, long count) =>
        PostAndRequest(new PersistedInput(shard, viewId, count));

    private sealed record DirectSendInput(uint To, PeerConnection? Connection, ReadOnlyMemory<byte> Payload) : Input;
}
