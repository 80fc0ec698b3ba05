using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Derecho.Persistence;

/// <summary>Turns the values of a <see cref="Persistent{T}"/> into the bytes its log keeps, and back.</summary>
/// <typeparam name="T">The field's type.</typeparam>
public interface IPersistentCodec<T>
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    void Encode(T value, IBufferWriter<byte> output);

    /// <summary>Reads a value <see cref="Encode"/> wrote.</summary>
    T Decode(ReadOnlySpan<byte> data);
}

/// <summary>Codecs for common field types.</summary>
public static class PersistentCodecs
{
    /// <summary>Raw bytes, as they are.</summary>
    public static IPersistentCodec<byte[]> Bytes { get; } = new BytesCodec();

    /// <summary>Strings as UTF-8.</summary>
    public static IPersistentCodec<string> Utf8 { get; } = new Utf8Codec();

    /// <summary>64-bit integers, little-endian.</summary>
    public static IPersistentCodec<long> Int64 { get; } = new Int64Codec();

    private sealed class BytesCodec : IPersistentCodec<byte[]>
    {
        public void Encode(byte[] value, IBufferWriter<byte> output) => output.Write(value);

        public byte[] Decode(ReadOnlySpan<byte> data) => data.ToArray();
    }

    private sealed class Utf8Codec : IPersistentCodec<string>
    {
        public void Encode(string value, IBufferWriter<byte> output) => Encoding.UTF8.GetBytes(value, output);

        public string Decode(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);
    }

    private sealed class Int64Codec : IPersistentCodec<long>
    {
        public void Encode(long value, IBufferWriter<byte> output)
        {
            BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
            output.Advance(8);
        }

        public long Decode(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadInt64LittleEndian(data);
    }
}
