using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Derecho.Transport;

/// <summary>
/// Listens for peers and connects to them over TCP, with a handshake on every connection that exchanges
/// <see cref="Hello"/>s and refuses a connection to oneself. Established connections are
/// <see cref="PeerConnection"/>s reporting to one <see cref="ITransportHandler"/>. One I/O thread waits on all of
/// them at once (a poll over their sockets), reads what arrives and hands the frames to the handler on that thread,
/// and sends what did not fit into a socket at once: one wake-up serves every connection that has something.
/// </summary>
public sealed class TcpTransport : IAsyncDisposable
{
    /// <summary>How long a new connection may take to complete its handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the I/O thread keeps polling without sleeping after traffic: about 50 µs.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    /// <summary>How long a handshake waits at a time (microseconds) before it looks at its deadline and cancellation.</summary>
    private const int PollSlice = 50_000;

    private readonly Hello _self;
    private readonly ITransportHandler _handler;
    private readonly int _maxFrameSize;
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PeerConnection> _connections = [];
    private readonly IoWakeup _wake = new();

    /// <summary>When the I/O thread left its poll to serve what was ready (a <see cref="Stopwatch"/> timestamp), or 0 while it polls.</summary>
    private long _passStartedAt;

    /// <summary>Creates a transport speaking for <paramref name="self"/>.</summary>
    /// <param name="self">This member's id and incarnation.</param>
    /// <param name="handler">Receives connections, frames and closures.</param>
    /// <param name="maxFrameSize">The largest frame payload accepted; larger ones drop their connection.</param>
    public TcpTransport(Hello self, ITransportHandler handler, int maxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, Hello.Size);
        _self = self;
        _handler = handler;
        _maxFrameSize = maxFrameSize;
        new Thread(IoLoop) { IsBackground = true, Name = $"derecho I/O node {self.NodeId}" }.Start();
    }

    /// <summary>This member's handshake.</summary>
    public Hello Self => _self;

    /// <summary>
    /// How long the I/O thread has been busy serving ready connections (reading, and handing frames to the handler,
    /// which may run the member's work on it) since it last polled; zero while it polls. Frames that arrived
    /// meanwhile may still wait unread, so silence over that time is not evidence against the peers.
    /// </summary>
    public TimeSpan ReaderBusyFor => Volatile.Read(ref _passStartedAt) is var started and not 0
        ? Stopwatch.GetElapsedTime(started)
        : TimeSpan.Zero;

    /// <summary>Starts accepting connections on <paramref name="endPoint"/> (port 0: any free port).</summary>
    /// <returns>The bound endpoint.</returns>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public IPEndPoint Listen(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
        _ = Task.Run(() => AcceptLoopAsync(listener));
        return (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Connects to the member listening at <paramref name="endPoint"/> and completes the handshake.</summary>
    /// <exception cref="SocketException">The connection failed.</exception>
    /// <exception cref="IOException">The handshake failed, timed out, or reached this member itself.</exception>
    public Task<PeerConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        // On a thread of its own with synchronous calls: see Handshake.
        return Task.Factory.StartNew(() =>
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                Connect(socket, endPoint, Deadline(HandshakeTimeout), cancellationToken);
                return Establish(socket, Handshake(socket, cancellationToken));
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Wake();
        lock (_listeners)
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
            _listeners.Clear();
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _ = Task.Factory.StartNew(() => Accept(socket), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    private void Accept(Socket socket)
    {
        socket.NoDelay = true;
        try
        {
            _handler.OnAccepted(Establish(socket, Handshake(socket, _stopping.Token)));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A peer that cannot complete a handshake is not a member yet: there is nobody to suspect.
            socket.Dispose();
        }
    }

    private PeerConnection Establish(Socket socket, Hello remote)
    {
        var connection = new PeerConnection(socket, remote, _handler, _maxFrameSize, Wake);
        lock (_connections)
        {
            _connections.Add(connection);
        }
        Wake();
        return connection;
    }

    /// <summary>Wakes the I/O thread so that it looks at its connections again (a new one, or one waiting for room).</summary>
    private void Wake() => _wake.Wake();

    /// <summary>
    /// The I/O thread: polls the sockets of all open connections (for reading, and for writing where frames wait
    /// for room) and serves those that are ready.
    /// </summary>
    private void IoLoop()
    {
        var reading = new List<Socket>();
        var writing = new List<Socket>();
        var bySocket = new Dictionary<Socket, PeerConnection>();
        var spinUntil = 0L;
        while (!_stopping.IsCancellationRequested)
        {
            reading.Clear();
            writing.Clear();
            bySocket.Clear();
            reading.Add(_wake.Socket);
            lock (_connections)
            {
                _connections.RemoveAll(c => c.IsClosed);
                foreach (var connection in _connections)
                {
                    bySocket[connection.Socket] = connection;
                    reading.Add(connection.Socket);
                    if (connection.WaitsForRoom)
                    {
                        writing.Add(connection.Socket);
                    }
                }
            }
            // Right after traffic the thread polls without sleeping for a moment (about 50 µs): the next batch of a busy
            // peer usually comes within microseconds, and catching it awake saves a sleep and a wake-up per batch.
            var spinning = Stopwatch.GetTimestamp() < spinUntil;
            Volatile.Write(ref _passStartedAt, 0);
            try
            {
                Socket.Select(reading, writing.Count > 0 ? writing : null, null, spinning ? 0 : -1);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                // A connection closed meanwhile: poll the others again.
                continue;
            }
            Volatile.Write(ref _passStartedAt, Stopwatch.GetTimestamp());
            if (reading.Count == 0 && writing.Count == 0)
            {
                // Nothing yet: let any other runnable thread have the core (on a busy machine the poll then costs
                // little; on an idle one the thread is back at once).
                Thread.Yield();
                continue;
            }
            if (!(reading.Count == 1 && reading[0] == _wake.Socket && writing.Count == 0))
            {
                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }
            foreach (var socket in writing)
            {
                bySocket[socket].OnWritable();
            }
            var read = false;
            foreach (var socket in reading)
            {
                if (socket == _wake.Socket)
                {
                    _wake.Acknowledge();
                }
                else
                {
                    bySocket[socket].OnReadable();
                    read = true;
                }
            }
            if (read)
            {
                _handler.OnReadsDone();
            }
        }
        _wake.Dispose();
    }

    /// <summary>
    /// Who listens at <paramref name="endPoint"/>: connects and reads the handshake a listener sends first, then closes
    /// without sending one (the listener drops such a connection quietly, as it drops any unfinished handshake). Null
    /// if nothing answers within <paramref name="timeout"/>: a refused connect, a listener that sends nothing (a
    /// frozen process), or anything but a handshake.
    /// </summary>
    public static Task<Hello?> ProbeAsync(IPEndPoint endPoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return Task.Factory.StartNew<Hello?>(() =>
        {
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var deadline = Deadline(timeout);
            try
            {
                Connect(socket, endPoint, deadline, cancellationToken);
                return ReadHello(socket, deadline, cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return null;
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static long Deadline(TimeSpan timeout) => Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Connects without blocking past <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp) or cancellation.</summary>
    private static void Connect(Socket socket, IPEndPoint endPoint, long deadline, CancellationToken cancellationToken)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            while (!socket.Poll(PollSlice, SelectMode.SelectWrite))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new IOException($"no connection to {endPoint} in time");
                }
            }
            if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error and not 0)
            {
                throw new SocketException(error);
            }
        }
        socket.Blocking = true;
    }

    /// <summary>
    /// Sends this member's handshake and reads exactly the peer's (nothing after it), rejecting garbage as soon as it
    /// shows, with synchronous calls: a socket that never saw an asynchronous call is not registered with the
    /// runtime's epoll thread, which would otherwise wake up for every frame the I/O thread reads anyway.
    /// </summary>
    private Hello Handshake(Socket socket, CancellationToken cancellationToken)
    {
        // Both sides send their handshake at once, so a self-connect is seen by the side that made it too.
        socket.Send(_self.ToFrame());
        var remote = ReadHello(socket, Deadline(HandshakeTimeout), cancellationToken);
        if (remote == _self)
        {
            throw new IOException($"connected to itself (node {remote.NodeId}): a self-connect, refused");
        }
        return remote;
    }

    /// <summary>Reads exactly the peer's handshake frame by <paramref name="deadline"/>, rejecting garbage as soon as it shows.</summary>
    private static Hello ReadHello(Socket socket, long deadline, CancellationToken cancellationToken)
    {
        var frame = new byte[Frame.HeaderSize + Hello.Size];
        try
        {
            for (var read = 0; read < frame.Length;)
            {
                if (!socket.Poll(PollSlice, SelectMode.SelectRead))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (Stopwatch.GetTimestamp() > deadline)
                    {
                        throw new IOException("no handshake in time");
                    }
                    continue;
                }
                var count = socket.Receive(frame.AsSpan(read));
                if (count == 0)
                {
                    throw new IOException("connection closed during the handshake");
                }
                read += count;
                var complete = Frame.TryRead(frame.AsSpan(0, read), Hello.Size, out var type, out var length);
                if (read >= Frame.HeaderSize && type != FrameType.Hello)
                {
                    throw new MalformedFrameException($"expected a handshake, got a {type} frame");
                }
                if (complete)
                {
                    if (length != frame.Length)
                    {
                        throw new MalformedFrameException($"handshake of {length - Frame.HeaderSize} bytes; expected {Hello.Size}");
                    }
                    break;
                }
            }
            return Hello.Parse(new ReadOnlySequence<byte>(frame, Frame.HeaderSize, Hello.Size));
        }
        catch (MalformedFrameException e)
        {
            throw new IOException($"bad handshake: {e.Message}", e);
        }
    }
}
