using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Derecho.Transport;

/// <summary>
/// Listens for peers and connects to them over TCP, with a handshake on every connection that exchanges
/// <see cref="Hello"/>s and refuses a connection to oneself. Established connections are
/// <see cref="PeerConnection"/>s reporting to one <see cref="ITransportHandler"/>.
/// </summary>
public sealed class TcpTransport : IAsyncDisposable
{
    /// <summary>How long a new connection may take to complete its handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly Hello _self;
    private readonly ITransportHandler _handler;
    private readonly int _maxFrameSize;
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stopping = new();

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
    }

    /// <summary>This member's handshake.</summary>
    public Hello Self => _self;

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
    public async Task<PeerConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(_self.ToFrame(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var input = CreateReader(socket);
            var remote = await ReadHelloAsync(input, cancellationToken).ConfigureAwait(false);
            return Establish(socket, input, remote);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
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
            _ = Task.Run(() => AcceptAsync(socket));
        }
    }

    private async Task AcceptAsync(Socket socket)
    {
        socket.NoDelay = true;
        try
        {
            // Both sides send their handshake at once, so a self-connect is seen by the side that made it too.
            await socket.SendAsync(_self.ToFrame(), SocketFlags.None, _stopping.Token).ConfigureAwait(false);
            var input = CreateReader(socket);
            var remote = await ReadHelloAsync(input, _stopping.Token).ConfigureAwait(false);
            _handler.OnAccepted(Establish(socket, input, remote));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A peer that cannot complete a handshake is not a member yet: there is nobody to suspect.
            socket.Dispose();
        }
    }

    private PeerConnection Establish(Socket socket, PipeReader input, Hello remote)
    {
        var connection = new PeerConnection(socket, input, remote, _handler, _maxFrameSize);
        connection.Start();
        return connection;
    }

    private static PipeReader CreateReader(Socket socket) =>
        PipeReader.Create(new NetworkStream(socket, ownsSocket: false),
            new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));

    private async Task<Hello> ReadHelloAsync(PipeReader input, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (Frame.TryRead(ref buffer, Hello.Size, out var type, out var payload))
                {
                    if (type != FrameType.Hello)
                    {
                        throw new MalformedFrameException($"expected a handshake, got a {type} frame");
                    }
                    var remote = Hello.Parse(payload);
                    input.AdvanceTo(buffer.Start);
                    if (remote == _self)
                    {
                        throw new IOException($"connected to itself (node {remote.NodeId}): a self-connect, refused");
                    }
                    return remote;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new IOException("connection closed during the handshake");
                }
            }
        }
        catch (MalformedFrameException e)
        {
            throw new IOException($"bad handshake: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"no handshake within {HandshakeTimeout.TotalSeconds} s");
        }
    }
}
