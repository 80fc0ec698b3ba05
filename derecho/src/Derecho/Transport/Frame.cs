using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Derecho.Transport;

/// <summary>What a frame carries.</summary>
public enum FrameType : byte
{
    /// <summary>The handshake: node id and incarnation of the sender (<see cref="Hello"/>).</summary>
    Hello = 1,

    /// <summary>A protocol message whose body the protocol core encodes.</summary>
    Protocol = 2,

    /// <summary>Raw bytes with no meaning to the protocol (the loopback ceiling measurement).</summary>
    Raw = 3,

    /// <summary>
    /// A protocol message body on the bulk lane (a block of a large message): in order with the other bulk frames
    /// of its connection, while <see cref="Protocol"/> frames may overtake it, on the wire and at the receiver.
    /// </summary>
    Bulk = 4,

    /// <summary>
    /// A direct message outside the multicast: RPC requests and replies between members and with external clients,
    /// state transfer (<see cref="Group.SendDirect(uint, ReadOnlyMemory{byte})"/>).
    /// </summary>
    Direct = 5,

    /// <summary>
    /// Evidence of life without a body, sent from a thread of its own while the sender's event loop is busy (a long
    /// handler) or starved: the receiver counts it as hearing from the sender, as Derecho's heartbeat thread is
    /// apart from its predicate thread.
    /// </summary>
    Alive = 6,
}

/// <summary>
/// The portable wire format: a 12-byte little-endian header (magic <c>"DR"</c>, version, type, payload length,
/// checksum) followed by the payload. Independent of the peers' endianness and layout. The checksum is the low 32
/// bits of XxHash3 of the payload exclusive-or XxHash3 of the header's first 8 bytes: the same whether the payload
/// is hashed whole or in parts, and several times faster than a CRC-32 on the megabytes of bulk data each member
/// checks (version 1 used CRC-32).
/// </summary>
public static class Frame
{
    /// <summary>The header's size in bytes.</summary>
    public const int HeaderSize = 12;

    /// <summary>The wire format's version; a peer speaking another version is dropped.</summary>
    public const byte Version = 2;

    [ThreadStatic]
    private static XxHash3? _threadHash;

    private const byte MagicD = (byte)'D';
    private const byte MagicR = (byte)'R';

