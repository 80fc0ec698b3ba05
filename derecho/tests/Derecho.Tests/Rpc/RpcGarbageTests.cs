using System.Security.Cryptography;
using Derecho.External;
using Derecho.Kv;
using Derecho.Rpc;
using Derecho.Transport;

namespace Derecho.Tests.Rpc;

/// <summary>
/// Well-framed messages whose RPC content is garbage, from a peer that completed the handshake as an external client:
/// every kind the members know, followed by random bytes (often zeros, so that counts and indexes are small enough
/// to get past the length checks). The member may drop the connection, but must go on serving, and nobody may be
/// suspected.
/// </summary>
public sealed class RpcGarbageTests
{
    [Fact(Timeout = 60_000)]
    public async Task Garbage_RPC_messages_from_a_client_drop_at_most_its_connection()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        var viewBefore = cluster[0].Group.CurrentView.Id;
        var random = new Random(20191027);
        var kinds = Enum.GetValues<RpcKind>();
        var closed = new Closed();
        await using var transport = new TcpTransport(new Hello(0x8000_0001u, (ulong)RandomNumberGenerator.GetInt32(int.MaxValue)), closed, 1 << 20);
        PeerConnection? connection = null;
        for (var i = 0; i < 600; i++)
        {
            if (connection is null || connection.IsClosed)
            {
                connection = await transport.ConnectAsync(cluster[0].Group.GmsEndPoint, ct);
            }
            var body = new byte[random.Next(0, 48)];
            if (random.Next(2) == 0)
            {
                random.NextBytes(body);
            }
            else if (body.Length > 0)
            {
                body[random.Next(body.Length)] = (byte)random.Next(1, 4);
            }
            connection.Send(FrameType.Direct, new RpcMessageWriter(kinds[random.Next(kinds.Length)]).Rest(body).ToMemory().Span);
            connection.Flush();
        }
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, cancellationToken: ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        await kv.PutAsync("after-garbage", [1], ct);
        Assert.Equal([1], await new KvStore.P2PCalls(cluster[1], 0).GetAsync("after-garbage", ct));
        Assert.All(cluster.Members.Values, m => Assert.Equal((viewBefore, 2), (m.Group.CurrentView.Id, m.Group.CurrentView.Count)));
    }

    [Theory(Timeout = 60_000)]
    [InlineData((byte)RpcKind.Reply)]
    [InlineData((byte)RpcKind.Replies)]
    [InlineData((byte)RpcKind.StateChunk)]
    [InlineData((byte)RpcKind.OrderedCall)]
    [InlineData((byte)RpcKind.P2PRequest)]
    [InlineData((byte)RpcKind.NotifyRelay)]
    public async Task A_client_that_sends_a_members_message_is_dropped_and_the_group_serves_on(byte kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        var closed = new Closed();
        await using var transport = new TcpTransport(new Hello(0x8000_0002u, (ulong)RandomNumberGenerator.GetInt32(int.MaxValue)), closed, 1 << 20);
        var connection = await transport.ConnectAsync(cluster[0].Group.GmsEndPoint, ct);
        connection.Send(FrameType.Direct, new RpcMessageWriter(RpcKind.ClientHello).ToMemory().Span);
        // A well-formed reply to some call 1 of client 0x80000002 (or the same bytes under another member-only kind).
        connection.Send(FrameType.Direct, new RpcMessageWriter((RpcKind)kind).Call(new CallId(0x8000_0002u, 1)).Rest(new byte[16]).ToMemory().Span);
        connection.Flush();
        // The member drops the connection (before, a reply from a client was matched against the pending calls).
        Assert.Equal("peer closed the connection", await closed.Reason.Task.WaitAsync(TimeSpan.FromSeconds(20), ct));

        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, cancellationToken: ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        await kv.PutAsync("after-forgery", [2], ct);
        Assert.Equal([2], await new KvStore.P2PCalls(cluster[1], 0).GetAsync("after-forgery", ct));
    }

    private sealed class Closed : ITransportHandler
    {
        /// <summary>Why the first connection closed.</summary>
        public TaskCompletionSource<string> Reason { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnAccepted(PeerConnection connection) => connection.Close("a client accepts no connections");

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload)
        {
        }

        public void OnClosed(PeerConnection connection, string reason) => Reason.TrySetResult(reason);
    }
}
