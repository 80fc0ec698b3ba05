namespace Derecho.Persistence;

/// <summary>One version in a log: its number, its time and its bytes.</summary>
/// <param name="Version">The version, <c>(vid &lt;&lt; 32) | seq</c> in a group.</param>
/// <param name="Time">The hybrid logical time the update was stamped with.</param>
/// <param name="Data">The bytes logged for the version.</param>
public readonly record struct LogEntry(long Version, HlcTimestamp Time, ReadOnlyMemory<byte> Data);

/// <summary>Derecho's version numbers: <c>(vid &lt;&lt; 32) | seq</c>.</summary>
public static class Versions
{
    /// <summary>No version (Derecho's <c>INVALID_VERSION</c>).</summary>
    public const long None = -1;

    /// <summary>The version of the <paramref name="sequence"/>-th update delivered in view <paramref name="viewId"/>.</summary>
    public static long Of(int viewId, uint sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(viewId);
        return ((long)viewId << 32) | sequence;
    }

    /// <summary>The view a version was delivered in.</summary>
    public static int ViewOf(long version) => (int)(version >> 32);

    /// <summary>The sequence number of a version within its view.</summary>
    public static uint SequenceOf(long version) => (uint)version;
}
