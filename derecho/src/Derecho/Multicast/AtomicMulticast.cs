using Derecho.Protocol;
using Derecho.Sst;

namespace Derecho.Multicast;

/// <summary>Receives what <see cref="AtomicMulticast"/> delivers.</summary>
internal interface IDeliverySink
{
    /// <summary>An application message of <paramref name="stream"/>, in its total order; the sender by view rank.</summary>
    void Deliver(int stream, int senderRank, long senderIndex, long orderIndex, ReadOnlyMemory<byte> payload);

    /// <summary>One of this member's own messages was delivered.</summary>
    void Completed(int stream, long messageId);
}

/// <summary>An application message waiting to be sent or delivered, with the id its sender was given.</summary>
internal readonly record struct PendingMessage(long MessageId, ReadOnlyMemory<byte> Payload);

/// <summary>Where a message leaves to: every other member of its stream, or one view rank (the next link of a relay chain).</summary>
internal readonly record struct Transmission(int ToRank, ProtocolMessage Message)
{
    public const int Everyone = -1;
}

/// <summary>
/// Atomic multicast of one stream (the whole view, or one shard) within one view over the view's Shared State
/// Table; each stream has its own order, windows, rings and counters. Senders are the stream's members, ranked
/// by their index in the stream. Each sender numbers its messages 0, 1, …; the total order is round-robin over
/// the stream's ranks (order index = index × members + rank). Small messages travel whole
/// in batches, each occupying one slot of the sender's window; the window is bounded by the slowest receiver's
/// received count. Larger messages travel in blocks, pipelined, along a <see cref="BulkSchedule"/>: a binomial
/// tree per block whose root turns with the block, or the chain of ranks starting at the sender; either way the
/// sender sends each block once, so its link is not the bottleneck. A message is delivered once every member's row shows
/// it received (the minimum over the stream members' rows), in batches. An idle sender sends null messages so the round never
/// waits on it. After <see cref="Freeze"/> (the wedge) nothing is sent, received or delivered except by the trim.
/// </summary>
internal sealed class AtomicMulticast
{
    /// <summary>
    /// Payload bytes after which a batch is closed and the next begins: receivers count (and report) a batch's
    /// messages once it has arrived whole, so a window's worth in one batch would make the sender wait for all of
    /// it before sending more; batches of this size keep the window moving.
    /// </summary>
    private const int MaxBatchBytes = 64 * 1024;

    private readonly SharedStateTable _table;
    private readonly int _viewId;
    private readonly int _stream;
    private readonly int[] _ranks;
    private readonly int _members;
    private readonly int _myRank;
    private readonly int _window;
    private readonly int _maxSmcPayload;
    private readonly int _blockSize;
    private readonly int _maxPayload;
    private readonly BulkSchedule _schedule;
    private readonly LargeMessageBuffers? _buffers;
    private readonly SenderLog[] _logs;
    private readonly Dictionary<(int Sender, long Index), Assembly> _assemblies = [];
    private readonly Queue<PendingMessage> _queue = new();
    private readonly Queue<(long Index, PendingMessage Message)> _inFlight = new();
    private long _sent;
    private long _nextOrder;

    public AtomicMulticast(SharedStateTable table, int viewId, int stream, MemberOptions options)
    {
        _table = table;
        _viewId = viewId;
        _stream = stream;
        _ranks = table.Streams[stream];
        _members = _ranks.Length;
        _myRank = Array.IndexOf(_ranks, table.MyRank);
        _window = options.WindowSize;
        _maxSmcPayload = options.MaxSmcPayloadSize;
        _blockSize = options.BlockSize;
        _maxPayload = options.MaxPayloadSize;
        _schedule = options.BulkSchedule;
        _buffers = options.LargeMessageBuffers;
        _logs = new SenderLog[_members];
        for (var i = 0; i < _members; i++)
        {
            _logs[i] = new SenderLog();
        }
    }

    public bool Frozen { get; private set; }

