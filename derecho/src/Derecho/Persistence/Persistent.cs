using System.Buffers;

namespace Derecho.Persistence;

/// <summary>Opens persistent fields.</summary>
public static class Persistent
{
    /// <summary>Opens the field <paramref name="name"/> under <c>PERS/file_path</c> (see <see cref="PersistentLog.OpenField"/>).</summary>
    public static Persistent<T> Open<T>(PersistenceOptions options, string name, IPersistentCodec<T> codec, T initial,
        ILogFileSystem? fileSystem = null, LogSigner? signer = null)
    {
        var log = PersistentLog.OpenField(options, name, fileSystem);
        try
        {
            return new Persistent<T>(log, codec, initial, signer);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A versioned field kept in a <see cref="PersistentLog"/>, as Derecho's <c>Persistent&lt;T&gt;</c>: every update is
/// a new version stamped with a hybrid logical time, and the field reads as of any version or time it still holds.
/// The latest value stays decoded in memory; older ones are read from the log. With a <see cref="LogSigner"/>, every
/// version is signed in a chain (Derecho's signed logs): the chain is verified when the field opens and each version
/// when it is read. Thread-safe.
/// </summary>
/// <typeparam name="T">The field's type; values are treated as immutable once put.</typeparam>
public sealed class Persistent<T> : IDisposable
{
    private readonly IPersistentCodec<T> _codec;
    private readonly T _initial;
    private readonly Lock _gate = new();
    private readonly ArrayBufferWriter<byte> _encoded = new();
    private readonly SignatureChain? _chain;
    private T _latest;

    /// <summary>
    /// A field over <paramref name="log"/>; before its first version it reads as <paramref name="initial"/>. With
    /// <paramref name="signer"/>, versions are signed and the log's whole chain is verified now.
    /// </summary>
    /// <exception cref="LogSignatureException">A version of a signed log fails verification.</exception>
    public Persistent(PersistentLog log, IPersistentCodec<T> codec, T initial, LogSigner? signer = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(codec);
        Log = log;
        _codec = codec;
        _initial = initial;
        _chain = signer is null ? null : new SignatureChain(log, signer);
        _latest = ReadLatest();
    }

    /// <summary>The log the field keeps its versions in.</summary>
    public PersistentLog Log { get; }

    /// <summary>The value of the latest version (staged or persisted).</summary>
    public T Value
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>The latest version, or <see cref="Versions.None"/>.</summary>
    public long LatestVersion => Log.LatestVersion;

    /// <summary>The local persistence frontier: the counter a member publishes for the global persistence frontier.</summary>
    public long PersistedVersion => Log.PersistedVersion;

    /// <summary>
    /// Sets the field to <paramref name="value"/> as <paramref name="version"/>, stamped <paramref name="time"/>
    /// (staged until <see cref="Persist"/>), first trimming the oldest versions when the log's limits say so
    /// (<see cref="PersistentLog.AutoTrimBound"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is not newer than the latest.</exception>
    public void Put(long version, HlcTimestamp time, T value)
    {
        lock (_gate)
        {
            _encoded.ResetWrittenCount();
            _codec.Encode(value, _encoded);
            var bound = Log.AutoTrimBound(_encoded.WrittenCount + (_chain is null ? 0 : SignatureChain.Overhead), time);
            if (bound != Versions.None)
            {
                // Every version holds a whole value, so the oldest go without a checkpoint.
                Log.Trim(bound);
            }
            if (_chain is null)
            {
                Log.Append(version, time, _encoded.WrittenSpan);
            }
            else
            {
                _chain.Append(version, time, _encoded.WrittenSpan);
            }
            _latest = value;
        }
    }

    /// <summary>Removes every version up to <paramref name="version"/> (see <see cref="PersistentLog.Trim"/>).</summary>
    public void Trim(long version) => Log.Trim(version);

    /// <summary>Removes every version after <paramref name="version"/> (see <see cref="PersistentLog.Truncate"/>); the field then reads as of it.</summary>
    public void Truncate(long version)
    {
        lock (_gate)
        {
            Log.Truncate(version);
            _latest = ReadLatest();
        }
    }

    /// <summary>Makes every version put so far durable (group commit); returns the persisted version.</summary>
    public long Persist() => Log.Commit();

    /// <summary>Completes once every version up to <paramref name="version"/> is durable here.</summary>
    public Task WaitForPersistedAsync(long version, CancellationToken cancellationToken = default) =>
        Log.WaitForPersistedAsync(version, cancellationToken);

    /// <summary>The value as of <paramref name="version"/>: that of the newest version at or before it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The versions needed were trimmed away.</exception>
    public T Get(long version) => Decode(Log.GetAtOrBefore(version), version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The value as of <paramref name="time"/>: that of the newest version stamped at or before it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The versions needed were trimmed away.</exception>
    public T Get(HlcTimestamp time) => Decode(Log.GetAtTime(time), "time " + time);

    /// <summary>The version, time and value of exactly <paramref name="version"/>, if the log holds it.</summary>
    public bool TryGetExact(long version, out HlcTimestamp time, out T value)
    {
        if (Log.TryGet(version, out var entry))
        {
            time = entry.Time;
            value = DecodeEntry(entry);
            return true;
        }
        time = default;
        value = _initial;
        return false;
    }

    /// <summary>Closes the log.</summary>
    public void Dispose() => Log.Dispose();

    private T Decode(LogEntry? entry, string what)
    {
        if (entry is { } found)
        {
            return DecodeEntry(found);
        }
        if (Log.TrimmedThrough != Versions.None)
        {
            throw new ArgumentOutOfRangeException(what, $"{Log.Directory}: the value as of {what} was trimmed away (trimmed through version {Log.TrimmedThrough})");
        }
        return _initial;
    }

    private T ReadLatest()
    {
        _chain?.Resume();
        return Log.Latest is { } entry ? DecodeEntry(entry) : _initial;
    }

    private T DecodeEntry(LogEntry entry) => _codec.Decode(_chain is null ? entry.Data.Span : _chain.Payload(entry).Span);
}
