using System.Collections.Concurrent;

namespace Derecho.Rpc;

/// <summary>
/// Sender batching of ordered calls (as Spindle batches small messages): a member multicasting calls into a shard keeps
/// at most <see cref="MaxBatchesInFlight"/> multicasts of calls undelivered; calls made meanwhile wait and leave
/// together in one multicast (<see cref="RpcKind.OrderedBatch"/>, up to the shard's small-message size) as soon as one
/// of those is delivered. At low load a call leaves at once, alone; under load the per-message costs (a slot in the
/// shard's ring, a delivery, a hop onto the replica's queue) are paid once per batch instead of once per call. Waiting
/// calls that fill a whole multicast leave at once whatever is in flight (up to the shard's window of undelivered
/// messages): the limit is there to gather batches, and a full one has nothing more to gather, so under heavy load the
/// shard's pipeline stays full. In a persistent shard each call of a batch still gets its own version (<see
/// cref="OnDelivered"/>), and a batch's calls are synced together by one group commit.
/// </summary>
public sealed partial class ReplicatedGroup
{
    /// <summary>Undelivered multicasts of calls one member keeps per shard before calls wait to be batched.</summary>
    internal const int MaxBatchesInFlight = 4;

    private const int BatchEntryOverhead = 4;
    private const int BatchHeaderSize = 6;

    private readonly ConcurrentDictionary<ShardKey, OrderedBatcher> _batchers = new();

    /// <summary>Deliveries of more than one call seen by this member (event loop; tests read it).</summary>
    internal long BatchesDelivered { get; private set; }

    /// <summary>
    /// Multicasts <paramref name="message"/> (an ordered call into a shard this member belongs to) in the shard's
    /// order: at once when few of this member's calls are undelivered in the shard, else with the calls batched
    /// behind them.
    /// </summary>
    private void MulticastOrdered(OrderedCallHeader header, ReadOnlyMemory<byte> message, int attempt, int plan)
    {
        var key = header.Shard;
        if (!_replicas.ContainsKey(key) || message.Length + BatchHeaderSize + BatchEntryOverhead > _batchBytes)
        {
            SendOrdered(plan, message, [new QueuedCall(header, message, attempt)], batcher: null);
            return;
        }
        var batcher = _batchers.GetOrAdd(key, _ => new OrderedBatcher());
        lock (batcher.Gate)
        {
            batcher.Queue.Enqueue(new QueuedCall(header, message, attempt));
            batcher.QueuedBytes += BatchEntryOverhead + message.Length;
        }
        FlushBatches(key, batcher);
    }

    /// <summary>Sends waiting calls while fewer than <see cref="MaxBatchesInFlight"/> multicasts of the shard are undelivered.</summary>
    private void FlushBatches(ShardKey key, OrderedBatcher batcher)
    {
        List<QueuedCall>? reroute = null;
        // Taking and posting under one lock keeps the calls in the order they were made.
        lock (batcher.Gate)
        {
            while (batcher.Queue.Count > 0 && (batcher.InFlight < MaxBatchesInFlight
                || (batcher.InFlight < _fullBatchesInFlight && batcher.QueuedBytes + BatchHeaderSize > _batchBytes)))
            {
                var calls = TakeBatch(batcher);
                var allocation = _allocation;
                if (allocation?.Shard(key.Type, key.Subgroup, key.Shard) is not { } members || !members.Contains(NodeId))
                {
                    // The layout moved on while the calls waited: route each again.
                    (reroute ??= []).AddRange(calls);
                    continue;
                }
                batcher.InFlight++;
                SendOrdered(allocation.PlanIndex(key.Type, key.Subgroup, key.Shard), calls.Count == 1 ? calls[0].Message : PackBatch(calls), calls, batcher);
            }
        }
        foreach (var call in reroute ?? [])
        {
            RouteOrdered(call.Header, call.Message, call.Attempt);
        }
    }

    /// <summary>Takes waiting calls up to the shard's small-message size.</summary>
    private List<QueuedCall> TakeBatch(OrderedBatcher batcher)
    {
        var calls = new List<QueuedCall>();
        var bytes = BatchHeaderSize;
        while (batcher.Queue.TryPeek(out var next) && (calls.Count == 0 || bytes + BatchEntryOverhead + next.Message.Length <= _batchBytes))
        {
            batcher.Queue.Dequeue();
            batcher.QueuedBytes -= BatchEntryOverhead + next.Message.Length;
            calls.Add(next);
            bytes += BatchEntryOverhead + next.Message.Length;
        }
        return calls;
    }

