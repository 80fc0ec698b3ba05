using System.Buffers.Binary;
using System.IO.Hashing;

namespace Derecho.Persistence;

/// <summary>
/// A log record on disk, little-endian: magic (4), data length (4), version (8), HLC time (12), CRC-32 of the data (4),
/// CRC-32 of the 32 header bytes before it (4), then the data. Two checksums, so that a damaged length is never
/// trusted to find the next record.
/// </summary>
internal static class LogRecordFormat
{
    public const int HeaderSize = 36;
    public const uint Magic = 0x474C5044; // "DPLG"

    public static int RecordSize(int dataLength) => HeaderSize + dataLength;

    public static void Write(Span<byte> destination, long version, HlcTimestamp time, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], data.Length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], version);
        time.Write(destination[16..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32.HashToUInt32(data));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], Crc32.HashToUInt32(destination[..32]));
        data.CopyTo(destination[HeaderSize..]);
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="source"/>; returns null when it is whole and its checksums
    /// match, else the reason it is not.
    /// </summary>
    public static string? TryRead(ReadOnlySpan<byte> source, out long version, out HlcTimestamp time, out int dataLength)
    {
        version = 0;
        time = default;
        dataLength = 0;
        if (source.Length < HeaderSize)
        {
            return $"only {source.Length} bytes left, a record header has {HeaderSize}";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            return "no record marker";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[32..]) != Crc32.HashToUInt32(source[..32]))
        {
            return "header checksum mismatch";
        }
        dataLength = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        version = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        time = HlcTimestamp.Read(source[16..]);
        if (dataLength < 0 || dataLength > source.Length - HeaderSize)
        {
            return $"data length {dataLength} runs past the end of the file";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != Crc32.HashToUInt32(source.Slice(HeaderSize, dataLength)))
        {
            return "data checksum mismatch";
        }
        return null;
    }

    /// <summary>Whether a whole, valid record starts anywhere in <paramref name="source"/>.</summary>
    public static bool AnyValidRecord(ReadOnlySpan<byte> source)
    {
        Span<byte> marker = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(marker, Magic);
        var start = 0;
        while (true)
        {
            var found = source[start..].IndexOf(marker);
            if (found < 0)
            {
                return false;
            }
            if (TryRead(source[(start + found)..], out _, out _, out _) is null)
            {
                return true;
            }
            start += found + 1;
        }
    }
}
