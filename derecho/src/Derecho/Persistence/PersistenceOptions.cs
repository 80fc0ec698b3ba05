namespace Derecho.Persistence;

/// <summary>
/// Where and how persistent fields keep their logs: Derecho's <c>[PERS]</c> keys. <see cref="Validate"/> names the
/// key of any bad value.
/// </summary>
public sealed record PersistenceOptions
{
    /// <summary>The default <c>PERS/file_path</c>, as in Derecho.</summary>
    public const string DefaultFilePath = ".plog";

    /// <summary>The default <c>PERS/max_log_entry</c>, as in Derecho's sample configuration.</summary>
    public const long DefaultMaxLogEntries = 1L << 20;

    /// <summary>The default <c>PERS/max_data_size</c> (512 GiB), as in Derecho's sample configuration; nothing is reserved up front.</summary>
    public const long DefaultMaxDataSize = 512L << 30;

    /// <summary>The default size at which a log starts a new segment file.</summary>
    public const long DefaultSegmentSize = 16L << 20;

    /// <summary>
    /// The default <see cref="ResidentBytes"/>: none. Under load, staged bytes kept after their sync outlive the
    /// young generation and are collected from the old one (1 KB durable puts: 10–15 % more member CPU per put
    /// with 4 MiB kept).
    /// </summary>
    public const long DefaultResidentBytes = 0;

    /// <summary>The directory holding one subdirectory of log segments per persistent field (<c>PERS/file_path</c>).</summary>
    public string FilePath { get; init; } = DefaultFilePath;

    /// <summary>Whether logs left by an earlier run are deleted when a field opens (<c>PERS/reset</c>).</summary>
    public bool Reset { get; init; }

    /// <summary>The most versions one field's log may hold before it must be trimmed (<c>PERS/max_log_entry</c>).</summary>
    public long MaxLogEntries { get; init; } = DefaultMaxLogEntries;

    /// <summary>The most bytes of values one field's log may hold before it must be trimmed (<c>PERS/max_data_size</c>).</summary>
    public long MaxDataSize { get; init; } = DefaultMaxDataSize;

    /// <summary>
    /// Whether a log that an update would take past <see cref="MaxLogEntries"/> or <see cref="MaxDataSize"/> is
    /// trimmed of its oldest versions first, down to three quarters of the limit, instead of refusing the update
    /// (<c>PERS/auto_trim</c>; not a Derecho key: there a full log refuses appends until the application trims). A
    /// replica's log is never trimmed above its shard's global persistence frontier (<see cref="PersistentLog.TrimLimit"/>):
    /// until its oldest versions are durable everywhere, it holds more than the limit.
    /// </summary>
    public bool AutoTrim { get; init; }

    /// <summary>
    /// Versions stamped longer than this before a new version are trimmed when it is logged, down to three quarters of
    /// the age (<c>PERS/max_log_age_ms</c>; not a Derecho key); null keeps versions of any age.
    /// </summary>
    public TimeSpan? MaxLogAge { get; init; }

    /// <summary>The size in bytes at which a log starts a new segment file (not a Derecho key).</summary>
    public long SegmentSize { get; init; } = DefaultSegmentSize;

    /// <summary>
    /// Whether each segment file is given its full <see cref="SegmentSize"/> when created (<c>fallocate</c>, as
    /// etcd does with its WAL), so that the <c>fdatasync</c> after an append flushes no size change (not a Derecho
    /// key; <c>PERS/preallocate_segments</c>). The end of a segment's records is found by their checksums, not by the
    /// file's length.
    /// </summary>
    public bool PreallocateSegments { get; init; } = true;