    /// <summary>
    /// One multicast of <paramref name="calls"/>; each call's message then points into it, so that the calls' own
    /// buffers are garbage at once rather than kept until the batch is delivered.
    /// </summary>
    private static ReadOnlyMemory<byte> PackBatch(List<QueuedCall> calls)
    {
        var size = BatchHeaderSize;
        foreach (var call in calls)
        {
            size += BatchEntryOverhead + call.Message.Length;
        }
        var writer = new RpcMessageWriter(RpcKind.OrderedBatch, size).Int32(calls.Count);
        foreach (var call in calls)
        {
            writer.Bytes(call.Message.Span);
        }
        var batch = writer.ToMemory();
        var offset = BatchHeaderSize;
        for (var i = 0; i < calls.Count; i++)
        {
            var length = calls[i].Message.Length;
            calls[i] = calls[i] with { Message = batch.Slice(offset + BatchEntryOverhead, length) };
            offset += BatchEntryOverhead + length;
        }
        return batch;
    }

    /// <summary>
    /// Multicasts one call or a batch in shard <paramref name="plan"/>; once delivered, the batcher sends what
    /// waits. If the multicast is refused (the view changed under it), each call is routed again.
    /// </summary>
    private void SendOrdered(int plan, ReadOnlyMemory<byte> message, List<QueuedCall> calls, OrderedBatcher? batcher) =>
        WithGroup(group =>
        {
            Task<int> sent;
            try
            {
                sent = group.SendAsync(plan, message, CancellationToken.None);
            }
            catch (GroupStoppedException e)
            {
                sent = Task.FromException<int>(e);
            }
            // A send refused at once completes its task before this: its continuation then runs on the pool, not
            // inside the batcher's lock.
            _ = sent.ContinueWith(t =>
            {
                if (batcher is not null)
                {
                    lock (batcher.Gate)
                    {
                        batcher.InFlight--;
                    }
                }
                if (t.Exception is { } failure)
                {
                    foreach (var call in calls)
                    {
                        OnSendFailed(call.Header, call.Message, call.Attempt, failure.InnerException!);
                    }
                }
                if (batcher is not null)
                {
                    FlushBatches(calls[0].Header.Shard, batcher);
                }
            }, CancellationToken.None, sent.IsCompleted ? TaskContinuationOptions.None : TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });

    /// <summary>The calls of a multicast: one ordered call, or a batch of them.</summary>
    private static bool TryReadCalls(ReadOnlyMemory<byte> payload, List<ReadOnlyMemory<byte>> calls)
    {
        calls.Clear();
        try
        {
            var reader = new RpcMessageReader(payload);
            if (reader.Kind == RpcKind.OrderedCall)
            {
                calls.Add(payload);
                return true;
            }
            if (reader.Kind != RpcKind.OrderedBatch)
            {
                return false;
            }
            var count = reader.Int32();
            if (count < 1 || count > payload.Length)
            {
                return false;
            }
            for (var i = 0; i < count; i++)
            {
                calls.Add(reader.Bytes());
            }
            return reader.AtEnd;
        }
        catch (RpcFormatException)
        {
            return false;
        }
    }

    private readonly record struct QueuedCall(OrderedCallHeader Header, ReadOnlyMemory<byte> Message, int Attempt);

    /// <summary>The calls waiting to be multicast into one shard, and how many of its multicasts are undelivered.</summary>
    private sealed class OrderedBatcher
    {
        public Lock Gate { get; } = new();

        /// <summary>The calls waiting (under <see cref="Gate"/>).</summary>
        public Queue<QueuedCall> Queue { get; } = new();

        /// <summary>The bytes the waiting calls take in a batch (under <see cref="Gate"/>).</summary>
        public int QueuedBytes { get; set; }

        /// <summary>Multicasts sent and not yet delivered (under <see cref="Gate"/>).</summary>
        public int InFlight { get; set; }
    }
}