    /// <summary>Appends one frame to <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, FrameType type, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(HeaderSize + payload.Length);
        WriteHeaderAndPayload(span, type, payload);
        writer.Advance(HeaderSize + payload.Length);
    }

    /// <summary>Writes one frame at the start of <paramref name="destination"/>, which must hold <see cref="HeaderSize"/> + the payload.</summary>
    public static void Write(Span<byte> destination, FrameType type, ReadOnlySpan<byte> payload) =>
        WriteHeaderAndPayload(destination, type, payload);

    /// <summary>The frame for <paramref name="payload"/> as a new array (tests, handshakes).</summary>
    public static byte[] Encode(FrameType type, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[HeaderSize + payload.Length];
        WriteHeaderAndPayload(bytes, type, payload);
        return bytes;
    }

    /// <summary>
    /// Takes one whole frame from the start of <paramref name="buffer"/> if it is there. Returns false when more bytes
    /// are needed; <paramref name="buffer"/> then stays as it was.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, advanced past the frame.</param>
    /// <param name="maxPayloadSize">The largest payload accepted; a larger length fails at once, before its bytes arrive.</param>
    /// <param name="type">The frame's type.</param>
    /// <param name="payload">The frame's payload, a slice of <paramref name="buffer"/>.</param>
    /// <exception cref="MalformedFrameException">Wrong magic or version, unknown type, oversized length, or bad checksum.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxPayloadSize, out FrameType type, out ReadOnlySequence<byte> payload)
    {
        type = default;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            // Reject garbage as soon as its first bytes show it, rather than waiting for a whole header.
            Span<byte> prefix = stackalloc byte[HeaderSize];
            buffer.CopyTo(prefix);
            CheckPrefix(prefix[..(int)buffer.Length]);
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        CheckPrefix(header);
        type = (FrameType)header[3];
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length > (uint)maxPayloadSize)
        {
            throw new MalformedFrameException($"frame of {length} bytes exceeds the limit of {maxPayloadSize}");
        }
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }
        payload = buffer.Slice(HeaderSize, length);
        var hash = StreamingHash();
        foreach (var segment in payload)
        {
            hash.Append(segment.Span);
        }
        if (Checksum(header, hash.GetCurrentHashAsUInt64()) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            throw new MalformedFrameException("frame checksum mismatch");
        }
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    /// <summary>
    /// Takes one whole frame from the start of <paramref name="buffer"/> if it is there: the span counterpart of
    /// <see cref="TryRead(ref ReadOnlySequence{byte}, int, out FrameType, out ReadOnlySequence{byte})"/> for a
    /// receiver that keeps its bytes contiguous.
    /// </summary>
    /// <param name="buffer">Received bytes, starting at a frame boundary.</param>
    /// <param name="maxPayloadSize">The largest payload accepted; a larger length fails at once.</param>
    /// <param name="type">The frame's type, once its header is there.</param>
    /// <param name="frameLength">The whole frame's length (header and payload) once its header is there, else 0:
    /// how many bytes the caller needs before the frame is complete.</param>
    /// <returns>True when the whole frame is in <paramref name="buffer"/> (its payload follows the header).</returns>
    /// <exception cref="MalformedFrameException">Wrong magic or version, unknown type, oversized length, or bad checksum.</exception>
    public static bool TryRead(ReadOnlySpan<byte> buffer, int maxPayloadSize, out FrameType type, out int frameLength)
    {
        type = default;
        frameLength = 0;
        if (buffer.Length < HeaderSize)
        {
            CheckPrefix(buffer);
            return false;
        }
        var header = buffer[..HeaderSize];
        CheckPrefix(header);
        type = (FrameType)header[3];
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length > (uint)maxPayloadSize)
        {
            throw new MalformedFrameException($"frame of {length} bytes exceeds the limit of {maxPayloadSize}");
        }
        frameLength = HeaderSize + (int)length;
        if (buffer.Length < frameLength)
        {
            return false;
        }
        if (Checksum(header, XxHash3.HashToUInt64(buffer[HeaderSize..frameLength])) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            throw new MalformedFrameException("frame checksum mismatch");
        }
        return true;
    }

    /// <summary>
    /// Writes the header of a frame carrying <paramref name="payload"/> into <paramref name="header"/>
    /// (<see cref="HeaderSize"/> bytes), for a sender that sends the payload from where it lies instead of copying it.
    /// </summary>
    public static void WriteHeader(Span<byte> header, FrameType type, ReadOnlySpan<byte> payload)
    {
        header[0] = MagicD;
        header[1] = MagicR;
        header[2] = Version;
        header[3] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Checksum(header, XxHash3.HashToUInt64(payload)));
    }

    /// <summary>
    /// The header of a frame whose payload is <paramref name="payload"/> followed by <paramref name="tail"/>, as a new
    /// array: computed once, it frames the same payload to any number of peers.
    /// </summary>
    public static byte[] Header(FrameType type, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tail)
    {
        var header = new byte[HeaderSize];
        header[0] = MagicD;
        header[1] = MagicR;
        header[2] = Version;
        header[3] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)(payload.Length + tail.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Checksum(header, PayloadHash(payload, tail)));
        return header;
    }

    /// <summary>
    /// The header that framed <paramref name="payload"/> when it arrived, if <paramref name="payload"/> is the
    /// payload of a received frame of type <paramref name="type"/>: a receiving <see cref="PeerConnection"/> hands
    /// out payloads right behind their verified headers in buffers it never writes again. A relay then forwards
    /// the frame with the checksum it came with instead of computing it again.
    /// </summary>
    public static bool TryGetReceivedHeader(ReadOnlyMemory<byte> payload, FrameType type, out ReadOnlyMemory<byte> header) =>
        TryGetReceivedHeader(payload, payload.Length, type, out header);

    /// <summary>
    /// The header that framed a received frame whose payload starts with <paramref name="head"/> and is
    /// <paramref name="payloadLength"/> bytes long: for a frame whose later bytes a receiver placed elsewhere
    /// (<see cref="IBulkPlacement"/>), forwarded as <paramref name="head"/> followed by those bytes.
    /// </summary>
    public static bool TryGetReceivedHeader(ReadOnlyMemory<byte> head, int payloadLength, FrameType type, out ReadOnlyMemory<byte> header)
    {
        header = default;
        if (!MemoryMarshal.TryGetArray(head, out var segment) || segment.Offset < HeaderSize)
        {
            return false;
        }
        var candidate = segment.Array.AsMemory(segment.Offset - HeaderSize, HeaderSize);
        var bytes = candidate.Span;
        if (bytes[0] != MagicD || bytes[1] != MagicR || bytes[2] != Version || bytes[3] != (byte)type
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]) != (uint)payloadLength)
        {
            return false;
        }
        header = candidate;
        return true;
    }

    /// <summary>
    /// Checks the checksum in <paramref name="header"/> (a frame header whose length field was checked) against a
    /// payload received in two parts: <paramref name="head"/> followed by <paramref name="rest"/>.
    /// </summary>
    /// <exception cref="MalformedFrameException">The checksum does not match.</exception>
    public static void Verify(ReadOnlySpan<byte> header, ReadOnlySpan<byte> head, ReadOnlySpan<byte> rest)
    {
        if (Checksum(header, PayloadHash(head, rest)) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            throw new MalformedFrameException("frame checksum mismatch");
        }
    }

    private static void WriteHeaderAndPayload(Span<byte> span, FrameType type, ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(span[HeaderSize..]);
        WriteHeader(span, type, payload);
    }

    /// <summary>The checksum field of a header whose first 8 bytes are written, given the hash of its payload.</summary>
    private static uint Checksum(ReadOnlySpan<byte> header, ulong payloadHash) =>
        (uint)(payloadHash ^ XxHash3.HashToUInt64(header[..8]));

    /// <summary>The hash of a payload that lies in two parts (either may be empty).</summary>
    private static ulong PayloadHash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (first.IsEmpty || second.IsEmpty)
        {
            return XxHash3.HashToUInt64(first.IsEmpty ? second : first);
        }
        var hash = StreamingHash();
        hash.Append(first);
        hash.Append(second);
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>This thread's XxHash3 state, reset: no allocation per frame.</summary>
    private static XxHash3 StreamingHash()
    {
        var hash = _threadHash ??= new XxHash3();
        hash.Reset();
        return hash;
    }

    private static void CheckPrefix(ReadOnlySpan<byte> header)
    {
        if ((header.Length > 0 && header[0] != MagicD) || (header.Length > 1 && header[1] != MagicR))
        {
            throw new MalformedFrameException("bad magic: not a Derecho frame");
        }
        if (header.Length > 2 && header[2] != Version)
        {
            throw new MalformedFrameException($"unsupported wire format version {header[2]} (this member speaks {Version})");
        }
        if (header.Length > 3 && !Enum.IsDefined((FrameType)header[3]))
        {
            throw new MalformedFrameException($"unknown frame type {header[3]}");
        }
    }
}

/// <summary>Bytes from a peer that are not a valid frame; the connection they came on is dropped.</summary>
public sealed class MalformedFrameException : Exception
{
    /// <summary>Creates the exception with a message describing the defect.</summary>
    public MalformedFrameException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error behind it.</summary>
    public MalformedFrameException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public MalformedFrameException() : base("malformed frame")
    {
    }
}
