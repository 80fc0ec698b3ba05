using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Derecho.Tests.Transport;

/// <summary>
/// <see cref="Group"/>s of three members in this process over real sockets, with the data-plane options the
/// benchmark uses: sends from the calling thread, inline completions, and pooled buffers for large messages.
/// </summary>
[Integration]
public sealed class GroupSendTests
{
    private const int Members = 3;
    private const int SmallSize = 100;
    private const int LargeSize = (200 * 1024) + 3;

    [Fact(Timeout = 60_000)]
    public async Task Lone_and_windowed_sends_of_small_and_large_messages_arrive_intact_in_one_order_with_reused_buffers()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next(1)[0];
        var logs = new ConcurrentQueue<(uint Sender, long Index, int Length)>[Members];
        var bad = new ConcurrentQueue<string>();
        var groups = new List<Group>();
        try
        {
            for (var id = 0; id < Members; id++)
            {
                var log = logs[id] = new ConcurrentQueue<(uint, long, int)>();
                var handlers = new GroupHandlers { Delivered = m => Check(m, log, bad) };
                groups.Add(await Group.JoinAsync(new GroupOptions
                {
                    LocalId = (uint)id,
                    GmsPort = id == 0 ? port : 0,
                    SstPort = 0,
                    ContactPort = port,
                    MaxPayloadSize = 1 << 20,
                    BlockSize = 16 * 1024,
                    SuspicionTimeout = TimeSpan.FromSeconds(5),
                    SendOnCallingThread = true,
                    InlineSendCompletions = true,
                    ReuseLargeMessageBuffers = true,
                }, handlers, ct));
            }
            await WaitUntilAsync(() => groups.All(g => g.CurrentView.Count == Members), ct);
            // A subscriber reads after the buffers were reused: it must see copies.
            var subscriberLog = new ConcurrentQueue<(uint, long, int)>();
            using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var reading = ReadAsync(groups[1], subscriberLog, bad, stopReading.Token);

            // One message in flight at a time (sent on the calling thread), then many (batched through the pool).
            for (var id = 0; id < Members; id++)
            {
                for (var i = 0; i < 6; i++)
                {
                    await groups[id].SendAsync(Payload((uint)id, i, i % 2 == 0 ? LargeSize : SmallSize), ct);
                }
            }
            await Task.WhenAll(groups.Select((g, id) => Task.WhenAll(Enumerable.Range(6, 30)
                .Select(i => g.SendAsync(Payload((uint)id, i, i % 3 == 0 ? LargeSize : SmallSize), ct)))));

            var total = Members * 36;
            await WaitUntilAsync(() => logs.All(l => l.Count == total) && subscriberLog.Count == total, ct);
            Assert.Empty(bad);
            Assert.All(logs, l => Assert.Equal(logs[0], l));
            Assert.Equal(logs[1], subscriberLog);
            await stopReading.CancelAsync();
            await reading;
        }
        finally
        {
            foreach (var group in groups)
            {
                await group.DisposeAsync();
            }
        }
    }

    /// <summary>Sender id, index and length up front, then bytes that follow from them.</summary>
    private static byte[] Payload(uint sender, int index, int length)
    {
        var payload = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, sender);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), index);
        for (var i = 8; i < length; i++)
        {
            payload[i] = (byte)((i * 31) + index + (int)sender);
        }
        return payload;
    }

    private static void Check(DeliveredMessage message, ConcurrentQueue<(uint, long, int)> log, ConcurrentQueue<string> bad)
    {
        var bytes = message.Payload.Span;
        var sender = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var index = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (sender != message.Sender || !bytes.SequenceEqual(Payload(sender, index, bytes.Length)))
        {
            bad.Enqueue($"message {message.Index} from {message.Sender} ({bytes.Length} bytes) arrived damaged");
        }
        log.Enqueue((sender, index, bytes.Length));
    }

    private static async Task ReadAsync(Group group, ConcurrentQueue<(uint, long, int)> log, ConcurrentQueue<string> bad, CancellationToken ct)
    {
        try
        {
            await foreach (var message in group.ReadDeliveriesAsync(ct))
            {
                Check(message, log, bad);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(10, ct);
        }
    }
}
