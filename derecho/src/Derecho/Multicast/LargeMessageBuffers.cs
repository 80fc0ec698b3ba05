using System.Buffers;
using System.Runtime.InteropServices;

namespace Derecho.Multicast;

/// <summary>
/// The buffers that received large messages (those travelling in blocks) are assembled in. The transport's I/O
/// thread reads a block straight into its message's buffer (<see cref="Place"/>), and the protocol finds the same
/// buffer by the message's name when it assembles the message, so a block is not copied once it is read. With
/// reuse on, a buffer is lent to the application for its delivery callback and used again for a later message
/// once it is returned, as Derecho reuses its RDMC buffers after the delivery upcall (a fresh megabyte per message
/// costs more than copying into it: the kernel faults in and zeroes every page); without it every message gets an
/// array of its own that the application keeps. Thread-safe.
/// </summary>
public sealed class LargeMessageBuffers
{
    /// <summary>Buffers of one size kept for reuse: enough for every message several senders have in flight at once.</summary>
    private const int KeptPerSize = 32;

    /// <summary>Messages being assembled at once; blocks of further ones are received the ordinary way and copied.</summary>
    private const int MaxAssembling = 64;

    private readonly Lock _gate = new();
    private readonly HashSet<byte[]> _lent = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<LargeMessageKey, Assembling> _assembling = [];
    private readonly ArrayPool<byte>? _pool;
    private readonly int _maxMessageSize;
    private readonly int _blockSize;

    /// <summary>Creates buffers for messages of up to <paramref name="maxMessageSize"/> bytes travelling in blocks of <paramref name="blockSize"/>.</summary>
    /// <param name="maxMessageSize">The largest message.</param>
    /// <param name="blockSize">The block size of the group (<c>block_size</c>): only whole blocks are placed.</param>
    /// <param name="reuse">Lend buffers to the delivery callback and reuse them once returned; otherwise the application keeps each.</param>
    public LargeMessageBuffers(int maxMessageSize, int blockSize, bool reuse)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        _maxMessageSize = maxMessageSize;
        _blockSize = blockSize;
        // A pool of its own: the shared pool keeps only a few arrays of a size per core, fewer than the messages in flight.
        _pool = reuse ? ArrayPool<byte>.Create(maxMessageSize, KeptPerSize) : null;
    }

    /// <summary>Buffers lent and not yet returned (or forgotten).</summary>
    public int LentCount
    {
        get
        {
            lock (_gate)
            {
                return _lent.Count;
            }
        }
    }

    /// <summary>Messages whose assembly began and did not end (nor was forgotten).</summary>
    internal int AssemblingCount
    {
        get
        {
            lock (_gate)
            {
                return _assembling.Count;
            }
        }
    }

    /// <summary>Takes a buffer a message of <paramref name="length"/> bytes is assembled in (possibly longer).</summary>
    public byte[] Rent(int length)
    {
        lock (_gate)
        {
            return RentLocked(length);
        }
    }

    /// <summary>Whether <paramref name="payload"/> lies in a buffer lent and not yet returned.</summary>
    public bool IsLent(ReadOnlyMemory<byte> payload)
    {
        if (!MemoryMarshal.TryGetArray(payload, out var segment) || segment.Array is null)
        {
            return false;
        }
        lock (_gate)
        {
            return _lent.Contains(segment.Array);
        }
    }

    /// <summary>
    /// Gives back the buffer under a delivered <paramref name="payload"/> if it is one of these buffers; its bytes
    /// are then overwritten by a later message. False (nothing happens) for any other memory.
    /// </summary>
    public bool Return(ReadOnlyMemory<byte> payload)
    {
        if (!MemoryMarshal.TryGetArray(payload, out var segment) || segment.Array is null)
        {
            return false;
        }
        lock (_gate)
        {
            if (!_lent.Remove(segment.Array))
            {
                return false;
            }
        }
        _pool!.Return(segment.Array);
        return true;
    }

    /// <summary>
    /// Stops tracking the buffers lent so far and the messages being assembled (at a view change, when the
    /// assemblies of messages that will never be delivered are dropped): they are left to the garbage collector,
    /// and returning one later does nothing.
    /// </summary>
    public void Forget()
    {
        lock (_gate)
        {
            _lent.Clear();
            _assembling.Clear();
        }
    }

    /// <summary>
    /// Where block <paramref name="offset"/> / block size of message <paramref name="message"/> (of
    /// <paramref name="totalLength"/> bytes), <paramref name="length"/> bytes, is to be received; empty when it is
    /// not a whole block of such a message, that block was placed before, or too many messages are being assembled.
    /// The memory is written by the caller alone, until the protocol has the block.
    /// </summary>
    internal Memory<byte> Place(LargeMessageKey message, int totalLength, int offset, int length)
    {
        if (totalLength <= 0 || totalLength > _maxMessageSize || offset < 0 || offset >= totalLength || offset % _blockSize != 0
            || length != Math.Min(_blockSize, totalLength - offset))
        {
            return default;
        }
        lock (_gate)
        {
            if (!_assembling.TryGetValue(message, out var assembling))
            {
                if (_assembling.Count >= MaxAssembling)
                {
                    return default;
                }
                assembling = new Assembling(RentLocked(totalLength), totalLength, _blockSize);
                _assembling.Add(message, assembling);
            }
            var block = offset / _blockSize;
            if (assembling.Length != totalLength || assembling.Placed[block])
            {
                return default;
            }
            assembling.Placed[block] = true;
            return assembling.Buffer.AsMemory(offset, length);
        }
    }

    /// <summary>The buffer message <paramref name="message"/> is assembled in: the one its first placed block went to, or a new one.</summary>
    internal byte[] Assemble(LargeMessageKey message, int totalLength)
    {
        lock (_gate)
        {
            if (_assembling.TryGetValue(message, out var assembling) && assembling.Length == totalLength)
            {
                return assembling.Buffer;
            }
            var buffer = RentLocked(totalLength);
            _assembling[message] = new Assembling(buffer, totalLength, _blockSize);
            return buffer;
        }
    }

    /// <summary>Message <paramref name="message"/> is assembled: later blocks that claim to belong to it are not placed in its buffer.</summary>
    internal void Assembled(LargeMessageKey message)
    {
        lock (_gate)
        {
            _assembling.Remove(message);
        }
    }

    private byte[] RentLocked(int length)
    {
        if (_pool is null)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }
        var buffer = _pool.Rent(length);
        _lent.Add(buffer);
        return buffer;
    }

    private sealed class Assembling(byte[] buffer, int length, int blockSize)
    {
        public byte[] Buffer => buffer;

        public int Length => length;

        /// <summary>The blocks the transport was told to read into the buffer.</summary>
        public bool[] Placed { get; } = new bool[(length + blockSize - 1) / blockSize];
    }
}

/// <summary>A large message's name: view, stream, the sender's rank in the stream and its index.</summary>
internal readonly record struct LargeMessageKey(int ViewId, int Stream, int Sender, long Index);
