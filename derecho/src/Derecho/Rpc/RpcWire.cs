using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Derecho.Rpc;

/// <summary>
/// The RPC layer's messages, inside multicasts (ordered calls) and direct frames (everything else). Every message
/// starts with <see cref="FormatVersion"/> and its <see cref="RpcKind"/>; integers are little-endian; arguments and
/// results are MessagePack.
/// </summary>
public static class RpcWire
{
    /// <summary>The version of the RPC message format; a message of another version is refused.</summary>
    public const byte FormatVersion = 1;
}

/// <summary>What an RPC message is.</summary>
internal enum RpcKind : byte
{
    OrderedCall = 1,
    P2PRequest = 2,
    Reply = 3,
    StateChunk = 4,
    NotifyRelay = 5,
    NotifyWanted = 6,
    OrderedAccepted = 7,
    Replies = 8,
    ClientHello = 10,
    ViewInfo = 11,
    ClientOrdered = 12,
    ClientP2P = 13,
    ClientReply = 14,
    Subscribe = 15,
    Notification = 16,
    LogSummary = 17,
    OrderedBatch = 18,
    ClientReplies = 19,
}

/// <summary>Identifies a call: who started it and its number there. Deduplicated calls reuse one id everywhere.</summary>
internal readonly record struct CallId(uint Origin, ulong Sequence)
{
    /// <summary>Origin of ids derived deterministically from a parent call (nested calls from ordered handlers).</summary>
    public const uint Derived = uint.MaxValue;

    public override string ToString() => $"{Origin:x}:{Sequence:x}";
}

/// <summary>A malformed RPC message; the connection or message it came on is dropped.</summary>
public sealed class RpcFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RpcFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RpcFormatException() : base("malformed RPC message")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RpcFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Builds one RPC message.</summary>
internal sealed class RpcMessageWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public RpcMessageWriter(RpcKind kind, int capacity = 64)
    {
        _buffer = new ArrayBufferWriter<byte>(capacity);
        Byte(RpcWire.FormatVersion);
        Byte((byte)kind);
    }

    public RpcMessageWriter Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public RpcMessageWriter UInt16(int value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(2), checked((ushort)value));
        _buffer.Advance(2);
        return this;
    }

    public RpcMessageWriter UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public RpcMessageWriter Int32(int value) => UInt32(unchecked((uint)value));

    public RpcMessageWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public RpcMessageWriter Call(CallId id) => UInt32(id.Origin).Int64(unchecked((long)id.Sequence));

    public RpcMessageWriter Subgroup(int type, int index) => UInt16(type).UInt16(index);

    /// <summary>Length-prefixed bytes.</summary>
    public RpcMessageWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        Int32(bytes.Length);
        return Rest(bytes);
    }

    public RpcMessageWriter String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    /// <summary>Bytes that run to the end of the message.</summary>
    public RpcMessageWriter Rest(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
        return this;
    }

    public ReadOnlyMemory<byte> ToMemory() => _buffer.WrittenMemory;
}

/// <summary>Reads one RPC message; every defect throws <see cref="RpcFormatException"/>.</summary>
internal struct RpcMessageReader
{
    private readonly ReadOnlyMemory<byte> _message;
    private int _position;

    public RpcMessageReader(ReadOnlyMemory<byte> message)
    {
        _message = message;
        var span = message.Span;
        if (span.Length < 2)
        {
            throw new RpcFormatException($"RPC message of {span.Length} bytes is too short");
        }
        if (span[0] != RpcWire.FormatVersion)
        {
            throw new RpcFormatException($"RPC format version {span[0]} is not supported (this side speaks {RpcWire.FormatVersion})");
        }
        Kind = (RpcKind)span[1];
        if (!Enum.IsDefined(Kind))
        {
            throw new RpcFormatException($"unknown RPC message kind {span[1]}");
        }
        _position = 2;
    }

    public RpcKind Kind { get; }

    /// <summary>Everything was read.</summary>
    public readonly bool AtEnd => _position == _message.Length;

    public byte Byte() => Take(1)[0];

    public int UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public CallId Call() => new(UInt32(), unchecked((ulong)Int64()));

    public ReadOnlyMemory<byte> Bytes()
    {
        var length = Int32();
        if (length < 0 || length > _message.Length - _position)
        {
            throw new RpcFormatException($"a field of {length} bytes runs past the end of the message");
        }
        var bytes = _message.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string String()
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(Bytes().Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new RpcFormatException("a string is not UTF-8", e);
        }
    }

    public ReadOnlyMemory<byte> Rest()
    {
        var rest = _message[_position..];
        _position = _message.Length;
        return rest;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_message.Length - _position < count)
        {
            throw new RpcFormatException("the RPC message is truncated");
        }
        var span = _message.Span.Slice(_position, count);
        _position += count;
        return span;
    }
}
