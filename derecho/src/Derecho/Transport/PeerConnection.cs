using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Derecho.Transport;

/// <summary>
/// One TCP connection to a peer after the handshake, in non-blocking mode. <see cref="Flush"/> writes the frames
/// appended since the last flush on the calling thread, as far as the socket takes them without waiting; only what
/// does not fit waits for the transport's I/O thread, which sends it when the socket has room. So a message usually
/// leaves without a thread hop. Small frames are copied into a pooled block; larger ones
/// (<see cref="Send(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, bool)"/>) are sent from where they
/// lie, header, body and tail gathered into one system call with the frames around them. Bulk frames (blocks of
/// large messages) form a second lane, in order among themselves, sent a few hundred kilobytes per system call behind
/// the control frames that wait: a row or heartbeat waits behind at most one such gather, never behind megabytes of
/// data. The transport's I/O thread reads frames into buffers that are never reused and hands each
/// payload to the <see cref="ITransportHandler"/> on that thread, without a copy, except that a large bulk frame
/// may be read straight into memory an <see cref="IBulkPlacement"/> names. A malformed frame, a broken socket or a peer that
/// does not drain its data closes the connection and reports it to the handler once.
/// </summary>
public sealed class PeerConnection : IDisposable
{
    /// <summary>Unsent bytes beyond which the peer is considered stuck and the connection closed.</summary>
    public const long MaxPendingBytes = 256L << 20;

    /// <summary>Frames up to this size are copied into a block; larger ones are sent from where they lie.</summary>
    public const int CopyThreshold = 2048;

    /// <summary>The size of a receive buffer (below the large-object heap's threshold).</summary>
    private const int ReceiveBufferSize = 64 * 1024;

    /// <summary>The least free space a read is given before a frame of unknown length moves to a fresh buffer.</summary>
    private const int MinimumRead = 4 * 1024;

    /// <summary>The size of a block that control frames are written into.</summary>
    private const int SendBlockSize = 64 * 1024;

    /// <summary>Bulk frames with payloads of at least this many bytes are offered to the <see cref="IBulkPlacement"/>.</summary>
    public const int MinPlacedPayload = 4096;

    /// <summary>The bytes of a bulk frame's payload the placement sees (<see cref="IBulkPlacement.Place"/>) when the frame is longer.</summary>
    public const int PlacementHead = 64;

    /// <summary>
    /// The most a read takes at a frame boundary while the peer sends placed frames: enough for a header and the
    /// start of the next frame, so that a placed frame's bytes are read where they belong, not copied there.
    /// </summary>
    private const int BoundaryRead = 1024;

    /// <summary>Bytes read from one connection before the I/O thread turns to the others.</summary>
    internal const int ReadBudget = 1 << 20;

    /// <summary>Buffers gathered into one send.</summary>
    private const int MaxGather = 48;

    /// <summary>Bulk bytes gathered into one send at most (plus the last frame's): a control frame waits behind no more.</summary>
    private const int MaxBulkGather = 256 * 1024;

    /// <summary>The kernel's send and receive buffers (loopback peers exchange megabytes without a pause).</summary>
    private const int SocketBufferSize = 4 << 20;

