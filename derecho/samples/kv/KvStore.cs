using System.Buffers;
using System.IO.Hashing;
using System.Text;
using Derecho.Persistence;
using Derecho.Rpc;
using MessagePack;

namespace Derecho.Kv;

/// <summary>
/// One shard of the key-value store: a replicated map from string keys to byte values. Writes are ordered (every
/// replica of the shard applies them in the same order); reads are P2P (one replica answers) or ordered (every
/// replica answers, at a point in the shard's order). Every change is pushed to subscribed clients as a
/// notification <c>put KEY</c> or <c>remove KEY</c>.
/// </summary>
/// <remarks>
/// In persistent mode every change is a version in a log under <c>PERS/file_path</c> (one directory per subgroup
/// and shard), stamped with the caller's hybrid logical time; a write's reply leaves only once the version is
/// synced, so a caller that heard every replica knows it is durable everywhere. The map is rebuilt from the log
/// when the replica starts, and any key reads as of a version or a time (<see cref="GetAtVersion"/>,
/// <see cref="GetAtTime"/>). A member joining the shard receives the log, not the map.
/// </remarks>
[Replicated]
public sealed partial class KvStore : IReplicatedState, IPersistentReplica
{
    private const byte PutRecord = 1;
    private const byte RemoveRecord = 2;

    private readonly Dictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<long>> _history = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _record = new();
    private readonly ReplicaContext? _context;
    private PersistentLog? _log;
    private LogSigner? _signer;
    private SignatureChain? _chain;

    /// <summary>The checkpoint of a trimmed log: each live key's newest change at or before <see cref="_trimmed"/>, by version.</summary>
    private SortedDictionary<long, (HlcTimestamp Time, byte[] Record)> _base = [];
    private (long Version, HlcTimestamp Time) _trimmed = (Versions.None, HlcTimestamp.Zero);

    /// <summary>Creates an empty replica, in memory.</summary>
    public KvStore(ReplicaContext? context = null) => _context = context;

