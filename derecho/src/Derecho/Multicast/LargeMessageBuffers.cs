using System.Buffers;
using System.Runtime.InteropServices;

namespace Derecho.Multicast;

/// <summary>
/// The buffers that received large messages (those travelling in blocks) are assembled in, lent to the application
/// for its delivery callback and used again for a later message once it is returned, as Derecho reuses its RDMC
/// buffers after the delivery upcall. A fresh megabyte per message costs more than copying into it: the kernel
/// faults in and zeroes every page. Used by the one thread that runs the member at a time; not thread-safe.
/// </summary>
public sealed class LargeMessageBuffers
{
    /// <summary>Buffers of one size kept for reuse: enough for every message several senders have in flight at once.</summary>
    private const int KeptPerSize = 32;

    private readonly HashSet<byte[]> _lent = new(ReferenceEqualityComparer.Instance);
    private readonly ArrayPool<byte> _pool;

    /// <summary>Creates buffers for messages of up to <paramref name="maxMessageSize"/> bytes.</summary>
    public LargeMessageBuffers(int maxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageSize);
        // A pool of its own: the shared pool keeps only a few arrays of a size per core, fewer than the messages in flight.
        _pool = ArrayPool<byte>.Create(maxMessageSize, KeptPerSize);
    }

    /// <summary>Buffers lent and not yet returned (or forgotten).</summary>
    public int LentCount => _lent.Count;

    /// <summary>Takes the buffer a message of <paramref name="length"/> bytes is assembled in (possibly longer).</summary>
    public byte[] Rent(int length)
    {
        var buffer = _pool.Rent(length);
        _lent.Add(buffer);
        return buffer;
    }

    /// <summary>Whether <paramref name="payload"/> lies in a buffer lent and not yet returned.</summary>
    public bool IsLent(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Array is not null && _lent.Contains(segment.Array);

    /// <summary>
    /// Gives back the buffer under a delivered <paramref name="payload"/> if it is one of these buffers; its bytes
    /// are then overwritten by a later message. False (nothing happens) for any other memory.
    /// </summary>
    public bool Return(ReadOnlyMemory<byte> payload)
    {
        if (!MemoryMarshal.TryGetArray(payload, out var segment) || segment.Array is null || !_lent.Remove(segment.Array))
        {
            return false;
        }
        _pool.Return(segment.Array);
        return true;
    }

    /// <summary>
    /// Stops tracking the buffers lent so far (at a view change, when the assemblies of messages that will never be
    /// delivered are dropped): they are left to the garbage collector, and returning one later does nothing.
    /// </summary>
    public void Forget() => _lent.Clear();
}