    private readonly Socket _socket;
    private readonly ITransportHandler _handler;
    private readonly int _maxFrameSize;
    private readonly Lock _gate = new();
    private readonly Queue<Outgoing> _control = new();
    private readonly Queue<Outgoing> _bulk = new();
    private readonly List<Outgoing> _unflushedControl = [];
    private readonly List<Outgoing> _unflushedBulk = [];
    private readonly List<Outgoing> _sendingNow = [];
    private readonly List<ArraySegment<byte>> _gather = [];
    private readonly List<ArraySegment<byte>> _scatter = new(2);
    private readonly Action _wakeIoThread;
    private byte[]? _block;
    private int _blockStart;
    private int _blockEnd;
    private long _unflushedBytes;
    private long _pendingBytes;
    private bool _sending;
    private int _sentOfSendingNow;
    private int _closed;
    private volatile bool _waitsForRoom;
    private byte[] _received = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize);
    private int _receivedStart;
    private int _receivedEnd;
    private readonly IBulkPlacement? _placement;
    private Memory<byte> _placed;
    private int _placedFilled;
    private int _placedSplit;
    private bool _placing;
    private byte[]? _declinedBuffer;
    private int _declinedStart;

    internal PeerConnection(Socket socket, Hello remote, ITransportHandler handler, int maxFrameSize, Action wakeIoThread)
    {
        _socket = socket;
        _socket.Blocking = false;
        try
        {
            _socket.SendBufferSize = SocketBufferSize;
            _socket.ReceiveBufferSize = SocketBufferSize;
        }
        catch (SocketException)
        {
            // The kernel's limits stand: the connection works with its default buffers.
        }
        _wakeIoThread = wakeIoThread;
        Remote = remote;
        _handler = handler;
        _placement = handler as IBulkPlacement;
        _maxFrameSize = maxFrameSize;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
    }

    /// <summary>The peer's node id and incarnation from its handshake.</summary>
    public Hello Remote { get; }

    /// <summary>The peer's address and port as the socket sees it.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Whether the connection has been closed.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Bytes handed to <see cref="Flush"/> and not yet written to the socket.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>Appends a frame (copied); it goes out at the next <see cref="Flush"/>. Does nothing once closed.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (IsClosed)
        {
            return;
        }
        var length = Frame.HeaderSize + payload.Length;
        Frame.Write(BlockSpan(length), type, payload);
        _blockEnd += length;
        _unflushedBytes += length;
    }

    /// <summary>
    /// Appends a frame whose header (<see cref="Frame.Header"/>, computed once for any number of peers) is
    /// <paramref name="header"/> and whose payload is <paramref name="body"/> followed by <paramref name="tail"/>;
    /// it goes out at the next <see cref="Flush"/>. A small control frame is copied; a larger one, and every bulk
    /// frame, is sent from where it lies, so its bytes must not change afterwards. Bulk frames
    /// (<paramref name="bulk"/>) keep their order among themselves, and control frames may overtake them. Does
    /// nothing once closed.
    /// </summary>
    public void Send(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail, bool bulk)
    {
        if (header.Length != Frame.HeaderSize)
        {
            throw new ArgumentException($"a frame header has {Frame.HeaderSize} bytes, not {header.Length}", nameof(header));
        }
        if (IsClosed)
        {
            return;
        }
        var length = Frame.HeaderSize + body.Length + tail.Length;
        _unflushedBytes += length;
        if (!bulk && length <= CopyThreshold)
        {
            var span = BlockSpan(length);
            header.Span.CopyTo(span);
            body.Span.CopyTo(span[Frame.HeaderSize..]);
            tail.Span.CopyTo(span[(Frame.HeaderSize + body.Length)..]);
            _blockEnd += length;
            return;
        }
        var frame = new Outgoing(null, Gatherable(header), Gatherable(body), Gatherable(tail));
        if (bulk)
        {
            _unflushedBulk.Add(frame);
        }
        else
        {
            CutBlock();
            _unflushedControl.Add(frame);
        }
    }

    /// <summary>
    /// Appends a frame to the bulk lane, its header computed here; see
    /// <see cref="Send(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, bool)"/>.
    /// </summary>
    public void SendBulk(FrameType type, ReadOnlyMemory<byte> payload) =>
        Send(Frame.Header(type, payload.Span, default), payload, default, bulk: true);

    /// <summary>
    /// Sends the frames appended since the last flush: on this thread as far as the socket takes them at once, the
    /// rest from the transport's I/O thread.
    /// </summary>
    public void Flush()
    {
        if (_unflushedBytes == 0 || IsClosed)
        {
            return;
        }
        if (Interlocked.Add(ref _pendingBytes, _unflushedBytes) > MaxPendingBytes)
        {
            Close($"peer does not drain its connection ({PendingBytes} bytes pending)");
            return;
        }
        _unflushedBytes = 0;
        CutBlock();
        lock (_gate)
        {
            foreach (var frame in _unflushedControl)
            {
                _control.Enqueue(frame);
            }
            foreach (var frame in _unflushedBulk)
            {
                _bulk.Enqueue(frame);
            }
            _unflushedControl.Clear();
            _unflushedBulk.Clear();
            if (_sending)
            {
                return;
            }
            _sending = true;
        }
        if (!SendWaiting())
        {
            _wakeIoThread();
        }
    }

    /// <summary>
    /// Sends a small frame at once from any thread, behind the frames already flushed (not those appended since the
    /// last <see cref="Flush"/>, which stay the sending thread's): evidence of life while the thread that owns this
    /// connection's sends is busy.
    /// </summary>
    public void SendNow(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (IsClosed)
        {
            return;
        }
        var frame = Frame.Encode(type, payload);
        Interlocked.Add(ref _pendingBytes, frame.Length);
        lock (_gate)
        {
            _control.Enqueue(new Outgoing(null, frame, default, default));
            if (_sending)
            {
                return;
            }
            _sending = true;
        }
        if (!SendWaiting())
        {
            _wakeIoThread();
        }
    }

    /// <summary>Closes the connection (idempotent); the handler hears of it once, with <paramref name="reason"/>.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
        _handler.OnClosed(this, reason);
    }

    /// <summary>Closes the connection as closed locally.</summary>
    public void Dispose() => Close("closed locally");

    /// <inheritdoc />
    public override string ToString() => $"node {Remote.NodeId} (incarnation {Remote.Incarnation:x}) at {RemoteEndPoint}";

    internal Socket Socket => _socket;

    /// <summary>Whether frames wait for room in the socket (the I/O thread then watches it for writing).</summary>
    internal bool WaitsForRoom => _waitsForRoom;

    /// <summary>The socket has room: the I/O thread sends what waits.</summary>
    internal void OnWritable()
    {
        if (_waitsForRoom && !IsClosed)
        {
            SendWaiting();
        }
    }

    /// <summary>Room for <paramref name="length"/> bytes at the end of the current block (a fresh block if it is full).</summary>
    private Span<byte> BlockSpan(int length)
    {
        if (_block is null || _block.Length - _blockEnd < length)
        {
            TakeBlock();
            _block = ArrayPool<byte>.Shared.Rent(Math.Max(SendBlockSize, length));
            _blockStart = _blockEnd = 0;
        }
        return _block.AsSpan(_blockEnd, length);
    }

    /// <summary>Queues the frames written into the block since the last cut, so that frames queued next follow them.</summary>
    private void CutBlock()
    {
        if (_block is not null && _blockEnd > _blockStart)
        {
            // The rest of the block stays ours to append to; the cut part belongs to the sender.
            _unflushedControl.Add(new Outgoing(null, _block.AsMemory(_blockStart, _blockEnd - _blockStart), default, default));
            _blockStart = _blockEnd;
        }
    }

    /// <summary>Hands the block written so far back once it is full: its last queued part returns it to the pool once sent.</summary>
    private void TakeBlock()
    {
        if (_block is null)
        {
            return;
        }
        if (_blockEnd == 0)
        {
            ArrayPool<byte>.Shared.Return(_block);
        }
        else
        {
            _unflushedControl.Add(new Outgoing(_block, _block.AsMemory(_blockStart, _blockEnd - _blockStart), default, default));
        }
        _block = null;
    }

    /// <summary>Memory a gathered send can point at: its own array, or a copy when it has none.</summary>
    private static ReadOnlyMemory<byte> Gatherable(ReadOnlyMemory<byte> memory) =>
        memory.IsEmpty || MemoryMarshal.TryGetArray(memory, out _) ? memory : memory.ToArray();

    /// <summary>
    /// Sends the waiting frames, control before bulk, several at once (gathered into one system call) until none
    /// waits (true: nobody is the sender any more) or the socket is full (false: the I/O thread goes on when it has
    /// room).
    /// </summary>
    private bool SendWaiting()
    {
        try
        {
            while (true)
            {
                if (_sendingNow.Count == 0 && !TakeWaiting())
                {
                    return true;
                }
                Gather();
                if (_gather.Count == 0)
                {
                    // Only a block's return to the pool was waiting.
                    Sent(0);
                    continue;
                }
                var sent = _socket.Send(_gather, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    _waitsForRoom = true;
                    return false;
                }
                if (error != SocketError.Success)
                {
                    Close($"send failed: {error}");
                    return true;
                }
                Sent(sent);
            }
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
        catch (SocketException e)
        {
            Close($"send failed: {e.Message}");
            return true;
        }
    }

    /// <summary>Takes the waiting control frames (up to a gather's worth), then bulk frames up to <see cref="MaxBulkGather"/> bytes; false (and no longer the sender) when none waits.</summary>
    private bool TakeWaiting()
    {
        lock (_gate)
        {
            var buffers = 0;
            while (buffers < MaxGather && _control.TryDequeue(out var frame))
            {
                _sendingNow.Add(frame);
                buffers += frame.Buffers;
            }
            for (var bulkBytes = 0; buffers < MaxGather && bulkBytes < MaxBulkGather && _bulk.TryDequeue(out var bulk); bulkBytes += bulk.Length)
            {
                _sendingNow.Add(bulk);
                buffers += bulk.Buffers;
            }
            if (_sendingNow.Count > 0)
            {
                return true;
            }
            _waitsForRoom = false;
            _sending = false;
            return false;
        }
    }

    /// <summary>Points the gather list at the unsent bytes of the frames being sent.</summary>
    private void Gather()
    {
        _gather.Clear();
        var skip = _sentOfSendingNow;
        foreach (var frame in _sendingNow)
        {
            Add(frame.First, ref skip);
            Add(frame.Second, ref skip);
            Add(frame.Third, ref skip);
        }

        void Add(ReadOnlyMemory<byte> memory, ref int skip)
        {
            if (skip >= memory.Length)
            {
                skip -= memory.Length;
                return;
            }
            MemoryMarshal.TryGetArray(memory, out var segment);
            _gather.Add(segment.Slice(skip));
            skip = 0;
        }
    }

    /// <summary>Accounts for <paramref name="count"/> bytes sent: frames sent whole leave the list and release their blocks.</summary>
    private void Sent(int count)
    {
        _sentOfSendingNow += count;
        var done = 0;
        while (done < _sendingNow.Count && _sentOfSendingNow >= _sendingNow[done].Length)
        {
            var frame = _sendingNow[done];
            _sentOfSendingNow -= frame.Length;
            Interlocked.Add(ref _pendingBytes, -frame.Length);
            frame.Release();
            done++;
        }
        _sendingNow.RemoveRange(0, done);
    }

    /// <summary>
    /// The socket has bytes (or an error, or the end of the stream): the I/O thread reads what is there, up to a
    /// budget, into buffers that are never written again once handed out, so every payload is a slice the handler
    /// may keep. A large bulk frame whose destination the <see cref="IBulkPlacement"/> names is read there instead,
    /// after its first bytes.
    /// </summary>
    internal void OnReadable()
    {
        try
        {
            // A read that returns less than it asked for emptied the socket: the frames it completed are handed over,
            // and the next read waits for the next poll instead of costing a system call that finds nothing.
            // The budget is checked only once the frames already read were handed over: bytes read and left unparsed
            // when the socket is then empty would wait for a poll that never comes (a client whose every call sits
            // in those bytes sends nothing more).
            var drained = false;
            for (var budget = ReadBudget; !IsClosed;)
            {
                if (!_placed.IsEmpty)
                {
                    if (drained || budget <= 0)
                    {
                        return;
                    }
                    var wanted = _placed.Length - _placedFilled;
                    var count = ReadPlaced(out var asked);
                    if (count <= 0)
                    {
                        return;
                    }
                    drained = count < asked;
                    _placedFilled += Math.Min(count, wanted);
                    // Bytes beyond the placed frame are the next frames' start, read in behind its head.
                    _receivedEnd += Math.Max(0, count - wanted);
                    budget -= count;
                    if (_placedFilled == _placed.Length)
                    {
                        HandOverPlaced();
                    }
                    continue;
                }
                int frameLength;
                FrameType type;
                while (Frame.TryRead(_received.AsSpan(_receivedStart, _receivedEnd - _receivedStart), _maxFrameSize, out type, out frameLength))
                {
                    if (type == FrameType.Hello)
                    {
                        throw new MalformedFrameException("second handshake on an open connection");
                    }
                    var payload = _received.AsMemory(_receivedStart + Frame.HeaderSize, frameLength - Frame.HeaderSize);
                    _receivedStart += frameLength;
                    _handler.OnFrame(this, type, payload);
                    if (IsClosed)
                    {
                        return;
                    }
                }
                if (frameLength > 0 && type == FrameType.Bulk && TryPlace(frameLength))
                {
                    continue;
                }
                if (drained || budget <= 0)
                {
                    return;
                }
                var fits = frameLength > 0 ? _received.Length - _receivedStart >= frameLength : _received.Length - _receivedEnd >= MinimumRead;
                if (!fits)
                {
                    // A frame larger than a buffer gets an array of exactly its size: read into, never copied.
                    var fresh = GC.AllocateUninitializedArray<byte>(Math.Max(ReceiveBufferSize, frameLength));
                    _received.AsSpan(_receivedStart, _receivedEnd - _receivedStart).CopyTo(fresh);
                    (_received, _receivedStart, _receivedEnd) = (fresh, 0, _receivedEnd - _receivedStart);
                }
                var room = _received.AsSpan(_receivedEnd);
                room = _placing && frameLength == 0 && room.Length > BoundaryRead ? room[..BoundaryRead] : room;
                var read = Read(room);
                if (read <= 0)
                {
                    return;
                }
                drained = read < room.Length;
                _receivedEnd += read;
                budget -= read;
            }
        }
        catch (MalformedFrameException e)
        {
            Close($"malformed frame: {e.Message}");
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A handler's failure must not stop the I/O thread that serves every connection: the peer is dropped.
            Close($"handling a frame failed: {e}");
        }
    }

    /// <summary>Reads into <paramref name="into"/>: the count, or 0 when nothing is there yet or the connection closed.</summary>
    private int Read(Span<byte> into)
    {
        var read = _socket.Receive(into, SocketFlags.None, out var error);
        return Received(read, error);
    }

    /// <summary>The outcome of a receive call: the count, or 0 when nothing is there yet or the connection closed.</summary>
    private int Received(int read, SocketError error)
    {
        if (error == SocketError.WouldBlock)
        {
            return 0;
        }
        if (error != SocketError.Success)
        {
            Close($"receive failed: {error}");
            return 0;
        }
        if (read == 0)
        {
            Close(_receivedEnd == _receivedStart && _placed.IsEmpty ? "peer closed the connection" : "peer closed the connection in the middle of a frame");
        }
        return read;
    }

    /// <summary>
    /// Reads the rest of the placed frame and, in the same system call, up to <see cref="BoundaryRead"/> bytes of
    /// what follows it into the receive buffer behind the frame's head (so the next block's header is there without
    /// a read of its own); <paramref name="asked"/> is how many bytes the call could have returned.
    /// </summary>
    private int ReadPlaced(out int asked)
    {
        var rest = _placed[_placedFilled..];
        var room = Math.Min(BoundaryRead, _received.Length - _receivedEnd);
        if (room < Frame.HeaderSize + PlacementHead || !MemoryMarshal.TryGetArray<byte>(rest, out var destination))
        {
            asked = rest.Length;
            return Read(rest.Span);
        }
        asked = rest.Length + room;
        _scatter.Clear();
        _scatter.Add(destination);
        _scatter.Add(new ArraySegment<byte>(_received, _receivedEnd, room));
        var read = _socket.Receive(_scatter, SocketFlags.None, out var error);
        return Received(read, error);
    }

    /// <summary>
    /// Offers the incomplete bulk frame at the start of the received bytes (<paramref name="frameLength"/> bytes
    /// in all) to the placement once its first bytes are here; true when its remaining bytes go to the destination
    /// the placement named (those already read are moved there).
    /// </summary>
    private bool TryPlace(int frameLength)
    {
        var payloadLength = frameLength - Frame.HeaderSize;
        var available = _receivedEnd - _receivedStart - Frame.HeaderSize;
        if (_placement is null || payloadLength < MinPlacedPayload || available < PlacementHead
            || (_declinedBuffer == _received && _declinedStart == _receivedStart))
        {
            return false;
        }
        var head = _received.AsSpan(_receivedStart + Frame.HeaderSize, available);
        var destination = _placement.Place(this, head[..PlacementHead], payloadLength, out var split);
        if (destination.IsEmpty)
        {
            (_declinedBuffer, _declinedStart, _placing) = (_received, _receivedStart, false);
            return false;
        }
        if (split < 0 || split > PlacementHead || destination.Length != payloadLength - split)
        {
            throw new InvalidOperationException($"placement of {destination.Length} bytes after {split} for a payload of {payloadLength}");
        }
        head[split..].CopyTo(destination.Span);
        (_placed, _placedFilled, _placedSplit, _placing) = (destination, available - split, split, true);
        // The bytes after the split live in the destination now; later frames are read in behind the split.
        _receivedEnd = _receivedStart + Frame.HeaderSize + split;
        if (_placedFilled == _placed.Length)
        {
            HandOverPlaced();
        }
        return true;
    }

    /// <summary>A placed frame is complete: checks its checksum and hands it to the placement.</summary>
    private void HandOverPlaced()
    {
        var header = _received.AsSpan(_receivedStart, Frame.HeaderSize);
        var head = _received.AsMemory(_receivedStart + Frame.HeaderSize, _placedSplit);
        var placed = _placed;
        _placed = default;
        Frame.Verify(header, head.Span, placed.Span);
        _receivedStart += Frame.HeaderSize + _placedSplit;
        _placement!.OnPlacedFrame(this, head, placed);
    }

    /// <summary>Bytes waiting to be sent: a part of a control block, or a frame's header, body and tail; the block returns to the pool once sent.</summary>
    private readonly record struct Outgoing(byte[]? Pooled, ReadOnlyMemory<byte> First, ReadOnlyMemory<byte> Second, ReadOnlyMemory<byte> Third)
    {
        public int Length => First.Length + Second.Length + Third.Length;

        public int Buffers => (First.IsEmpty ? 0 : 1) + (Second.IsEmpty ? 0 : 1) + (Third.IsEmpty ? 0 : 1);

        public void Release()
        {
            if (Pooled is not null)
            {
                ArrayPool<byte>.Shared.Return(Pooled);
            }
        }
    }
}

