namespace Systems.Dwarf;

/// <summary>DWARF's LEB128 integers: 7 bits per byte, low group first, the high bit set on every byte but the last.</summary>
public static class Leb128
{
    /// <summary>Reads an unsigned LEB128 at <paramref name="at"/> and moves past it (bits beyond 64 are dropped).</summary>
    /// <exception cref="IndexOutOfRangeException">The number runs past the end of <paramref name="bytes"/>.</exception>
    public static ulong ReadUnsigned(ReadOnlySpan<byte> bytes, ref int at) => Read(bytes, ref at, out _, out _);

    /// <summary>Reads a signed LEB128 at <paramref name="at"/> and moves past it.</summary>
    /// <exception cref="IndexOutOfRangeException">The number runs past the end of <paramref name="bytes"/>.</exception>
    public static long ReadSigned(ReadOnlySpan<byte> bytes, ref int at)
    {
        var value = (long)Read(bytes, ref at, out var shift, out var last);
        return shift < 64 && (last & 0x40) != 0 ? value | (-1L << shift) : value;
    }

    private static ulong Read(ReadOnlySpan<byte> bytes, ref int at, out int shift, out byte last)
    {
        ulong result = 0;
        shift = 0;
        do
        {
            last = bytes[at++];
            result |= shift < 64 ? (ulong)(last & 0x7F) << shift : 0;
            shift += 7;
        }
        while ((last & 0x80) != 0);
        return result;
    }
}
