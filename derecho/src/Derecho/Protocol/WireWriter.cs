using System.Buffers.Binary;
using System.Text;

namespace Derecho.Protocol;

/// <summary>Appends a message body: LEB128 varints, zigzag for signed values, length-prefixed bytes and strings.</summary>
internal sealed class WireWriter
{
    private byte[] _buffer;
    private int _length;

    public WireWriter(int capacity = 256) => _buffer = new byte[capacity];

    public int Length => _length;

    public void Reset() => _length = 0;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray()
    {
        var bytes = GC.AllocateUninitializedArray<byte>(_length);
        _buffer.AsSpan(0, _length).CopyTo(bytes);
        return bytes;
    }

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void UInt(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_length++] = (byte)value;
    }

    public void Int(long value) => UInt((ulong)((value << 1) ^ (value >> 63)));

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        UInt((ulong)bytes.Length);
        Raw(bytes);
    }

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        UInt((ulong)count);
        Ensure(count);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void Fixed32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}

/// <summary>Reads what <see cref="WireWriter"/> wrote; every read checks bounds and throws <see cref="ProtocolFormatException"/>.</summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public WireReader(ReadOnlySpan<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public byte Byte()
    {
        if (_position >= _span.Length)
        {
            throw Truncated();
        }
        return _span[_position++];
    }

    public ulong UInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (shift == 63 && b > 1)
                {
                    break;
                }
                return result;
            }
        }
        throw new ProtocolFormatException("varint longer than 64 bits");
    }

    public long Int()
    {
        var raw = UInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>A non-negative value that fits an int and is at most <paramref name="max"/>.</summary>
    public int Count(int max, string what)
    {
        var value = UInt();
        if (value > (ulong)max)
        {
            throw new ProtocolFormatException($"{what} {value} exceeds {max}");
        }
        return (int)value;
    }

    /// <summary>A signed value within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Int(long min, long max, string what)
    {
        var value = Int();
        if (value < min || value > max)
        {
            throw new ProtocolFormatException($"{what} {value} out of range");
        }
        return value;
    }

    public ReadOnlySpan<byte> Bytes()
    {
        var count = UInt();
        if (count > (ulong)Remaining)
        {
            throw new ProtocolFormatException($"byte string of {count} bytes with {Remaining} left");
        }
        var result = _span.Slice(_position, (int)count);
        _position += (int)count;
        return result;
    }

    public void Skip(int count)
    {
        if (count > Remaining)
        {
            throw Truncated();
        }
        _position += count;
    }

    public string String()
    {
        var bytes = Bytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ProtocolFormatException("string is not valid UTF-8", e);
        }
    }

    public uint Fixed32()
    {
        if (Remaining < 4)
        {
            throw Truncated();
        }
        var value = BinaryPrimitives.ReadUInt32LittleEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    public readonly void End()
    {
        if (_position != _span.Length)
        {
            throw new ProtocolFormatException($"{_span.Length - _position} trailing bytes");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static ProtocolFormatException Truncated() => new("message truncated");
}
