using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Derecho.Transport;

/// <summary>
/// One TCP connection to a peer after the handshake, in non-blocking mode. <see cref="Flush"/> writes the frames
/// appended since the last flush on the calling thread, as far as the socket takes them without waiting; only what
/// does not fit waits for the transport's I/O thread, which sends it when the socket has room. So a message usually
/// leaves without a thread hop. Frames written with <see cref="SendBulk"/> (blocks of large messages) form a second
/// lane, in order among themselves, sent from where they lie (no copy) and one frame at a time, only when no control
/// frame waits: a row or heartbeat waits behind at most one bulk frame, never behind megabytes of data. The
/// transport's I/O thread reads frames into buffers that are never reused and hands each payload to the
/// <see cref="ITransportHandler"/> on that thread, without a copy. A malformed frame, a broken socket or a peer that
/// does not drain its data closes the connection and reports it to the handler once.
/// </summary>
public sealed class PeerConnection : IDisposable
{
    /// <summary>Unsent bytes beyond which the peer is considered stuck and the connection closed.</summary>
    public const long MaxPendingBytes = 256L << 20;

    /// <summary>The size of a receive buffer (below the large-object heap's threshold).</summary>
    private const int ReceiveBufferSize = 64 * 1024;

    /// <summary>The least free space a read is given before a frame of unknown length moves to a fresh buffer.</summary>
    private const int MinimumRead = 4 * 1024;

    /// <summary>The size of a block that control frames are written into.</summary>
    private const int SendBlockSize = 64 * 1024;

    /// <summary>Bytes read from one connection before the I/O thread turns to the others.</summary>
    private const int ReadBudget = 1 << 20;

    private readonly Socket _socket;
    private readonly ITransportHandler _handler;
    private readonly int _maxFrameSize;
    private readonly Lock _gate = new();
    private readonly Queue<Outgoing> _control = new();
    private readonly Queue<Outgoing> _bulk = new();
    private readonly List<Outgoing> _unflushedBulk = [];
    private readonly Action _wakeIoThread;
    private byte[]? _block;
    private int _blockStart;
    private int _blockEnd;
    private long _unflushedBytes;
    private long _pendingBytes;
    private bool _sending;
    private Outgoing _current;
    private int _currentSent;
    private int _closed;
    private volatile bool _waitsForRoom;
    private byte[] _received = new byte[ReceiveBufferSize];
    private int _receivedStart;
    private int _receivedEnd;

    internal PeerConnection(Socket socket, Hello remote, ITransportHandler handler, int maxFrameSize, Action wakeIoThread)
    {
        _socket = socket;
        _socket.Blocking = false;
        _wakeIoThread = wakeIoThread;
        Remote = remote;
        _handler = handler;
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

    /// <summary>Appends a frame; it goes out at the next <see cref="Flush"/>. Does nothing once closed.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (IsClosed)
        {
            return;
        }
        var length = Frame.HeaderSize + payload.Length;
        if (_block is null || _block.Length - _blockEnd < length)
        {
            TakeBlock();
            _block = ArrayPool<byte>.Shared.Rent(Math.Max(SendBlockSize, length));
            _blockStart = _blockEnd = 0;
        }
        Frame.Write(_block.AsSpan(_blockEnd), type, payload);
        _blockEnd += length;
        _unflushedBytes += length;
    }

    /// <summary>
    /// Appends a frame to the bulk lane: it goes out at the next <see cref="Flush"/>, after the bulk frames before
    /// it, and control frames (<see cref="Send"/>) may overtake it. The payload is sent from where it lies, so its
    /// bytes must not change afterwards. Does nothing once closed.
    /// </summary>
    public void SendBulk(FrameType type, ReadOnlyMemory<byte> payload)
    {
        if (IsClosed)
        {
            return;
        }
        var header = ArrayPool<byte>.Shared.Rent(Frame.HeaderSize);
        Frame.WriteHeader(header, type, payload.Span);
        _unflushedBulk.Add(new Outgoing(header, header.AsMemory(0, Frame.HeaderSize), payload));
        _unflushedBytes += Frame.HeaderSize + payload.Length;
    }