    /// <summary>Creates a replica that persists its changes when <paramref name="persistent"/> is set (it needs a <paramref name="context"/>).</summary>
    public KvStore(ReplicaContext context, bool persistent)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        Persists = persistent;
    }

    /// <summary>How many keys the replica holds.</summary>
    public int Count => _entries.Count;

    /// <inheritdoc />
    public bool Persists { get; }

    /// <summary>The name of the log directory of a shard's replica under <c>PERS/file_path</c>.</summary>
    public static string LogName(int subgroup, int shard) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"KvStore-{subgroup}-{shard}");

    /// <summary>The shard of <paramref name="key"/> among <paramref name="shards"/>: a hash of its UTF-8 bytes.</summary>
    public static int ShardOf(string key, int shards)
    {
        ArgumentNullException.ThrowIfNull(key);
        var length = Encoding.UTF8.GetByteCount(key);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(key, bytes);
        return (int)(XxHash32.HashToUInt32(bytes) % (uint)shards);
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; true when the key is new.</summary>
    [Ordered]
    public bool Put(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var added = !_entries.ContainsKey(key);
        Log(PutRecord, key, value);
        _entries[key] = value;
        if (_context is { HasSubscribers: true })
        {
            _context.Notify(Encoding.UTF8.GetBytes("put " + key));
        }
        return added;
    }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    [Ordered]
    [P2P]
    public byte[]? Get(string key) => _entries.GetValueOrDefault(key);

    /// <summary>Removes <paramref name="key"/>; true when it was there.</summary>
    [Ordered]
    public bool Remove(string key)
    {
        if (_entries.ContainsKey(key))
        {
            Log(RemoveRecord, key, []);
        }
        var removed = _entries.Remove(key);
        if (removed && _context is { HasSubscribers: true })
        {
            _context.Notify(Encoding.UTF8.GetBytes("remove " + key));
        }
        return removed;
    }

    /// <summary>Every key, in ordinal order.</summary>
    [Ordered]
    [P2P]
    public string[] ListKeys() => [.. _entries.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The entries in ordinal key order (the map itself is a hash map: puts and gets are the hot path).</summary>
    private IEnumerable<KeyValuePair<string, byte[]>> InKeyOrder() => _entries.OrderBy(e => e.Key, StringComparer.Ordinal);

    /// <summary>The values of <paramref name="keys"/> (null where missing), in order.</summary>
    [Ordered]
    [P2P]
    public byte[]?[] MultiGet(string[] keys) => [.. keys.Select(k => _entries.GetValueOrDefault(k))];

    /// <summary>
    /// A digest of this replica's map: how many keys it holds and an XxHash64 of its keys and values in key order,
    /// with <see cref="ReplicaContext.Version"/> (for an ordered call, that call's own version). Called ordered,
    /// every replica of the shard answers at the same point of the shard's order, so replicas in agreement give
    /// equal digests whatever calls are still in flight: a difference is a divergence, not a race.
    /// </summary>
    [Ordered]
    [P2P]
    public KvDigest Digest()
    {
        var hash = new XxHash64();
        Span<byte> length = stackalloc byte[4];
        foreach (var (key, value) in InKeyOrder())
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.Append(length);
            hash.Append(bytes);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, value.Length);
            hash.Append(length);
            hash.Append(value);
        }
        return new KvDigest(_context?.Version ?? Versions.None, _entries.Count, hash.GetCurrentHashAsUInt64());
    }

    /// <summary>
    /// Trims the history (persistent mode): versions up to <paramref name="version"/> (at most the latest) leave the
    /// log, and a checkpoint keeps each live key's newest change at or before it, so the map and every read as of a
    /// later version are unchanged; reads as of a trimmed version fail with a clear error. Ordered, so every replica
    /// trims at the same point of the shard's order. Returns the version the history now starts after.
    /// </summary>
    [Ordered]
    public long Trim(long version)
    {
        var log = RequireLog();
        var bound = Math.Min(version, log.LatestVersion);
        if (bound <= _trimmed.Version)
        {
            return _trimmed.Version;
        }
        var live = new Dictionary<string, (long Version, HlcTimestamp Time, byte[] Record)>(StringComparer.Ordinal);
        foreach (var (baseVersion, (time, record)) in _base)
        {
            live[DecodeRecord(record).Key] = (baseVersion, time, record);
        }
        var boundTime = _trimmed.Time;
        foreach (var entry in log.Enumerate().TakeWhile(e => e.Version <= bound))
        {
            var record = Payload(entry).ToArray();
            var (kind, key, _) = DecodeRecord(record);
            if (kind == PutRecord)
            {
                live[key] = (entry.Version, entry.Time, record);
            }
            else
            {
                live.Remove(key);
            }
            boundTime = entry.Time;
        }
        WriteCheckpoint(log, bound, boundTime, live.Values.OrderBy(v => v.Version).Select(v => (v.Version, v.Time, v.Record)));
        log.Trim(bound);
        Replay();
        return bound;
    }

    /// <summary>
    /// The value of <paramref name="key"/> as of <paramref name="version"/> (its newest change at or before it), with
    /// that change's version and time (persistent mode).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The history of <paramref name="key"/> at <paramref name="version"/> was trimmed.</exception>
    [P2P]
    public KvVersion GetAtVersion(string key, long version)
    {
        var log = RequireLog();
        return Lookup(log, key, version, stable: version <= ShardFrontier(log).Version);
    }

    /// <summary>
    /// The value of <paramref name="key"/> as of the hybrid logical time <paramref name="microseconds"/>.<paramref name="logical"/>
    /// (its newest change stamped at or before it), persistent mode. <see cref="KvVersion.Stable"/> tells whether
    /// the answer is final: a version stamped later is already durable at every replica, so every replica answers
    /// the same.
    /// </summary>
    [P2P]
    public KvVersion GetAtTime(string key, long microseconds, uint logical)
    {
        var log = RequireLog();
        var time = new HlcTimestamp(microseconds, logical);
        if (_trimmed.Version != Versions.None && time < _trimmed.Time)
        {
            throw new ArgumentOutOfRangeException(nameof(microseconds),
                $"time {time} was trimmed: this replica keeps history after version {_trimmed.Version}, stamped {_trimmed.Time}");
        }
        var at = log.GetAtTime(time)?.Version ?? _trimmed.Version;
        return Lookup(log, key, at, stable: ShardFrontier(log).Time > time);
    }

    /// <summary>The latest version and its time, and the shard's global persistence frontier as this replica knows it.</summary>
    [P2P]
    public KvVersion LatestVersion()
    {
        var log = RequireLog();
        var latest = log.Latest;
        var frontier = ShardFrontier(log);
        return new KvVersion(null, latest?.Version ?? Versions.None, latest?.Time.Microseconds ?? 0, latest?.Time.Logical ?? 0, latest is { } l && l.Version <= frontier.Version);
    }

    /// <inheritdoc />
    public IReadOnlyList<PersistentLog> OpenLogs()
    {
        if (_context is null || !Persists)
        {
            throw new InvalidOperationException("an in-memory replica keeps no logs");
        }
        _log = PersistentLog.OpenField(_context.Persistence, LogName(_context.Subgroup.Index, _context.Shard));
        _signer = _context.Persistence.LoadSigner();
        if (_signer is not null)
        {
            _chain = new SignatureChain(_log, _signer);
        }
        ReadCheckpoint(_log);
        Replay();
        return [_log];
    }

    /// <summary>Closes the log.</summary>
    public void Dispose()
    {
        _log?.Dispose();
        _signer?.Dispose();
    }

    /// <inheritdoc />
    public void WriteState(IBufferWriter<byte> writer)
    {
        var messagePack = new MessagePackWriter(writer);
        if (_log is { } log)
        {
            // The log itself, so that the joiner holds the same versions and times: the trim point, the checkpoint,
            // then the versions after it.
            messagePack.WriteArrayHeader(3);
            WriteEntry(ref messagePack, _trimmed.Version, _trimmed.Time, []);
            WriteEntries(ref messagePack, _base.Count, _base.Select(b => (b.Key, b.Value.Time, (ReadOnlyMemory<byte>)b.Value.Record)));
            WriteEntries(ref messagePack, log.Count, log.Enumerate().Select(e => (e.Version, e.Time, Payload(e))));
            messagePack.Flush();
            return;
        }
        messagePack.WriteMapHeader(_entries.Count);
        foreach (var (key, value) in InKeyOrder())
        {
            messagePack.Write(key);
            messagePack.Write(value);
        }
        messagePack.Flush();
    }

    /// <inheritdoc />
    public void ReadState(ReadOnlySequence<byte> state)
    {
        if (_log is { } log)
        {
            ReadLog(log, state);
            return;
        }
        _entries.Clear();
        if (state.IsEmpty)
        {
            return;
        }
        var reader = new MessagePackReader(state);
        for (var count = reader.ReadMapHeader(); count > 0; count--)
        {
            var key = reader.ReadString() ?? throw new InvalidDataException("a null key in a key-value state");
            var value = reader.ReadBytes()?.ToArray() ?? [];
            _entries[key] = value;
        }
    }

    /// <summary>
    /// Takes the shard's log from a member that holds it: versions this replica holds that the sender lacks (logged
    /// here before a restart the group did not keep them through) are truncated away, a checkpoint later than this
    /// replica's own is taken (and the log trimmed to it), the sender's newer versions appended and synced, and the
    /// map rebuilt.
    /// </summary>
    private void ReadLog(PersistentLog log, ReadOnlySequence<byte> state)
    {
        var (trimmed, checkpoint, incoming) = (new LogEntry(Versions.None, HlcTimestamp.Zero, default), new List<LogEntry>(), new List<LogEntry>());
        if (!state.IsEmpty)
        {
            var reader = new MessagePackReader(state);
            if (reader.ReadArrayHeader() != 3)
            {
                throw new InvalidDataException("a key-value log state is not [trim point, checkpoint, versions]");
            }
            trimmed = ReadEntry(ref reader);
            for (var count = reader.ReadArrayHeader(); count > 0; count--)
            {
                checkpoint.Add(ReadEntry(ref reader));
            }
            for (var count = reader.ReadArrayHeader(); count > 0; count--)
            {
                incoming.Add(ReadEntry(ref reader));
            }
        }
        var theirs = incoming.Select(e => e.Version).ToHashSet();
        if (FirstMissing(log, theirs, after: Math.Max(trimmed.Version, _trimmed.Version)) is { } diverged)
        {
            log.Truncate(diverged - 1);
            _chain?.Resume();
        }
        if (trimmed.Version > _trimmed.Version)
        {
            WriteCheckpoint(log, trimmed.Version, trimmed.Time, checkpoint.Select(e => (e.Version, e.Time, e.Data.ToArray())));
            log.Trim(trimmed.Version);
            _chain?.Resume();
        }
        var latest = log.LatestVersion;
        foreach (var entry in incoming.Where(e => e.Version > latest))
        {
            Append(entry.Version, entry.Time, entry.Data.Span);
        }
        log.Commit();
        Replay();
    }

    private static string CheckpointPath(PersistentLog log) => log.Directory.TrimEnd(Path.DirectorySeparatorChar) + ".checkpoint";

    /// <summary>
    /// Writes the checkpoint of a trim through <paramref name="bound"/> durably (beside the log, synced, renamed over
    /// the last one, the directory synced) before the log is trimmed: a crash leaves the old checkpoint with the
    /// untrimmed log, or the new one with a log trimmed or not (<see cref="ReadCheckpoint"/> finishes the trim).
    /// </summary>
    private void WriteCheckpoint(PersistentLog log, long bound, HlcTimestamp time, IEnumerable<(long Version, HlcTimestamp Time, byte[] Record)> kept)
    {
        var records = kept.ToList();
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        WriteEntry(ref writer, bound, time, []);
        WriteEntries(ref writer, records.Count, records.Select(r => (r.Version, r.Time, (ReadOnlyMemory<byte>)r.Record)));
        writer.Flush();
        var path = CheckpointPath(log);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(buffer.WrittenSpan);
            Span<byte> hash = stackalloc byte[8];
            XxHash64.Hash(buffer.WrittenSpan, hash);
            file.Write(hash);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        DiskFileSystem.Instance.SyncDirectory(Path.GetDirectoryName(path)!);
        _base = new SortedDictionary<long, (HlcTimestamp, byte[])>(records.ToDictionary(r => r.Version, r => (r.Time, r.Record)));
        _trimmed = (bound, time);
    }

    /// <summary>Reads the checkpoint of the log's last trim, if any, and finishes a trim a crash interrupted.</summary>
    /// <exception cref="LogCorruptException">The checkpoint is damaged.</exception>
    private void ReadCheckpoint(PersistentLog log)
    {
        if (LoadCheckpoint(CheckpointPath(log)) is not var (bound, kept))
        {
            return;
        }
        _base = kept;
        _trimmed = (bound.Version, bound.Time);
        if (log.TrimmedThrough < bound.Version)
        {
            log.Trim(bound.Version);
        }
    }

    /// <summary>
    /// Reads the checkpoint beside the log in <paramref name="logDirectory"/>, if any, and throws if it is damaged:
    /// a host checks it before its member joins, since the replica reads it only once in the group.
    /// </summary>
    /// <exception cref="LogCorruptException">The checkpoint is damaged; the message names its file.</exception>
    public static void CheckCheckpoint(string logDirectory)
    {
        ArgumentNullException.ThrowIfNull(logDirectory);
        LoadCheckpoint(logDirectory.TrimEnd(Path.DirectorySeparatorChar) + ".checkpoint");
    }

    /// <summary>The trim point and kept changes of the checkpoint at <paramref name="path"/>, or null without one.</summary>
    /// <exception cref="LogCorruptException">The checkpoint is damaged.</exception>
    private static (LogEntry Bound, SortedDictionary<long, (HlcTimestamp, byte[])> Kept)? LoadCheckpoint(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)) != System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(bytes.Length - 8)))
        {
            throw new LogCorruptException(path, 0, "the checkpoint of the trimmed history is damaged");
        }
        var reader = new MessagePackReader(bytes.AsMemory(0, bytes.Length - 8));
        if (reader.ReadArrayHeader() != 2)
        {
            throw new LogCorruptException(path, 0, "the checkpoint is not [trim point, kept changes]");
        }
        var bound = ReadEntry(ref reader);
        var kept = new SortedDictionary<long, (HlcTimestamp, byte[])>();
        for (var count = reader.ReadArrayHeader(); count > 0; count--)
        {
            var entry = ReadEntry(ref reader);
            kept[entry.Version] = (entry.Time, entry.Data.ToArray());
        }
        return (bound, kept);
    }

    private static void WriteEntry(ref MessagePackWriter writer, long version, HlcTimestamp time, ReadOnlySpan<byte> data)
    {
        writer.WriteArrayHeader(4);
        writer.Write(version);
        writer.Write(time.Microseconds);
        writer.Write(time.Logical);
        writer.Write(data);
    }

    private static void WriteEntries(ref MessagePackWriter writer, int count, IEnumerable<(long Version, HlcTimestamp Time, ReadOnlyMemory<byte> Data)> entries)
    {
        writer.WriteArrayHeader(count);
        foreach (var (version, time, data) in entries)
        {
            WriteEntry(ref writer, version, time, data.Span);
        }
    }

    private static LogEntry ReadEntry(ref MessagePackReader reader)
    {
        if (reader.ReadArrayHeader() != 4)
        {
            throw new InvalidDataException("a log entry of a key-value state is not [version, microseconds, logical, data]");
        }
        var version = reader.ReadInt64();
        var time = new HlcTimestamp(reader.ReadInt64(), reader.ReadUInt32());
        return new LogEntry(version, time, reader.ReadBytes()?.ToArray() ?? []);
    }

    /// <summary>The oldest version of <paramref name="log"/> after <paramref name="after"/> not among <paramref name="versions"/>, or null.</summary>
    private static long? FirstMissing(PersistentLog log, HashSet<long> versions, long after) =>
        log.Enumerate().Select(e => (long?)e.Version).FirstOrDefault(v => v > after && !versions.Contains(v!.Value));

    /// <summary>Rebuilds the map and the per-key history from the log.</summary>
    private void Replay()
    {
        _entries.Clear();
        _history.Clear();
        foreach (var (version, (_, record)) in _base)
        {
            var (kind, key, value) = DecodeRecord(record);
            Apply(version, kind, key, value.ToArray());
        }
        foreach (var entry in _log!.Enumerate().Where(e => e.Version > _trimmed.Version))
        {
            var (kind, key, value) = Decode(entry);
            Apply(entry.Version, kind, key, value.ToArray());
        }
    }

    private void Log(byte kind, string key, byte[] value)
    {
        if (_log is null)
        {
            return;
        }
        var version = _context!.Version;
        var keyLength = Encoding.UTF8.GetByteCount(key);
        var bound = _log.AutoTrimBound(5 + keyLength + value.Length + (_chain is null ? 0 : SignatureChain.Overhead), _context.Time);
        if (bound != Versions.None)
        {
            // PERS/auto_trim or max_log_age_ms: a checkpointed trim, at the same point of the order at every replica.
            Trim(bound);
        }
        _record.ResetWrittenCount();
        var span = _record.GetSpan(5 + keyLength + value.Length);
        span[0] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[1..], keyLength);
        Encoding.UTF8.GetBytes(key, span[5..]);
        value.CopyTo(span[(5 + keyLength)..]);
        _record.Advance(5 + keyLength + value.Length);
        Append(version, _context.Time, _record.WrittenSpan);
        History(key).Add(version);
    }

    private void Apply(long version, byte kind, string key, byte[] value)
    {
        if (kind == PutRecord)
        {
            _entries[key] = value;
        }
        else
        {
            _entries.Remove(key);
        }
        History(key).Add(version);
    }

    private List<long> History(string key)
    {
        if (!_history.TryGetValue(key, out var versions))
        {
            versions = [];
            _history[key] = versions;
        }
        return versions;
    }

    private KvVersion Lookup(PersistentLog log, string key, long version, bool stable)
    {
        ArgumentNullException.ThrowIfNull(key);
        var versions = _history.GetValueOrDefault(key) ?? [];
        var at = versions.BinarySearch(version);
        at = at >= 0 ? at : ~at - 1;
        if (version < _trimmed.Version && (at < 0 || !_base.ContainsKey(versions[at])))
        {
            // Below the trim point only each key's newest change is kept: an older one may have been trimmed.
            throw new ArgumentOutOfRangeException(nameof(version),
                $"key {key} as of version {version} was trimmed: this replica keeps history after version {_trimmed.Version}");
        }
        if (at >= 0 && _base.TryGetValue(versions[at], out var kept))
        {
            var (_, _, keptValue) = DecodeRecord(kept.Record);
            return new KvVersion(keptValue.ToArray(), versions[at], kept.Time.Microseconds, kept.Time.Logical, stable);
        }
        if (at >= 0 && log.TryGet(versions[at], out var entry))
        {
            var (kind, _, value) = Decode(entry);
            return new KvVersion(kind == PutRecord ? value.ToArray() : null, entry.Version, entry.Time.Microseconds, entry.Time.Logical, stable);
        }
        return new KvVersion(null, Versions.None, 0, 0, stable);
    }

    /// <summary>The shard's global persistence frontier and the time of the newest version at or before it here.</summary>
    private (long Version, HlcTimestamp Time) ShardFrontier(PersistentLog log)
    {
        var frontier = _context!.GlobalPersistence;
        return (frontier, log.GetAtOrBefore(frontier)?.Time ?? HlcTimestamp.Zero);
    }

    private PersistentLog RequireLog() =>
        _log ?? throw new InvalidOperationException("this key-value store runs in memory; versioned and temporal reads need persistent mode (KV/persistent = true)");

    /// <summary>Appends a change, signed in the log's chain when <c>PERS/private_key_file</c> gives this member a key.</summary>
    private void Append(long version, HlcTimestamp time, ReadOnlySpan<byte> record)
    {
        if (_chain is null)
        {
            _log!.Append(version, time, record);
        }
        else
        {
            _chain.Append(version, time, record);
        }
    }

    /// <summary>A logged change without its signatures (verified first, when the log is signed).</summary>
    private ReadOnlyMemory<byte> Payload(LogEntry entry) => _chain?.Payload(entry) ?? entry.Data;

    private (byte Kind, string Key, ReadOnlyMemory<byte> Value) Decode(LogEntry entry) => DecodeRecord(Payload(entry));

    private static (byte Kind, string Key, ReadOnlyMemory<byte> Value) DecodeRecord(ReadOnlyMemory<byte> data)
    {
        var keyLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(data.Span[1..]);
        return (data.Span[0], Encoding.UTF8.GetString(data.Span.Slice(5, keyLength)), data[(5 + keyLength)..]);
    }
}

/// <summary>A key's value as of a version or time.</summary>
/// <param name="Value">The value, or null when the key was absent then.</param>
/// <param name="Version">The version of the change that set it, or -1 when none.</param>
/// <param name="Microseconds">That change's hybrid logical time, wall-clock part.</param>
/// <param name="Logical">That change's hybrid logical time, logical part.</param>
/// <param name="Stable">The answer is final: every replica gives the same one (the query is below the shard's global persistence frontier).</param>
[MessagePackObject]
public sealed record KvVersion(
    [property: Key(0)] byte[]? Value,
    [property: Key(1)] long Version,
    [property: Key(2)] long Microseconds,
    [property: Key(3)] uint Logical,
    [property: Key(4)] bool Stable);

/// <summary>A digest of one replica's map (<see cref="KvStore.Digest"/>).</summary>
/// <param name="Version">The version of the ordered call that asked (or of the last one the replica ran, for a P2P call; -1 when none).</param>
/// <param name="Count">How many keys the replica holds.</param>
/// <param name="Hash">An XxHash64 of the keys and values in key order.</param>
[MessagePackObject]
public sealed record KvDigest(
    [property: Key(0)] long Version,
    [property: Key(1)] int Count,
    [property: Key(2)] ulong Hash);
