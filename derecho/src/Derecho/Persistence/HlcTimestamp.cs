using System.Buffers.Binary;
using System.Globalization;

namespace Derecho.Persistence;

/// <summary>
/// A hybrid logical clock time: wall-clock microseconds since the Unix epoch, and a logical counter that orders
/// events within one microsecond (or while the wall clock lags a time already seen). Compared physical first.
/// </summary>
/// <param name="Microseconds">Wall-clock microseconds since 1970-01-01 UTC.</param>
/// <param name="Logical">Orders events that share <paramref name="Microseconds"/>.</param>
public readonly record struct HlcTimestamp(long Microseconds, uint Logical) : IComparable<HlcTimestamp>
{
    /// <summary>The bytes <see cref="Write"/> produces.</summary>
    public const int Size = 12;

    /// <summary>The earliest time, before every time a clock produces.</summary>
    public static HlcTimestamp Zero => default;

    /// <summary>The wall-clock part as a <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset WallClock => DateTimeOffset.UnixEpoch.AddTicks(Microseconds * 10);

    /// <summary>The time at <paramref name="time"/> with logical counter 0.</summary>
    public static HlcTimestamp FromDateTime(DateTimeOffset time) =>
        new((time - DateTimeOffset.UnixEpoch).Ticks / 10, 0);

    /// <summary>The later of two times.</summary>
    public static HlcTimestamp Max(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) >= 0 ? a : b;

    /// <inheritdoc />
    public int CompareTo(HlcTimestamp other)
    {
        var byClock = Microseconds.CompareTo(other.Microseconds);
        return byClock != 0 ? byClock : Logical.CompareTo(other.Logical);
    }

    /// <summary>Whether <paramref name="a"/> is earlier than <paramref name="b"/>.</summary>
    public static bool operator <(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) < 0;

    /// <summary>Whether <paramref name="a"/> is later than <paramref name="b"/>.</summary>
    public static bool operator >(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) > 0;

    /// <summary>Whether <paramref name="a"/> is not later than <paramref name="b"/>.</summary>
    public static bool operator <=(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) <= 0;

    /// <summary>Whether <paramref name="a"/> is not earlier than <paramref name="b"/>.</summary>
    public static bool operator >=(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) >= 0;

    /// <summary>Writes the time in <see cref="Size"/> little-endian bytes.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, Microseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Logical);
    }

    /// <summary>Reads a time <see cref="Write"/> wrote.</summary>
    public static HlcTimestamp Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(source), BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));

    /// <summary>Parses <c>MICROSECONDS</c> or <c>MICROSECONDS.LOGICAL</c>, as <see cref="ToString"/> prints.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is neither form.</exception>
    public static HlcTimestamp Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var clock = dot < 0 ? text : text[..dot];
        if (long.TryParse(clock, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds))
        {
            if (dot < 0)
            {
                return new HlcTimestamp(microseconds, 0);
            }
            if (uint.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var logical))
            {
                return new HlcTimestamp(microseconds, logical);
            }
        }
        throw new FormatException($"'{text}' is not a hybrid logical time; expected MICROSECONDS or MICROSECONDS.LOGICAL");
    }

    /// <summary>Prints <c>MICROSECONDS.LOGICAL</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Microseconds}.{Logical}");
}