    /// <summary>The stream: 0 for the whole view, k for shard k − 1 of the view's plan.</summary>
    public int Stream => _stream;

    /// <summary>The view ranks of the stream's members, in stream order.</summary>
    public int[] Ranks => _ranks;

    /// <summary>This member's index among the stream's members.</summary>
    public int MyIndex => _myRank;

    /// <summary>Messages delivered so far in this view (the next order index).</summary>
    public long DeliveredCount => _nextOrder;

    /// <summary>Application messages queued or in flight, not yet delivered.</summary>
    public int PendingCount => _queue.Count + _inFlight.Count;

    private long[] Received => _table.Own.Received[_stream];

    public void Enqueue(PendingMessage message) => _queue.Enqueue(message);

    /// <summary>Stops sending, receiving and delivering by stability: the row's counters are final for this view.</summary>
    public void Freeze() => Frozen = true;

    /// <summary>Sends what the window allows: queued messages, then null messages if others are ahead.</summary>
    public void CollectSends(List<Transmission> output)
    {
        if (Frozen)
        {
            return;
        }
        var limit = _table.MinReceived(_stream, _myRank) + _window;
        var target = 0L;
        foreach (var received in Received)
        {
            target = Math.Max(target, received);
        }
        List<ReadOnlyMemory<byte>?>? batch = null;
        var batchStart = _sent;
        var batchBytes = 0;
        while (_sent < limit && (_queue.Count > 0 || _sent < target))
        {
            if (batchBytes >= MaxBatchBytes)
            {
                Flush(output, ref batch, batchStart);
                batchStart = _sent;
                batchBytes = 0;
            }
            ReadOnlyMemory<byte>? payload = null;
            if (_queue.TryDequeue(out var message))
            {
                payload = message.Payload;
                _inFlight.Enqueue((_sent, message));
            }
            ref var slot = ref _logs[_myRank].At(_sent);
            slot.Present = true;
            slot.IsNull = payload is null;
            slot.Payload = payload ?? default;
            if (payload is { Length: var length } large && length > _maxSmcPayload && _members > 1)
            {
                Flush(output, ref batch, batchStart);
                SendChunks(output, _sent, large);
                _sent++;
                batchStart = _sent;
                continue;
            }
            (batch ??= []).Add(payload);
            // A large message ends its batch (counts as full): a batch's last message is sent from where it lies, not copied.
            batchBytes += payload is { Length: >= MessageCodec.GatherThreshold } ? MaxBatchBytes : payload?.Length ?? 0;
            _sent++;
        }
        Flush(output, ref batch, batchStart);
        if (_sent != Received[_myRank])
        {
            Received[_myRank] = _sent;
            _table.MarkDirty();
        }
    }

    /// <summary>Stores a batch from a peer; false when it was ignored (frozen, out of window).</summary>
    public bool OnBatch(DataBatch batch)
    {
        if (Frozen || batch.SenderRank == _myRank)
        {
            return false;
        }
        var log = _logs[batch.SenderRank];
        var limit = Received[batch.SenderRank] + _window;
        for (var i = 0; i < batch.Entries.Length; i++)
        {
            var index = batch.FirstIndex + i;
            if (index < log.Base || index >= limit)
            {
                continue;
            }
            ref var slot = ref log.At(index);
            slot.Present = true;
            slot.IsNull = batch.Entries[i] is null;
            slot.Payload = batch.Entries[i] ?? default;
        }
        return Advance(batch.SenderRank);
    }