    /// <summary>
    /// How many group commits of one replicated object may sync at once (not a Derecho key;
    /// <c>PERS/syncs_in_flight</c>): while one batch syncs, the next is written and its sync started, and the persisted
    /// counter advances in order over the completed ones. With 1 (the default), a replica commits on its own thread
    /// whenever it has nothing more to run (one sync at a time, no hand-over to a commit thread): what is delivered
    /// during a sync waits in the replica's queue and shares the next commit. On this project's loaded 2-core machine
    /// that took less member CPU per durable put than 4 in most alternated runs (a sync costs CPU in a paravirtualized
    /// guest, and overlapping syncs make smaller batches; see <c>derecho/bench/RESULTS.md</c>).
    /// </summary>
    public int SyncsInFlight { get; init; } = DefaultSyncsInFlight;

    /// <summary>The default <see cref="SyncsInFlight"/>.</summary>
    public const int DefaultSyncsInFlight = 1;

    /// <summary>
    /// How many bytes of the newest persisted versions a log keeps in memory, read without a copy (not a Derecho
    /// key); versions not yet persisted always stay in memory, whatever this is.
    /// </summary>
    public long ResidentBytes { get; init; } = DefaultResidentBytes;

    /// <summary>
    /// Whether a log lets the operating system drop its synced records from the page cache, all but the newest
    /// <see cref="PersistentLog.CachedTailBytes"/> (<c>posix_fadvise(DONTNEED)</c>, as PostgreSQL does with its
    /// write-ahead log; not a Derecho key: <c>PERS/uncache_synced</c>). A log is written once and read rarely, and a
    /// page cache that keeps growing gives each write fresh memory to fill, which in a virtual machine may cost a
    /// fault in the host per page: on this project's machine recycled pages made large buffered writes 2–3× cheaper
    /// per byte in a probe, and halved the log's page-cache copy in a loaded run (durable puts/s: within the swing).
    /// Reads of older versions then come from the device.
    /// </summary>
    public bool UncacheSynced { get; init; } = true;

    /// <summary>
    /// The PEM file with the P-256 private key that signs this member's logs (<c>PERS/private_key_file</c>), or null
    /// for unsigned logs.
    /// </summary>
    public string? PrivateKeyFile { get; init; }

    /// <summary>The signer for <see cref="PrivateKeyFile"/>, or null when logs are not signed.</summary>
    /// <exception cref="ArgumentException">The file cannot be read or holds no P-256 key; the message names the key and file.</exception>
    public LogSigner? LoadSigner()
    {
        if (PrivateKeyFile is null)
        {
            return null;
        }
        try
        {
            return LogSigner.FromPem(File.ReadAllText(PrivateKeyFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgumentException($"PERS/private_key_file '{PrivateKeyFile}': {e.Message}", e);
        }
    }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names its configuration key.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(FilePath))
        {
            throw new ArgumentException("PERS/file_path must name a directory");
        }
        if (SyncsInFlight is < 1 or > 64)
        {
            throw new ArgumentException($"PERS/syncs_in_flight must be from 1 to 64, not {SyncsInFlight}");
        }
        if (FilePath.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new ArgumentException($"PERS/file_path '{FilePath}' contains a character not allowed in a path");
        }
        if (MaxLogEntries <= 0)
        {
            throw new ArgumentException($"PERS/max_log_entry must be positive, not {MaxLogEntries}");
        }
        if (MaxDataSize <= 0)
        {
            throw new ArgumentException($"PERS/max_data_size must be positive, not {MaxDataSize}");
        }
        if (MaxLogAge is { } age && age <= TimeSpan.Zero)
        {
            throw new ArgumentException($"PERS/max_log_age_ms must be positive, not {age.TotalMilliseconds}");
        }
        if (PrivateKeyFile is not null && string.IsNullOrWhiteSpace(PrivateKeyFile))
        {
            throw new ArgumentException("PERS/private_key_file must name a file when it is set");
        }
        if (ResidentBytes < 0)
        {
            throw new ArgumentException($"the log's resident bytes must not be negative, not {ResidentBytes}");
        }
        if (SegmentSize < 4096)
        {
            throw new ArgumentException($"the log segment size must be at least 4096 bytes, not {SegmentSize}");
        }
    }
}
