using System.Buffers.Binary;
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
    /// Writes a new call of this member into a shard it belongs to straight into the shard's open batch (the call
    /// gets no message of its own), and sends what may leave. False when the call must be routed instead: this
    /// member is not in the shard or hosts no replica of it yet, or the call is too large for a batch.
    /// </summary>
    private bool TryBatchNew(OrderedCallHeader header, uint methodId, Persistence.HlcTimestamp time, ReadOnlySpan<byte> arguments)
    {
        var key = header.Shard;
        var length = OrderedCallHeader.Size + arguments.Length;
        if (!FitsBatch(length) || _allocation?.Shard(key.Type, key.Subgroup, key.Shard) is not { } members || !members.Contains(NodeId)
            || !_replicas.ContainsKey(key))
        {
            return false;
        }
        var batcher = _batchers.GetOrAdd(key, static _ => new OrderedBatcher());
        lock (batcher.Gate)
        {
            header.Write(batcher.Reserve(header, length, attempt: 0, _batchBytes), methodId, time, arguments);
        }
        FlushBatches(key, batcher);
        return true;
    }

    /// <summary>
    /// Multicasts <paramref name="message"/> (an ordered call into a shard this member belongs to) in the shard's
    /// order: at once when few of this member's calls are undelivered in the shard, else with the calls batched
    /// behind them.
    /// </summary>
    private void MulticastOrdered(OrderedCallHeader header, ReadOnlyMemory<byte> message, int attempt, int plan)
    {
        var key = header.Shard;
        if (!_replicas.ContainsKey(key) || !FitsBatch(message.Length))
        {
            SendOrdered(plan, message, [new QueuedCall(header, message, attempt)], batcher: null);
            return;
        }
        var batcher = _batchers.GetOrAdd(key, static _ => new OrderedBatcher());
        lock (batcher.Gate)
        {
            message.Span.CopyTo(batcher.Reserve(header, message.Length, attempt, _batchBytes));
        }
        FlushBatches(key, batcher);
    }

    private bool FitsBatch(int length) => BatchHeaderSize + BatchEntryOverhead + length <= _batchBytes;

    /// <summary>Sends waiting batches while fewer than <see cref="MaxBatchesInFlight"/> multicasts of the shard are undelivered (full ones up to the window).</summary>
    private void FlushBatches(ShardKey key, OrderedBatcher batcher)
    {
        List<QueuedCall>? reroute = null;
        // Taking and posting under one lock keeps the calls in the order they were made.
        lock (batcher.Gate)
        {
            while (batcher.TryTake(_fullBatchesInFlight, out var payload, out var calls))
            {
                var allocation = _allocation;
                if (allocation?.Shard(key.Type, key.Subgroup, key.Shard) is not { } members || !members.Contains(NodeId))
                {
                    // The layout moved on while the calls waited: route each again.
                    (reroute ??= []).AddRange(calls);
                    continue;
                }
                batcher.InFlight++;
                SendOrdered(allocation.PlanIndex(key.Type, key.Subgroup, key.Shard), payload, calls, batcher);
            }
        }
        foreach (var call in reroute ?? [])
        {
            RouteOrdered(call.Header, call.Message, call.Attempt);
        }
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
                // Completed on the event loop's thread: the continuation below only counts the multicast delivered
                // and posts what waits (or routes refused calls again), and saves a thread hop per multicast.
                sent = group.SendAsync(plan, message, inlineCompletion: true, CancellationToken.None);
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

    /// <summary>
    /// The calls waiting to be multicast into one shard, written one after another into an open batch (sealed when
    /// the next call does not fit, or when it leaves), and how many of the shard's multicasts are undelivered. All
    /// members are used under <see cref="Gate"/>.
    /// </summary>
    private sealed class OrderedBatcher
    {
        private const int MinCapacity = 2048;

        private readonly Queue<(ReadOnlyMemory<byte> Payload, List<QueuedCall> Calls)> _full = new();
        private readonly List<(OrderedCallHeader Header, int Offset, int Length, int Attempt)> _openCalls = [];
        private byte[]? _open;
        private int _openLength;
        private int _lastLength = MinCapacity;

        public Lock Gate { get; } = new();

        /// <summary>Multicasts sent and not yet delivered.</summary>
        public int InFlight { get; set; }

        /// <summary>
        /// The <paramref name="length"/> bytes of a call at the end of the open batch, for the caller to fill; a
        /// batch the call does not fit in is sealed first. A new batch is sized like the last one sent (at most
        /// <paramref name="limit"/>, the shard's small-message size) and grows when calls outgrow it.
        /// </summary>
        public Span<byte> Reserve(OrderedCallHeader header, int length, int attempt, int limit)
        {
            var needed = BatchEntryOverhead + length;
            if (_openCalls.Count > 0 && _openLength + needed > limit)
            {
                _full.Enqueue(Seal());
            }
            // Uninitialized: every byte up to the batch's length is written (its header when it is sealed).
            if (_open is null)
            {
                _open = GC.AllocateUninitializedArray<byte>(Math.Min(limit, Math.Max(BatchHeaderSize + needed, _lastLength)));
                _openLength = BatchHeaderSize;
            }
            else if (_openLength + needed > _open.Length)
            {
                var grown = GC.AllocateUninitializedArray<byte>(Math.Min(limit, Math.Max(_openLength + needed, 2 * _open.Length)));
                _open.AsSpan(0, _openLength).CopyTo(grown);
                _open = grown;
            }
            BinaryPrimitives.WriteInt32LittleEndian(_open.AsSpan(_openLength), length);
            var offset = _openLength + BatchEntryOverhead;
            _openCalls.Add((header, offset, length, attempt));
            _openLength = offset + length;
            return _open.AsSpan(offset, length);
        }

        /// <summary>
        /// The next batch that may leave: a full one while fewer than <paramref name="fullLimit"/> multicasts are
        /// undelivered, else the open one while fewer than <see cref="MaxBatchesInFlight"/> are.
        /// </summary>
        public bool TryTake(int fullLimit, out ReadOnlyMemory<byte> payload, out List<QueuedCall> calls)
        {
            if (_full.Count > 0 ? InFlight < fullLimit : _openCalls.Count > 0 && InFlight < MaxBatchesInFlight)
            {
                (payload, calls) = _full.Count > 0 ? _full.Dequeue() : Seal();
                return true;
            }
            (payload, calls) = (default, null!);
            return false;
        }

        /// <summary>Ends the open batch: its header, and its calls pointing into it.</summary>
        private (ReadOnlyMemory<byte> Payload, List<QueuedCall> Calls) Seal()
        {
            var batch = _open!;
            batch[0] = RpcWire.FormatVersion;
            batch[1] = (byte)RpcKind.OrderedBatch;
            BinaryPrimitives.WriteInt32LittleEndian(batch.AsSpan(2), _openCalls.Count);
            var payload = batch.AsMemory(0, _openLength);
            var calls = new List<QueuedCall>(_openCalls.Count);
            foreach (var (header, offset, length, attempt) in _openCalls)
            {
                calls.Add(new QueuedCall(header, payload.Slice(offset, length), attempt));
            }
            _lastLength = Math.Max(MinCapacity, _openLength);
            _openCalls.Clear();
            _open = null;
            return (payload, calls);
        }
    }
}
