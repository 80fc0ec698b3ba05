using System.Net;
using System.Net.Sockets;

namespace Derecho.Transport;

/// <summary>
/// Wakes an I/O thread from its poll: <see cref="Wake"/>, from any thread, sends a datagram to <see cref="Socket"/>
/// (which the I/O thread polls for reading) unless a wake-up is already pending; the I/O thread calls
/// <see cref="Acknowledge"/> once the poll saw it, then looks at its work again. Whenever a wake-up counts as pending,
/// a datagram waits, so no wake-up is lost.
/// </summary>
internal sealed class IoWakeup : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _drain = new byte[64];
    private int _pending;

    public IoWakeup()
    {
        // A datagram to itself.
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Connect(_socket.LocalEndPoint!);
    }

    /// <summary>The socket to poll for reading.</summary>
    public Socket Socket => _socket;

    /// <summary>Whether a wake-up was sent and not yet acknowledged.</summary>
    internal bool Pending => Volatile.Read(ref _pending) != 0;

    /// <summary>Datagrams waiting in the socket.</summary>
    internal int Waiting => _socket.Available;

    /// <summary>Wakes the I/O thread (once for any number of calls before it acknowledges); call after the change it should see.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            try
            {
                _socket.Send([1], SocketFlags.None, out _);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>
    /// The I/O thread's side: takes the waiting datagrams, then clears the pending mark, so that a wake-up made while
    /// it drained (and sent nothing, seeing one pending) is not lost: the caller looks at its work after this, and sees
    /// that wake-up's change. Clearing first instead would let a datagram sent in between be drained with the mark left
    /// set, and every later wake-up would send nothing.
    /// </summary>
    public void Acknowledge()
    {
        while (_socket.Receive(_drain, SocketFlags.None, out var error) > 0 && error == SocketError.Success)
        {
        }
        // A full fence: the caller's next look at its work must not be ordered before the clearing.
        Interlocked.Exchange(ref _pending, 0);
    }

    public void Dispose() => _socket.Dispose();
}