    /// <summary>
    /// Sends the frames appended since the last flush: on this thread as far as the socket takes them at once, the
    /// rest from the connection's sender thread.
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
        lock (_gate)
        {
            if (_block is not null && _blockEnd > _blockStart)
            {
                // The rest of the block stays ours to append to; the flushed part belongs to the sender.
                _control.Enqueue(new Outgoing(null, _block.AsMemory(_blockStart, _blockEnd - _blockStart), default));
                _blockStart = _blockEnd;
            }
            foreach (var bulk in _unflushedBulk)
            {
                _bulk.Enqueue(bulk);
            }
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

    /// <summary>Hands the block written so far (its flushed part is already queued) back once it is full.</summary>
    private void TakeBlock()
    {
        if (_block is null)
        {
            return;
        }
        lock (_gate)
        {
            // The last queued slice of the block returns it to the pool once sent; an unused block returns now.
            if (_blockEnd > _blockStart)
            {
                _control.Enqueue(new Outgoing(_block, _block.AsMemory(_blockStart, _blockEnd - _blockStart), default));
            }
            else if (_blockEnd == 0)
            {
                ArrayPool<byte>.Shared.Return(_block);
            }
            else
            {
                _control.Enqueue(new Outgoing(_block, default, default));
            }
        }
        _block = null;
    }

    /// <summary>
    /// Sends the waiting frames, control before bulk, until none waits (true: nobody is the sender any more) or the
    /// socket is full (false: the I/O thread goes on when it has room).
    /// </summary>
    private bool SendWaiting()
    {
        try
        {
            while (true)
            {
                if (_current.IsEmpty)
                {
                    lock (_gate)
                    {
                        if (!_control.TryDequeue(out _current) && !_bulk.TryDequeue(out _current))
                        {
                            _waitsForRoom = false;
                            _sending = false;
                            return true;
                        }
                    }
                    _currentSent = 0;
                }
                var part = _currentSent < _current.First.Length
                    ? _current.First.Span[_currentSent..]
                    : _current.Second.Span[(_currentSent - _current.First.Length)..];
                var error = SocketError.Success;
                var sent = part.IsEmpty ? 0 : _socket.Send(part, SocketFlags.None, out error);
                if (error == SocketError.Success)
                {
                    _currentSent += sent;
                    if (_currentSent == _current.Length)
                    {
                        Interlocked.Add(ref _pendingBytes, -_current.Length);
                        _current.Release();
                        _current = default;
                    }
                }
                else if (error == SocketError.WouldBlock)
                {
                    _waitsForRoom = true;
                    return false;
                }
                else
                {
                    Close($"send failed: {error}");
                    return true;
                }
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

    /// <summary>
    /// The socket has bytes (or an error, or the end of the stream): the I/O thread reads what is there, up to a
    /// budget, into buffers that are never written again once handed out, so every payload is a slice the handler
    /// may keep.
    /// </summary>
    internal void OnReadable()
    {
        try
        {
            for (var budget = ReadBudget; budget > 0 && !IsClosed;)
            {
                int frameLength;
                while (Frame.TryRead(_received.AsSpan(_receivedStart, _receivedEnd - _receivedStart), _maxFrameSize, out var type, out frameLength))
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
                var fits = frameLength > 0 ? _received.Length - _receivedStart >= frameLength : _received.Length - _receivedEnd >= MinimumRead;
                if (!fits)
                {
                    // A frame larger than a buffer gets an array of exactly its size: read into, never copied.
                    var fresh = new byte[Math.Max(ReceiveBufferSize, frameLength)];
                    _received.AsSpan(_receivedStart, _receivedEnd - _receivedStart).CopyTo(fresh);
                    (_received, _receivedStart, _receivedEnd) = (fresh, 0, _receivedEnd - _receivedStart);
                }
                var read = _socket.Receive(_received.AsSpan(_receivedEnd), SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    return;
                }
                if (error != SocketError.Success)
                {
                    Close($"receive failed: {error}");
                    return;
                }
                if (read == 0)
                {
                    Close(_receivedEnd == _receivedStart ? "peer closed the connection" : "peer closed the connection in the middle of a frame");
                    return;
                }
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

    /// <summary>Bytes waiting to be sent: a slice of a control block, or a bulk frame's header and payload.</summary>
    private readonly record struct Outgoing(byte[]? Pooled, ReadOnlyMemory<byte> First, ReadOnlyMemory<byte> Second)
    {
        public bool IsEmpty => Pooled is null && First.IsEmpty && Second.IsEmpty;

        public int Length => First.Length + Second.Length;

        public void Release()
        {
            if (Pooled is not null)
            {
                ArrayPool<byte>.Shared.Return(Pooled);
            }
        }
    }
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
}