    /// <summary>
    /// Stores a block of a large message that came from view rank <paramref name="fromRank"/> and adds the view
    /// ranks to relay it to (this member's children in the block's schedule) to <paramref name="relayTo"/>. A block
    /// from anyone but this member's parent in the schedule, out of the window, or not on a block boundary is ignored.
    /// </summary>
    /// <returns>True when the block completed a message and this member's received count grew.</returns>
    public bool OnChunk(int fromRank, DataChunk chunk, List<int> relayTo)
    {
        var sender = chunk.SenderRank;
        if (Frozen || sender == _myRank || chunk.TotalLength > _maxPayload || chunk.TotalLength <= 0
            || chunk.Index < Received[sender] || chunk.Index >= Received[sender] + _window
            || chunk.Offset % _blockSize != 0 || chunk.Bytes.Length != Math.Min(_blockSize, chunk.TotalLength - chunk.Offset))
        {
            return false;
        }
        var block = chunk.Offset / _blockSize;
        var position = Position(sender, _myRank);
        if (fromRank != _ranks[RankAt(sender, BulkRoutes.Parent(_schedule, _members - 1, block, position))])
        {
            return false;
        }
        var key = (sender, chunk.Index);
        if (!_assemblies.TryGetValue(key, out var assembly))
        {
            var buffer = _buffers?.Assemble(new LargeMessageKey(_viewId, _stream, sender, chunk.Index), chunk.TotalLength)
                ?? GC.AllocateUninitializedArray<byte>(chunk.TotalLength);
            assembly = new Assembly(buffer, chunk.TotalLength, _blockSize);
            _assemblies.Add(key, assembly);
        }
        if (assembly.Length != chunk.TotalLength || !assembly.Add(block, chunk.Bytes.Span))
        {
            return false;
        }
        foreach (var child in BulkRoutes.Children(_schedule, _members - 1, block, position))
        {
            relayTo.Add(_ranks[RankAt(sender, child)]);
        }
        if (!assembly.Complete)
        {
            return false;
        }
        _assemblies.Remove(key);
        _buffers?.Assembled(new LargeMessageKey(_viewId, _stream, sender, chunk.Index));
        ref var slot = ref _logs[sender].At(chunk.Index);
        slot.Present = true;
        slot.IsNull = false;
        slot.Payload = assembly.Buffer.AsMemory(0, assembly.Length);
        return Advance(sender);
    }

    /// <summary>True when the next message in the total order is stable (received by every member).</summary>
    public bool HasStable()
    {
        if (Frozen)
        {
            return false;
        }
        var sender = (int)(_nextOrder % _members);
        return _table.MinReceived(_stream, sender) > _nextOrder / _members;
    }

    /// <summary>Delivers every stable message in order.</summary>
    public void DeliverStable(IDeliverySink sink)
    {
        Span<long> stable = _members <= 64 ? stackalloc long[_members] : new long[_members];
        for (var s = 0; s < _members; s++)
        {
            stable[s] = _table.MinReceived(_stream, s);
        }
        while (true)
        {
            var sender = (int)(_nextOrder % _members);
            var index = _nextOrder / _members;
            if (index >= stable[sender])
            {
                break;
            }
            DeliverNext(sink, sender, index);
        }
        SetDelivered();
    }

    /// <summary>
    /// Delivers, in round-robin order, every message within the stream's ragged trim (per sender, how many of its
    /// messages survive) that is not delivered yet; returns how many received messages the trim discards.
    /// </summary>
    public long DeliverUpToTrim(long[] trim, IDeliverySink sink)
    {
        for (var s = 0; s < _members; s++)
        {
            if (Received[s] < trim[s])
            {
                throw new InvalidOperationException(
                    $"trim of view {_viewId} stream {_stream} asks for {trim[s]} messages of sender {s}; only {Received[s]} were received");
            }
        }
        var end = 0L;
        for (var s = 0; s < _members; s++)
        {
            if (trim[s] > 0)
            {
                end = Math.Max(end, ((trim[s] - 1) * _members) + s + 1);
            }
        }
        while (_nextOrder < end)
        {
            var sender = (int)(_nextOrder % _members);
            var index = _nextOrder / _members;
            if (index < trim[sender])
            {
                DeliverNext(sink, sender, index);
            }
            else
            {
                _nextOrder++;
            }
        }
        SetDelivered();
        var discarded = 0L;
        for (var s = 0; s < _members; s++)
        {
            discarded += Received[s] - trim[s];
        }
        return discarded;
    }

