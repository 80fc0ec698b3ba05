using System.Buffers;
using System.Buffers.Binary;

namespace Derecho.Transport;

/// <summary>
/// The handshake each side of a connection sends first: who it is. The incarnation tells a restarted member
/// (same node id) from its earlier self; receiving one's own id and incarnation back means a self-connect.
/// </summary>
/// <param name="NodeId">The sender's node id.</param>
/// <param name="Incarnation">The sender's incarnation, distinct for every start of a process.</param>
public readonly record struct Hello(uint NodeId, ulong Incarnation)
{
    /// <summary>The payload's size in bytes.</summary>
    public const int Size = 12;

    /// <summary>The frame carrying this handshake.</summary>
    public byte[] ToFrame()
    {
        Span<byte> payload = stackalloc byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, NodeId);
        BinaryPrimitives.WriteUInt64LittleEndian(payload[4..], Incarnation);
        return Frame.Encode(FrameType.Hello, payload);
    }

    /// <summary>Decodes a handshake payload.</summary>
    /// <exception cref="MalformedFrameException">The payload has the wrong size.</exception>
    public static Hello Parse(ReadOnlySequence<byte> payload)
    {
        if (payload.Length != Size)
        {
            throw new MalformedFrameException($"handshake of {payload.Length} bytes; expected {Size}");
        }
        Span<byte> bytes = stackalloc byte[Size];
        payload.CopyTo(bytes);
        return new Hello(BinaryPrimitives.ReadUInt32LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[4..]));
    }
}
