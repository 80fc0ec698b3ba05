using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Derecho.Transport;

namespace Derecho.Tests.Transport;

[Integration]
public sealed class TcpTransportTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    [Fact(Timeout = 30_000)]
    public async Task Frames_flow_both_ways_in_order_and_the_handshake_names_each_side()
    {
        var ct = TestContext.Current.CancellationToken;
        var serverEvents = new RecordingHandler();
        var clientEvents = new RecordingHandler();
        await using var server = new TcpTransport(new Hello(1, 100), serverEvents, 1 << 20);
        await using var client = new TcpTransport(new Hello(2, 200), clientEvents, 1 << 20);
        var endPoint = server.Listen(AnyLoopbackPort);

        using var toServer = await client.ConnectAsync(endPoint, ct);
        var accepted = await serverEvents.Accepted.Reader.ReadAsync(ct);
        Assert.Equal(new Hello(2, 200), accepted.Remote);
        Assert.Equal(new Hello(1, 100), toServer.Remote);

        const int Count = 5000;
        var payload = new byte[100];
        for (var i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            toServer.Send(FrameType.Protocol, payload);
            accepted.Send(FrameType.Protocol, payload.AsSpan(0, 4 + (i % 50)));
            if (i % 100 == 99)
            {
                toServer.Flush();
                accepted.Flush();
            }
        }
        toServer.Flush();
        accepted.Flush();

        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(await serverEvents.Frames.Reader.ReadAsync(ct)));
            var back = await clientEvents.Frames.Reader.ReadAsync(ct);
            Assert.Equal(4 + (i % 50), back.Length);
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(back));
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Frames_read_in_one_pass_are_followed_by_one_reads_done_call()
    {
        var ct = TestContext.Current.CancellationToken;
        var serverEvents = new PassRecordingHandler();
        await using var server = new TcpTransport(new Hello(1, 100), serverEvents, 1 << 20);
        await using var client = new TcpTransport(new Hello(2, 200), new RecordingHandler(), 1 << 20);
        using var toServer = await client.ConnectAsync(server.Listen(AnyLoopbackPort), ct);

        // A thousand small frames in one flush arrive in a few reads: the handler hears "reads done" once per pass
        // over the ready connections, after the frames of that pass, never once per frame.
        const int Count = 1000;
        var payload = new byte[100];
        for (var i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            toServer.Send(FrameType.Protocol, payload);
        }
        toServer.Flush();

        var passes = new List<int>();
        while (passes.Count == 0 || passes[^1] < Count)
        {
            passes.Add(await serverEvents.FramesAtReadsDone.Reader.ReadAsync(ct));
        }
        Assert.Equal(Count, serverEvents.Frames);
        Assert.True(passes.Count <= Count / 2, $"{passes.Count} passes for {Count} frames");
        Assert.Equal(passes.Order(), passes);
    }

    [Fact(Timeout = 60_000)]
    public async Task Large_frames_go_out_from_where_they_lie_in_order_with_copied_ones_and_a_relay_finds_the_received_header()
    {
        var ct = TestContext.Current.CancellationToken;
        var serverEvents = new RecordingHandler();
        await using var server = new TcpTransport(new Hello(1, 100), serverEvents, 1 << 20);
        await using var client = new TcpTransport(new Hello(2, 200), new RecordingHandler(), 1 << 20);
        using var toServer = await client.ConnectAsync(server.Listen(AnyLoopbackPort), ct);

        // Control frames of every size (copied below the threshold, gathered from where they lie above it, some with a
        // tail) and bulk frames, interleaved: each lane arrives whole and in its order.
        const int Count = 400;
        var random = new Random(5);
        var control = new List<byte[]>();
        var bulk = new List<byte[]>();
        for (var i = 0; i < Count; i++)
        {
            var body = new byte[random.Next(4) == 0 ? random.Next(PeerConnection.CopyThreshold, 20_000) : random.Next(4, 300)];
            random.NextBytes(body);
            BinaryPrimitives.WriteInt32LittleEndian(body, i);
            control.Add(body);
            var split = random.Next(4, body.Length + 1);
            var (head, tail) = (body.AsMemory(0, split), body.AsMemory(split));
            toServer.Send(Frame.Header(FrameType.Protocol, head.Span, tail.Span), head, tail, bulk: false);
            if (i % 5 == 0)
            {
                var block = new byte[random.Next(1, 200_000)];
                random.NextBytes(block);
                bulk.Add(block);
                toServer.SendBulk(FrameType.Bulk, block);
            }
            if (random.Next(10) == 0)
            {
                toServer.Flush();
            }
        }
        toServer.Flush();

        var (controlSeen, bulkSeen) = (0, 0);
        while (controlSeen < control.Count || bulkSeen < bulk.Count)
        {
            var (type, payload) = await serverEvents.Received.Reader.ReadAsync(ct);
            if (type == FrameType.Bulk)
            {
                Assert.Equal(bulk[bulkSeen++], payload.ToArray());
                Assert.True(Frame.TryGetReceivedHeader(payload, FrameType.Bulk, out var header));
                Assert.Equal(Frame.Header(FrameType.Bulk, payload.Span, default), header.ToArray());
                Assert.False(Frame.TryGetReceivedHeader(payload, FrameType.Protocol, out _));
            }
            else
            {
                Assert.Equal(control[controlSeen++], payload.ToArray());
            }
        }
        Assert.False(Frame.TryGetReceivedHeader(bulk[0], FrameType.Bulk, out _));
    }

    [Fact(Timeout = 60_000)]
    public async Task Placed_bulk_frames_arrive_whole_in_order_with_their_header_and_a_damaged_one_drops_the_connection()
    {
        var ct = TestContext.Current.CancellationToken;
        var serverEvents = new PlacingHandler();
        await using var server = new TcpTransport(new Hello(1, 100), serverEvents, 1 << 20);
        await using var client = new TcpTransport(new Hello(2, 200), new RecordingHandler(), 1 << 20);
        using var toServer = await client.ConnectAsync(server.Listen(AnyLoopbackPort), ct);

        // Bulk frames of every size, some declined by the placement (first byte 0xFF) or too short to be offered,
        // between control frames; sent in bursts, so placed frames start anywhere in a read.
        var random = new Random(11);
        var sent = new List<(FrameType Type, byte[] Payload)>();
        for (var i = 0; i < 300; i++)
        {
            var bulk = new byte[random.Next(3) == 0 ? random.Next(1, PeerConnection.MinPlacedPayload) : random.Next(PeerConnection.MinPlacedPayload, 150_000)];
            random.NextBytes(bulk);
            bulk[0] = (byte)(i % 4 == 0 ? 0xFF : i);
            toServer.SendBulk(FrameType.Bulk, bulk);
            sent.Add((FrameType.Bulk, bulk));
            var control = new byte[random.Next(1, 3000)];
            random.NextBytes(control);
            toServer.Send(FrameType.Protocol, control);
            sent.Add((FrameType.Protocol, control));
            if (random.Next(8) == 0)
            {
                toServer.Flush();
            }
        }
        toServer.Flush();

        var placed = 0;
        for (var bulkSeen = 0; bulkSeen < sent.Count(f => f.Type == FrameType.Bulk);)
        {
            var (type, head, rest) = await serverEvents.Received.Reader.ReadAsync(ct);
            if (type != FrameType.Bulk)
            {
                continue;
            }
            var expected = sent.Where(f => f.Type == FrameType.Bulk).ElementAt(bulkSeen++).Payload;
            Assert.Equal(expected, (byte[])[.. head.ToArray(), .. rest.ToArray()]);
            if (!rest.IsEmpty)
            {
                placed++;
                Assert.Equal(PlacingHandler.Split, head.Length);
                Assert.True(Frame.TryGetReceivedHeader(head, head.Length + rest.Length, FrameType.Bulk, out var header));
                Assert.Equal(Frame.Header(FrameType.Bulk, head.Span, rest.Span), header.ToArray());
            }
        }
        Assert.InRange(placed, 100, 200);

        // A placed frame whose bytes were damaged on the way: the connection is dropped.
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(server.Listen(AnyLoopbackPort), ct);
        await raw.SendAsync(new Hello(3, 300).ToFrame(), SocketFlags.None, ct);
        await ReadExactlyAsync(raw, Frame.HeaderSize + Hello.Size, ct);
        var damaged = Frame.Encode(FrameType.Bulk, RandomBytes(random, 20_000));
        damaged[^5] ^= 1;
        await raw.SendAsync(damaged, SocketFlags.None, ct);
        var (_, reason) = await serverEvents.Closed.Reader.ReadAsync(ct);
        Assert.Contains("checksum", reason, StringComparison.Ordinal);
        await WaitForCloseAsync(raw, ct);
    }

    [Fact(Timeout = 30_000)]
    public async Task Frames_of_the_read_that_spends_the_read_budget_are_handed_over_though_nothing_more_arrives()
    {
        var ct = TestContext.Current.CancellationToken;
        var events = new GatedHandler();
        await using var member = new TcpTransport(new Hello(1, 1), events, 1 << 20);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(member.Listen(AnyLoopbackPort), ct);
        await raw.SendAsync(new Hello(2, 2).ToFrame(), SocketFlags.None, ct);
        await ReadExactlyAsync(raw, Frame.HeaderSize + Hello.Size, ct);

        // The first frame holds the I/O thread in the handler while exactly one read budget of frames reaches the
        // socket; then the peer falls silent (as a client does with every call it has in flight in those frames).
        await raw.SendAsync(Frame.Encode(FrameType.Protocol, [0]), SocketFlags.None, ct);
        var held = await events.Holding.Task.WaitAsync(ct);
        var burst = new List<byte>(PeerConnection.ReadBudget);
        var frames = 0;
        while (burst.Count < PeerConnection.ReadBudget)
        {
            var left = PeerConnection.ReadBudget - burst.Count;
            var length = left - 1012 > Frame.HeaderSize ? 1000 : left - Frame.HeaderSize;
            burst.AddRange(Frame.Encode(FrameType.Protocol, new byte[length]));
            frames++;
        }
        Assert.Equal(PeerConnection.ReadBudget, burst.Count);
        // The burst fits the socket buffers on a machine like this one (4 MiB): the member's socket holds all of it
        // before the release. Where it does not fit, the send waits for the release, and the test proves less but
        // never fails wrongly.
        var sending = raw.SendAsync(burst.ToArray(), SocketFlags.None, ct).AsTask();
        for (var polls = 0; held.Socket.Available < PeerConnection.ReadBudget && polls < 200; polls++)
        {
            await Task.Delay(10, ct);
        }
        events.Release.SetResult();
        await sending;

        for (var received = 0; received < frames; received++)
        {
            await events.Frames.Reader.ReadAsync(ct);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_connection_to_oneself_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var transport = new TcpTransport(new Hello(5, 55), new RecordingHandler(), 1 << 20);
        var endPoint = transport.Listen(AnyLoopbackPort);
        var error = await Assert.ThrowsAsync<IOException>(() => transport.ConnectAsync(endPoint, ct));
        Assert.Contains("itself", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Garbage_drops_only_its_connection_and_the_member_keeps_serving()
    {
        var ct = TestContext.Current.CancellationToken;
        var events = new RecordingHandler();
        await using var member = new TcpTransport(new Hello(1, 1), events, 64 * 1024);
        var endPoint = member.Listen(AnyLoopbackPort);
        var random = new Random(20191027);
        Console.WriteLine("fuzz seed 20191027");

        for (var round = 0; round < 60; round++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, ct);
            var handshaken = round % 2 == 0;
            if (handshaken)
            {
                await socket.SendAsync(new Hello((uint)(100 + round), 7).ToFrame(), SocketFlags.None, ct);
                await ReadExactlyAsync(socket, Frame.HeaderSize + Hello.Size, ct);
                Assert.Equal((uint)(100 + round), (await events.Accepted.Reader.ReadAsync(ct)).Remote.NodeId);
            }
            var garbage = (round % 3) switch
            {
                0 => RandomBytes(random, random.Next(1, 2000)),
                1 => Oversized(),
                _ => Truncated(random),
            };
            await socket.SendAsync(garbage, SocketFlags.None, ct);
            if (round % 3 == 2)
            {
                // A truncated frame is only known to be one when the peer goes away mid-frame.
                socket.Shutdown(SocketShutdown.Send);
            }

            // The member closes the connection: our read sees the end of the stream (or a reset).
            await WaitForCloseAsync(socket, ct);
            if (handshaken)
            {
                var (closed, reason) = await events.Closed.Reader.ReadAsync(ct);
                Assert.Equal((uint)(100 + round), closed.Remote.NodeId);
                Assert.True(reason.Contains("malformed", StringComparison.Ordinal) || reason.Contains("middle of a frame", StringComparison.Ordinal), reason);
            }
        }

        // Still serving: a proper peer connects and talks.
        var peerEvents = new RecordingHandler();
        await using var peer = new TcpTransport(new Hello(2, 2), peerEvents, 1 << 20);
        using var connection = await peer.ConnectAsync(endPoint, ct);
        connection.Send(FrameType.Protocol, [1, 2, 3]);
        connection.Flush();
        Assert.Equal([1, 2, 3], await events.Frames.Reader.ReadAsync(ct));
    }

    /// <summary>
    /// A probe learns who listens at an address without becoming a connection there: a live transport's handshake;
    /// nothing from a closed port (at once) or from a listener that never answers, a frozen process (after the timeout).
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task A_probe_names_the_live_listener_and_nothing_for_a_closed_port_or_a_silent_listener()
    {
        var ct = TestContext.Current.CancellationToken;
        var serverEvents = new RecordingHandler();
        await using var server = new TcpTransport(new Hello(7, 700), serverEvents, 1 << 20);
        var live = server.Listen(AnyLoopbackPort);
        Assert.Equal(new Hello(7, 700), await TcpTransport.ProbeAsync(live, TimeSpan.FromSeconds(5), ct));
        Assert.False(serverEvents.Accepted.Reader.TryRead(out _), "a probe must not become a connection at the listener");

        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(AnyLoopbackPort);
        silent.Listen(8);
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await TcpTransport.ProbeAsync((IPEndPoint)silent.LocalEndPoint!, TimeSpan.FromMilliseconds(300), ct));
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));

        var closedPort = (IPEndPoint)silent.LocalEndPoint!;
        silent.Close();
        Assert.Null(await TcpTransport.ProbeAsync(closedPort, TimeSpan.FromSeconds(20), ct));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Oversized()
    {
        var frame = Frame.Encode(FrameType.Protocol, new byte[16]);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), 1 << 30);
        return frame;
    }

    private static byte[] Truncated(Random random)
    {
        var frame = Frame.Encode(FrameType.Protocol, RandomBytes(random, 500));
        return frame[..random.Next(1, frame.Length - 1)];
    }

    private static async Task ReadExactlyAsync(Socket socket, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            Assert.NotEqual(0, n);
            read += n;
        }
    }

    private static async Task WaitForCloseAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset by the member: closed as well.
        }
    }

    /// <summary>Places every offered bulk frame whose first byte is not 0xFF into an array of its own, after its first <see cref="Split"/> bytes.</summary>
    private sealed class PlacingHandler : ITransportHandler, IBulkPlacement
    {
        public const int Split = 16;

        public Channel<(FrameType Type, ReadOnlyMemory<byte> Head, ReadOnlyMemory<byte> Placed)> Received { get; } =
            Channel.CreateUnbounded<(FrameType, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>)>();

        public Channel<(PeerConnection, string)> Closed { get; } = Channel.CreateUnbounded<(PeerConnection, string)>();

        public void OnAccepted(PeerConnection connection)
        {
        }

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload) => Received.Writer.TryWrite((type, payload, default));

        public void OnClosed(PeerConnection connection, string reason) => Closed.Writer.TryWrite((connection, reason));

        public Memory<byte> Place(PeerConnection connection, ReadOnlySpan<byte> head, int payloadLength, out int split)
        {
            Assert.Equal(PeerConnection.PlacementHead, head.Length);
            split = Split;
            return head[0] == 0xFF ? default : new byte[payloadLength - Split];
        }

        public void OnPlacedFrame(PeerConnection connection, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> placed) =>
            Received.Writer.TryWrite((FrameType.Bulk, head, placed));
    }

    /// <summary>Counts frames, and at every "reads done" reports how many arrived so far (every pass read at least one).</summary>
    private sealed class PassRecordingHandler : ITransportHandler
    {
        private int _frames;

        public int Frames => Volatile.Read(ref _frames);

        public Channel<int> FramesAtReadsDone { get; } = Channel.CreateUnbounded<int>();

        public void OnAccepted(PeerConnection connection)
        {
        }

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload) => Interlocked.Increment(ref _frames);

        public void OnClosed(PeerConnection connection, string reason)
        {
        }

        public void OnReadsDone() => FramesAtReadsDone.Writer.TryWrite(Frames);
    }

    /// <summary>Holds the I/O thread in its first frame until released; counts the frames after it.</summary>
    private sealed class GatedHandler : ITransportHandler
    {
        private bool _held;

        /// <summary>Completes with the connection whose first frame holds the I/O thread.</summary>
        public TaskCompletionSource<PeerConnection> Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Channel<int> Frames { get; } = Channel.CreateUnbounded<int>();

        public void OnAccepted(PeerConnection connection)
        {
        }

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload)
        {
            if (!_held)
            {
                _held = true;
                Holding.SetResult(connection);
#pragma warning disable VSTHRD002 // Blocking the I/O thread is the point: the burst piles up in the socket meanwhile.
                Release.Task.Wait();
#pragma warning restore VSTHRD002
                return;
            }
            Frames.Writer.TryWrite(payload.Length);
        }

        public void OnClosed(PeerConnection connection, string reason)
        {
        }
    }

    private sealed class RecordingHandler : ITransportHandler
    {
        public Channel<PeerConnection> Accepted { get; } = Channel.CreateUnbounded<PeerConnection>();

        public Channel<byte[]> Frames { get; } = Channel.CreateUnbounded<byte[]>();

        public Channel<(PeerConnection, string)> Closed { get; } = Channel.CreateUnbounded<(PeerConnection, string)>();

        public void OnAccepted(PeerConnection connection) => Accepted.Writer.TryWrite(connection);

        /// <summary>Every frame as the transport handed it over (not copied).</summary>
        public Channel<(FrameType Type, ReadOnlyMemory<byte> Payload)> Received { get; } = Channel.CreateUnbounded<(FrameType, ReadOnlyMemory<byte>)>();

        public void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload)
        {
            Frames.Writer.TryWrite(payload.ToArray());
            Received.Writer.TryWrite((type, payload));
        }

        public void OnClosed(PeerConnection connection, string reason) => Closed.Writer.TryWrite((connection, reason));
    }
}