/// <summary>
/// A <see cref="ITransportHandler"/> that has large bulk frames read straight into memory of its choosing (the
/// buffer a large message is assembled in) rather than into the connection's receive buffers and copied there
/// afterwards. Called on the transport's I/O thread.
/// </summary>
public interface IBulkPlacement
{
    /// <summary>
    /// Where the bytes of a bulk frame go after its first <paramref name="split"/> bytes, which stay in the
    /// connection's buffer.
    /// </summary>
    /// <param name="connection">The connection the frame arrives on.</param>
    /// <param name="head">The payload's first <see cref="PeerConnection.PlacementHead"/> bytes (not yet checked against the frame's checksum).</param>
    /// <param name="payloadLength">The whole payload's length.</param>
    /// <param name="split">How many of the payload's first bytes stay behind (at most <see cref="PeerConnection.PlacementHead"/>).</param>
    /// <returns>Exactly <paramref name="payloadLength"/> − <paramref name="split"/> bytes that nothing else writes
    /// to, or empty memory to receive the frame as usual.</returns>
    Memory<byte> Place(PeerConnection connection, ReadOnlySpan<byte> head, int payloadLength, out int split);

    /// <summary>
    /// A placed frame arrived whole and its checksum matched: its first bytes <paramref name="head"/> (the
    /// handler's to keep, right behind the frame's header) and the rest in <paramref name="placed"/>.
    /// </summary>
    void OnPlacedFrame(PeerConnection connection, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> placed);
}

/// <summary>What a <see cref="TcpTransport"/> reports; called on the transport's threads.</summary>
public interface ITransportHandler
{
    /// <summary>A peer connected to this member and completed the handshake.</summary>
    void OnAccepted(PeerConnection connection);

    /// <summary>
    /// A frame arrived. <paramref name="payload"/> is the handler's to keep: the transport never writes to its bytes
    /// again. Called on the transport's I/O thread, which reads nothing more until the call returns.
    /// </summary>
    void OnFrame(PeerConnection connection, FrameType type, ReadOnlyMemory<byte> payload);

    /// <summary>The connection closed: broken, malformed input, or closed by either side. Called once.</summary>
    void OnClosed(PeerConnection connection, string reason);

    /// <summary>
    /// The I/O thread handed over every frame it read from the connections that were ready at once (one pass over
    /// them), and turns back to waiting: a handler that queued frames can act on all of them together here (one
    /// round of its protocol, one flush per peer) rather than once per frame. Called on the I/O thread.
    /// </summary>
    void OnReadsDone()
    {
    }
}
