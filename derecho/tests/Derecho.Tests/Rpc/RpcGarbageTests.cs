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

    private sealed class Closed : ITransportHandler
    {
        public void OnAccepted(PeerConnection connection) => connection.Close("a client accepts no connections");

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload)
        {
        }

        public void OnClosed(PeerConnection connection, string reason)
        {
        }
    }
}
