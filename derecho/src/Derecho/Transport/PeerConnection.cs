using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Derecho.Transport;

/// <summary>
/// One TCP connection to a peer after the handshake. Frames written with <see cref="Send"/> collect in a pipe and
/// a send loop writes whatever has collected in one system call per segment, so many frames share a send. Frames
/// written with <see cref="SendBulk"/> (blocks of large messages) form a second lane, in order among themselves,
/// that the send loop serves one frame at a time and only when no control frame waits: a row or heartbeat waits
/// behind at most one bulk frame, never behind megabytes of data. A
/// malformed frame, a broken socket or a peer that does not drain its data closes the connection and reports it to
/// the <see cref="ITransportHandler"/> once.
/// </summary>
/// <remarks><see cref="Send"/> and <see cref="Flush"/> are for one thread at a time (a member's event loop).</remarks>
public sealed class PeerConnection : IDisposable
{
    /// <summary>Unsent bytes beyond which the peer is considered stuck and the connection closed.</summary>
    public const long MaxPendingBytes = 256L << 20;

    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly Pipe _output = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0,
        minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
    private readonly ConcurrentQueue<(byte[] Frame, int Length)> _bulk = new();
    private readonly List<(byte[] Frame, int Length)> _unflushedBulk = [];
    private readonly SemaphoreSlim _ready = new(0);
    private readonly ITransportHandler _handler;
    private readonly int _maxFrameSize;
    private readonly CancellationTokenSource _closing = new();
    private long _pendingBytes;
    private long _unflushedBytes;
    private int _signalled;
    private int _closed;

    internal PeerConnection(Socket socket, PipeReader input, Hello remote, ITransportHandler handler, int maxFrameSize)
    {
        _socket = socket;
        _input = input;
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

    /// <summary>Bytes handed to <see cref="Send"/> and not yet written to the socket.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>Appends a frame; it goes out at the next <see cref="Flush"/>. Does nothing once closed.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (IsClosed)
        {
            return;
        }
        Frame.Write(_output.Writer, type, payload);
        _unflushedBytes += Frame.HeaderSize + payload.Length;
    }

    /// <summary>
    /// Appends a frame to the bulk lane: it goes out at the next <see cref="Flush"/>, after the bulk frames before
    /// it, and control frames (<see cref="Send"/>) may overtake it. Does nothing once closed.
    /// </summary>
    public void SendBulk(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (IsClosed)
        {
            return;
        }
        var length = Frame.HeaderSize + payload.Length;
        var frame = ArrayPool<byte>.Shared.Rent(length);
        Frame.Write(frame, type, payload);
        _unflushedBulk.Add((frame, length));
        _unflushedBytes += length;
    }

    /// <summary>Hands the frames appended since the last flush to the send loop.</summary>
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
        // The pipe never pauses its writer (pauseWriterThreshold 0), so the flush completes at once.
        var flush = _output.Writer.FlushAsync(CancellationToken.None);
        if (!flush.IsCompleted)
        {
            Close("send pipe refused a flush");
            return;
        }
        foreach (var frame in _unflushedBulk)
        {
            _bulk.Enqueue(frame);
        }
        _unflushedBulk.Clear();
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _ready.Release();
        }
    }

    /// <summary>Closes the connection (idempotent); the handler hears of it once, with <paramref name="reason"/>.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _closing.Cancel();
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

    internal void Start()
    {
        _ = Task.Run(SendLoopAsync);
        _ = Task.Run(ReceiveLoopAsync);
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                await _ready.WaitAsync(_closing.Token).ConfigureAwait(false);
                Volatile.Write(ref _signalled, 0);
                while (await SendNextAsync(reader).ConfigureAwait(false))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            Close($"send failed: {e.Message}");
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends every waiting control frame, else one bulk frame; false when nothing waits.</summary>
    private async Task<bool> SendNextAsync(PipeReader reader)
    {
        if (reader.TryRead(out var result))
        {
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                foreach (var segment in buffer)
                {
                    await SendAllAsync(segment).ConfigureAwait(false);
                }
                Interlocked.Add(ref _pendingBytes, -buffer.Length);
                reader.AdvanceTo(buffer.End);
                return true;
            }
            reader.AdvanceTo(buffer.Start);
        }
        if (_bulk.TryDequeue(out var bulk))
        {
            try
            {
                await SendAllAsync(bulk.Frame.AsMemory(0, bulk.Length)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bulk.Frame);
            }
            Interlocked.Add(ref _pendingBytes, -bulk.Length);
            return true;
        }
        return false;
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        for (var sent = 0; sent < bytes.Length;)
        {
            sent += await _socket.SendAsync(bytes[sent..], SocketFlags.None, _closing.Token).ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (Frame.TryRead(ref buffer, _maxFrameSize, out var type, out var payload))
                {
                    if (type == FrameType.Hello)
                    {
                        throw new MalformedFrameException("second handshake on an open connection");
                    }
                    _handler.OnFrame(this, type, payload);
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Close(buffer.IsEmpty ? "peer closed the connection" : "peer closed the connection in the middle of a frame");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (MalformedFrameException e)
        {
            Close($"malformed frame: {e.Message}");
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            Close($"receive failed: {e.Message}");
        }
        finally
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>What a <see cref="TcpTransport"/> reports; called on the transport's threads, so implementations hand off quickly.</summary>
public interface ITransportHandler
{
    /// <summary>A peer connected to this member and completed the handshake.</summary>
    void OnAccepted(PeerConnection connection);

    /// <summary>
    /// A frame arrived. <paramref name="payload"/> is valid only during the call: copy what must outlive it.
    /// </summary>
    void OnFrame(PeerConnection connection, FrameType type, ReadOnlySequence<byte> payload);

    /// <summary>The connection closed: broken, malformed input, or closed by either side. Called once.</summary>
    void OnClosed(PeerConnection connection, string reason);
}
