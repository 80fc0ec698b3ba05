namespace Serval.Binary;

/// <summary>DWARF's LEB128 integers: 7 bits per byte, low group first, the high bit set on every byte but the last.</summary>
internal static class Leb128
{
    /// <summary>Reads an unsigned LEB128 at <paramref name="at"/> and moves past it.</summary>
    public static ulong ReadUnsigned(byte[] s, ref int at) => Read(s, ref at, out _, out _);

    /// <summary>Reads a signed LEB128 at <paramref name="at"/> and moves past it.</summary>
    public static long ReadSigned(byte[] s, ref int at)
    {
        var value = (long)Read(s, ref at, out var shift, out var last);
        return shift < 64 && (last & 0x40) != 0 ? value | (-1L << shift) : value;
    }

    private static ulong Read(byte[] s, ref int at, out int shift, out byte last)
    {
        ulong result = 0;
        shift = 0;
        do
        {
            last = s[at++];
            result |= shift < 64 ? (ulong)(last & 0x7F) << shift : 0;
            shift += 7;
        }
        while ((last & 0x80) != 0);
        return result;
    }
}