    /// <summary>This member's application messages not delivered in this view, in order: to send again in the next.</summary>
    public List<PendingMessage> TakeUndelivered()
    {
        var result = new List<PendingMessage>(_inFlight.Count + _queue.Count);
        foreach (var (_, message) in _inFlight)
        {
            result.Add(message);
        }
        result.AddRange(_queue);
        _inFlight.Clear();
        _queue.Clear();
        return result;
    }

    private void DeliverNext(IDeliverySink sink, int sender, long index)
    {
        var log = _logs[sender];
        ref var slot = ref log.At(index);
        if (!slot.Present)
        {
            throw new InvalidOperationException($"message {index} of rank {sender} is stable but missing");
        }
        if (!slot.IsNull)
        {
            sink.Deliver(_stream, _ranks[sender], index, _nextOrder, slot.Payload);
            if (sender == _myRank)
            {
                var (_, message) = _inFlight.Dequeue();
                sink.Completed(_stream, message.MessageId);
            }
        }
        log.Release();
        _nextOrder++;
    }

    /// <summary>
    /// Records the delivered count in the own row without a push of its own: no peer's predicate waits on it, so
    /// it rides along with the next push (a received count, a heartbeat) instead of costing a frame to every peer.
    /// </summary>
    private void SetDelivered() => _table.Own.Delivered[_stream] = _nextOrder;

    private bool Advance(int sender)
    {
        var log = _logs[sender];
        var received = Received[sender];
        while (log.At(received).Present)
        {
            received++;
        }
        if (received == Received[sender])
        {
            return false;
        }
        Received[sender] = received;
        _table.MarkDirty();
        return true;
    }

    private void Flush(List<Transmission> output, ref List<ReadOnlyMemory<byte>?>? batch, long start)
    {
        if (batch is { Count: > 0 })
        {
            output.Add(new Transmission(Transmission.Everyone, new DataBatch(_viewId, _stream, _myRank, start, [.. batch])));
            batch.Clear();
        }
    }

    private void SendChunks(List<Transmission> output, long index, ReadOnlyMemory<byte> payload)
    {
        for (var offset = 0; offset < payload.Length; offset += _blockSize)
        {
            var length = Math.Min(_blockSize, payload.Length - offset);
            var root = BulkRoutes.Root(_schedule, _members - 1, offset / _blockSize);
            output.Add(new Transmission(_ranks[RankAt(_myRank, root)], new DataChunk(_viewId, _stream, _myRank, index, payload.Length, offset, payload.Slice(offset, length))));
        }
    }

    /// <summary>The position of stream member <paramref name="member"/> counted from <paramref name="sender"/> (the sender is 0).</summary>
    private int Position(int sender, int member) => (member - sender + _members) % _members;

    /// <summary>The stream member at <paramref name="position"/> counted from <paramref name="sender"/>.</summary>
    private int RankAt(int sender, int position) => (sender + position) % _members;

    /// <summary>
    /// A large message being received: its buffer (pooled, or its own, possibly longer than the message) and which
    /// of its blocks arrived (in any order).
    /// </summary>
    private sealed class Assembly(byte[] buffer, int length, int blockSize)
    {
        private readonly bool[] _arrived = new bool[(length + blockSize - 1) / blockSize];
        private int _missing = (length + blockSize - 1) / blockSize;

        public byte[] Buffer => buffer;

        public int Length => length;

        public bool Complete => _missing == 0;

        /// <summary>Copies block <paramref name="block"/> into place unless it was received there; false if it arrived before.</summary>
        public bool Add(int block, ReadOnlySpan<byte> bytes)
        {
            if (_arrived[block])
            {
                return false;
            }
            _arrived[block] = true;
            _missing--;
            var place = buffer.AsSpan(block * blockSize, bytes.Length);
            if (!bytes.Overlaps(place, out var shift) || shift != 0)
            {
                bytes.CopyTo(place);
            }
            return true;
        }
    }
}
