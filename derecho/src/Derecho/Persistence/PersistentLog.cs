namespace Derecho.Persistence;

/// <summary>
/// The log of one persistent field: an append-only sequence of versions in segment files of one directory, with
/// in-memory indexes by version and by time. <see cref="Append"/> stages a version (readable at once);
/// <see cref="Commit"/> writes everything staged in one write per segment and <c>fdatasync</c>s it, and only then
/// does <see cref="PersistedVersion"/> advance (group commit). A commit can also run in two steps,
/// <see cref="WriteStaged"/> then <see cref="Sync"/>, so that the next batch is written and its sync started while
/// an earlier one is still syncing: <see cref="PersistedVersion"/> then advances only in order, through the batches
/// whose syncs all completed. A new segment's name is made durable with an
/// <c>fsync</c> of the directory before any data goes into it. The newest versions' bytes
/// (<see cref="PersistenceOptions.ResidentBytes"/>, and every staged version) stay in memory and are read without a
/// copy; older ones are read from their segment. Thread-safe.
/// </summary>
/// <remarks>
/// Versions must increase. Times never decrease along versions: a version stamped earlier than its predecessor is
/// logged with its predecessor's time, so replicas logging the same sequence log the same times. A segment's records
/// end where only zeros follow (its preallocated rest) or at the end of the file. Opening repairs a
/// record torn at the end of the last segment (a crash during a write) and refuses, with
/// <see cref="LogCorruptException"/>, a damaged record anywhere else. A last record that fails its checksum (a
/// flipped bit included) cannot be told from a torn one, so it is cut too: in a persistent shard that version was
/// durable at the other replicas, which give it back at restart.
/// </remarks>
public sealed partial class PersistentLog : IDisposable
{
    private const string SegmentExtension = ".seg";
    private const int MinStagingBytes = 256;
    private const int PageSize = 4096;

    /// <summary>
    /// How many bytes of its newest synced records a log leaves in the page cache when it lets the operating system
    /// drop the rest (<see cref="PersistenceOptions.UncacheSynced"/>).
    /// </summary>
    public const long CachedTailBytes = 1 << 20;

    /// <summary>
    /// The largest staging buffer made for several records: below the large-object heap's threshold (85,000 bytes),
    /// so that buffers come from the young generation's memory, which the collector reuses, rather than from fresh
    /// pages that each commit faults in and zeroes.
    /// </summary>
    private const int MaxStagingBytes = 64 << 10;

    private readonly ILogFileSystem _fileSystem;
    private readonly PersistenceOptions _options;
    private readonly Lock _gate = new();
    private readonly Lock _commitGate = new();
    private readonly SortedDictionary<long, ILogFile> _segments = [];
    private readonly BlockList<IndexEntry> _index = new();
    private readonly Dictionary<long, ReadOnlyMemory<byte>> _resident = [];
    private readonly Queue<(long Version, int Length)> _residentOrder = new();
    private long _residentBytes;
    private readonly List<(long Version, TaskCompletionSource Done)> _waiters = [];
    private readonly Queue<PendingCommit> _syncing = new();
    private readonly object _completedSignal = new();
    private int _syncsRunning;
    private long _lastWrittenSegment;
    private List<StagedChunk> _staged = [];

    /// <summary>Where the records dropped from the page cache end (<see cref="UncacheThrough"/>).</summary>
    private (long Segment, long Offset) _uncachedThrough = (1, 0);

    /// <summary>
    /// The capacity a new staging buffer starts with: about what the recent commits staged (the largest of the last
    /// few, halving per commit, at most <see cref="MaxStagingBytes"/>); a record that does not fit goes into a new buffer.
    /// </summary>
    private int _stagingHint = MinStagingBytes;
    private long _tailSegment = 1;
    private long _tailLength;
    private long _dataBytes;
    private long _trimmedThrough = Versions.None;
    private HlcTimestamp _trimmedTime;
    private HlcTimestamp _lastTime;
    private long _latestVersion = Versions.None;
    private long _persistedVersion = Versions.None;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>The settings the log was opened with.</summary>
    internal PersistenceOptions Options => _options;

    /// <summary>
    /// Test hook: runs in <see cref="WriteStaged"/> after its writes, with the gate free, before the batch joins the
    /// syncs (the gap in which another thread's sync may complete the batches it was to cover).
    /// </summary>
    internal Action? AfterBatchWritten { get; set; }

    /// <summary>Test hook: runs in <see cref="Sync"/> once the batch counts as syncing, before its files are synced.</summary>
    internal Action? AfterSyncStarted { get; set; }

    /// <summary>The directory holding the log's segments.</summary>
    public string Directory { get; }

    /// <summary>What opening repaired, e.g. a torn record cut from the end; null when the log was intact.</summary>
    public string? Recovery { get; private set; }

    /// <summary>The number of versions the log holds (trimmed ones excluded).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>The oldest version the log holds, or <see cref="Versions.None"/> when it is empty.</summary>
    public long EarliestVersion
    {
        get
        {
            lock (_gate)
            {
                return _index.Count == 0 ? Versions.None : _index[0].Version;
            }
        }
    }

    /// <summary>The newest version appended, staged or persisted, or <see cref="Versions.None"/> when there is none.</summary>
    public long LatestVersion
    {
        get
        {
            lock (_gate)
            {
                return _latestVersion;
            }
        }
    }

    /// <summary>
    /// The local persistence frontier: every version up to this one is on disk (synced). Versions never go back,
    /// except through <see cref="Truncate"/>.
    /// </summary>
    public long PersistedVersion
    {
        get
        {
            lock (_gate)
            {
                return _persistedVersion;
            }
        }
    }

    /// <summary>Versions up to this one were trimmed away, or <see cref="Versions.None"/>.</summary>
    public long TrimmedThrough
    {
        get
        {
            lock (_gate)
            {
                return _trimmedThrough;
            }
        }
    }

    /// <summary>The newest entry, or null when the log is empty.</summary>
    public LogEntry? Latest
    {
        get
        {
            lock (_gate)
            {
                return _index.Count == 0 ? null : ReadEntry(_index[^1]);
            }
        }
    }

    /// <summary>
    /// Stages <paramref name="data"/> as <paramref name="version"/> stamped with <paramref name="time"/>. It is
    /// readable at once and durable after the next <see cref="Commit"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is not newer than every version appended or trimmed.</exception>
    /// <exception cref="LogFullException">The log holds <c>PERS/max_log_entry</c> versions or <c>PERS/max_data_size</c> bytes (without <c>PERS/auto_trim</c>).</exception>
    public void Append(long version, HlcTimestamp time, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            ThrowIfUnusable();
            var floor = Math.Max(_latestVersion, _trimmedThrough);
            if (version <= floor)
            {
                throw new ArgumentOutOfRangeException(nameof(version), version, $"{Directory}: version {version} is not newer than version {floor} already in the log");
            }
            // With PERS/auto_trim the limits are the trim's aim: a log whose oldest versions are not yet durable
            // everywhere (AutoTrimBound's TrimLimit) passes them until they are, rather than fail at one replica only.
            if (!_options.AutoTrim && _index.Count >= _options.MaxLogEntries)
            {
                throw new LogFullException($"{Directory}: the log holds {_index.Count} versions, PERS/max_log_entry allows {_options.MaxLogEntries}; trim it");
            }
            if (!_options.AutoTrim && _dataBytes + data.Length > _options.MaxDataSize)
            {
                throw new LogFullException($"{Directory}: the log holds {_dataBytes} bytes, and {data.Length} more would pass PERS/max_data_size ({_options.MaxDataSize}); trim it");
            }
            time = HlcTimestamp.Max(time, _lastTime);
            var size = LogRecordFormat.RecordSize(data.Length);
            if (_tailLength > 0 && _tailLength + size > _options.SegmentSize)
            {
                _tailSegment++;
                _tailLength = 0;
            }
            if (_staged.Count == 0 || _staged[^1].Segment != _tailSegment || _staged[^1].Free < size)
            {
                _staged.Add(new StagedChunk(_tailSegment, _tailLength, Math.Max(size, _stagingHint)));
            }
            var chunk = _staged[^1];
            var record = chunk.Append(size);
            LogRecordFormat.Write(record.Span, version, time, data);
            chunk.LastVersion = version;
            _resident[version] = record[LogRecordFormat.HeaderSize..];
            _residentOrder.Enqueue((version, data.Length));
            _residentBytes += data.Length;
            _index.Add(new IndexEntry(version, time, _tailSegment, _tailLength, data.Length));
            _tailLength += size;
            _dataBytes += data.Length;
            _lastTime = time;
            _latestVersion = version;
        }
    }

    /// <summary>
    /// Writes every staged version and <c>fdatasync</c>s it (group commit), together with the segments of batches
    /// written before it whose syncs have not completed (<see cref="WriteStaged"/>), then advances
    /// <see cref="PersistedVersion"/> and completes its waiters. Versions staged while a commit runs go into the next one.
    /// </summary>
    /// <returns>The persisted version after the commit.</returns>
    /// <exception cref="IOException">A write or sync failed; the log refuses further use (a failed sync may have lost data).</exception>
    public long Commit()
    {
        PendingCommit? written;
        lock (_commitGate)
        {
            written = WriteStagedLocked(coverEarlier: true);
        }
        return Finish(written);
    }

    /// <summary>
    /// The first step of a commit: writes every staged version to its segment (creating segments as needed) without
    /// syncing it, and returns the batch for <see cref="Sync"/>, or null when nothing was staged (or, with
    /// <paramref name="coverEarlier"/>, when nothing was staged and no earlier batch waits for its sync either). Batches
    /// are written in version order; their syncs may overlap.
    /// </summary>
    /// <param name="coverEarlier">With nothing staged, still return a batch that syncs the segments of the earlier batches not yet synced.</param>
    /// <exception cref="IOException">A write failed; the log refuses further use.</exception>
    public PendingCommit? WriteStaged(bool coverEarlier = false)
    {
        lock (_commitGate)
        {
            return WriteStagedLocked(coverEarlier);
        }
    }

    /// <summary>
    /// The second step of a commit: <c>fdatasync</c>s the segments of <paramref name="commit"/>, which include those of
    /// the batches written before it and not yet synced, then advances <see cref="PersistedVersion"/> through it. The
    /// persisted version thus moves only in order: a batch counts as persisted once a sync that began after it, and
    /// after every batch before it, was written completed.
    /// </summary>
    /// <exception cref="IOException">The sync failed; the log refuses further use.</exception>
    public void Sync(PendingCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.Joined is { } joined)
        {
            WaitSynced(joined);
            return;
        }
        lock (_gate)
        {
            commit.SyncStarted = true;
        }
        Interlocked.Increment(ref _syncsRunning);
        try
        {
            AfterSyncStarted?.Invoke();
            foreach (var (_, file) in commit.Files)
            {
                file.Sync();
            }
        }
        catch (Exception e)
        {
            Synced(commit, e);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _syncsRunning);
        }
        Synced(commit, null);
    }

    /// <summary>Completes once <see cref="PersistedVersion"/> reaches <paramref name="version"/> ("locally persisted").</summary>
    public Task WaitForPersistedAsync(long version, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ThrowIfUnusable();
            if (_persistedVersion >= version)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((version, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The entry of exactly <paramref name="version"/>, if the log holds it.</summary>
    public bool TryGet(long version, out LogEntry entry)
    {
        lock (_gate)
        {
            var at = FindVersion(version);
            entry = at >= 0 ? ReadEntry(_index[at]) : default;
            return at >= 0;
        }
    }

    /// <summary>The newest entry at or before <paramref name="version"/> (the state as of that version), or null.</summary>
    public LogEntry? GetAtOrBefore(long version)
    {
        lock (_gate)
        {
            var at = FindVersion(version);
            at = at >= 0 ? at : ~at - 1;
            return at >= 0 ? ReadEntry(_index[at]) : null;
        }
    }

    /// <summary>The newest entry stamped at or before <paramref name="time"/> (the state as of that time), or null.</summary>
    public LogEntry? GetAtTime(HlcTimestamp time)
    {
        lock (_gate)
        {
            var count = CountStampedBefore(time, inclusive: true);
            return count > 0 ? ReadEntry(_index[count - 1]) : null;
        }
    }

    /// <summary>
    /// The entries with versions from <paramref name="fromVersion"/> to <paramref name="toVersion"/> inclusive, oldest
    /// first, at most <paramref name="maxCount"/> of them.
    /// </summary>
    public IReadOnlyList<LogEntry> GetRange(long fromVersion, long toVersion, int maxCount = int.MaxValue)
    {
        lock (_gate)
        {
            var first = FindVersion(fromVersion);
            first = first >= 0 ? first : ~first;
            var result = new List<LogEntry>();
            for (var i = first; i < _index.Count && _index[i].Version <= toVersion && result.Count < maxCount; i++)
            {
                result.Add(ReadEntry(_index[i]));
            }
            return result;
        }
    }

    /// <summary>
    /// The entries stamped from <paramref name="from"/> to <paramref name="to"/> inclusive, oldest first, at most
    /// <paramref name="maxCount"/> of them (times never decrease along versions, so this is a run of versions).
    /// </summary>
    public IReadOnlyList<LogEntry> GetTimeRange(HlcTimestamp from, HlcTimestamp to, int maxCount = int.MaxValue)
    {
        lock (_gate)
        {
            var result = new List<LogEntry>();
            for (var i = CountStampedBefore(from, inclusive: false); i < _index.Count && _index[i].Time <= to && result.Count < maxCount; i++)
            {
                result.Add(ReadEntry(_index[i]));
            }
            return result;
        }
    }

    /// <summary>
    /// Every entry from <paramref name="fromVersion"/> on, oldest first, read in windows of
    /// <paramref name="window"/> entries (so a long log is never held whole); entries appended meanwhile may be included.
    /// </summary>
    public IEnumerable<LogEntry> Enumerate(long fromVersion = long.MinValue, int window = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        while (true)
        {
            var entries = GetRange(fromVersion, long.MaxValue, window);
            foreach (var entry in entries)
            {
                yield return entry;
            }
            if (entries.Count < window)
            {
                yield break;
            }
            fromVersion = entries[^1].Version + 1;
        }
    }

    /// <summary>
    /// Copies the bytes of <paramref name="version"/> into <paramref name="destination"/> without an intermediate
    /// buffer; returns the length, or -1 when the log does not hold the version.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the version's bytes.</exception>
    public int Read(long version, Span<byte> destination)
    {
        lock (_gate)
        {
            var at = FindVersion(version);
            if (at < 0)
            {
                return -1;
            }
            var entry = _index[at];
            if (destination.Length < entry.Length)
            {
                throw new ArgumentException($"version {version} has {entry.Length} bytes; the destination holds {destination.Length}", nameof(destination));
            }
            CopyData(entry, destination[..entry.Length]);
            return entry.Length;
        }
    }

    /// <summary>Closes the files. Versions staged but not committed are not persisted; waiters for them fail.</summary>
    public void Dispose()
    {
        lock (_commitGate)
        {
            // Syncs running on other threads finish before their files close; batches written but never handed to
            // Sync are not persisted (like staged versions).
            lock (_completedSignal)
            {
                while (Volatile.Read(ref _syncsRunning) > 0)
                {
                    Monitor.Wait(_completedSignal);
                }
            }
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
                foreach (var file in _segments.Values)
                {
                    file.Dispose();
                }
                _segments.Clear();
                foreach (var (_, done) in _waiters)
                {
                    done.TrySetException(new ObjectDisposedException(Directory, "the log was closed before the version was persisted"));
                }
                _waiters.Clear();
            }
        }
    }

    /// <summary><see cref="Commit"/> for a caller holding the commit gate (trimming, truncating).</summary>
    private long CommitLocked() => Finish(WriteStagedLocked(coverEarlier: true));

    /// <summary>Syncs <paramref name="written"/> (if any) and returns the persisted version.</summary>
    private long Finish(PendingCommit? written)
    {
        if (written is not null)
        {
            Sync(written);
        }
        lock (_gate)
        {
            ThrowIfUnusable();
            return _persistedVersion;
        }
    }

    private void SignalCompleted()
    {
        lock (_completedSignal)
        {
            Monitor.PulseAll(_completedSignal);
        }
    }

    private PendingCommit? WriteStagedLocked(bool coverEarlier)
    {
        List<StagedChunk> chunks;
        lock (_gate)
        {
            ThrowIfUnusable();
            if (_staged.Count == 0 && !(coverEarlier && _syncing.Count > 0))
            {
                return null;
            }
            chunks = _staged;
            _staged = [];
            var staged = 0L;
            foreach (var chunk in chunks)
            {
                staged += chunk.Written.Length;
            }
            // A quarter more than the batch just staged, so that a slowly growing batch still fits.
            _stagingHint = (int)Math.Clamp(Math.Max(staged + (staged / 4), _stagingHint / 2), MinStagingBytes, MaxStagingBytes);
        }
        var files = new SortedList<long, ILogFile>();
        try
        {
            // The chunks bound for one segment lie back to back: each run of them is one append.
            var pieces = new List<ReadOnlyMemory<byte>>(chunks.Count);
            for (var first = 0; first < chunks.Count;)
            {
                var segment = chunks[first].Segment;
                if (segment != _lastWrittenSegment)
                {
                    SyncLastWrittenSegment();
                    _lastWrittenSegment = segment;
                }
                pieces.Clear();
                var end = first;
                for (var offset = chunks[first].Offset; end < chunks.Count && chunks[end].Segment == segment && chunks[end].Offset == offset; end++)
                {
                    pieces.Add(chunks[end].Written);
                    offset += chunks[end].Written.Length;
                }
                var file = SegmentForWriting(segment);
                file.Append(chunks[first].Offset, pieces);
                files.TryAdd(segment, file);
                first = end;
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = e;
            }
            throw;
        }
        AfterBatchWritten?.Invoke();
        lock (_gate)
        {
            // An fdatasync covers every write to its file issued before it, so this batch's syncs also make durable
            // what the earlier batches still syncing wrote to its segments (and it syncs theirs too, should one differ).
            // So once this batch's syncs complete, it and every batch before it are durable, whichever sync finishes
            // first.
            foreach (var earlier in _syncing)
            {
                foreach (var (segment, file) in earlier.Files)
                {
                    files.TryAdd(segment, file);
                }
            }
            if (chunks.Count == 0 && _syncing.Count == 0)
            {
                // Nothing was staged, and the batches this call was to cover finished syncing while the gate was
                // free (another commit thread's sync completed): nothing is left to sync.
                return null;
            }
            if (chunks.Count == 0 && _syncing.Last() is { SyncStarted: true } newest)
            {
                // Nothing new, and the newest batch's sync, which covers every batch before it, is running on another
                // thread: waiting for it costs no second fdatasync of the same writes.
                return new PendingCommit(newest);
            }
            var (last, end) = chunks.Count > 0
                ? (chunks[^1].LastVersion, (chunks[^1].Segment, chunks[^1].Offset + chunks[^1].Written.Length))
                : (_syncing.Last().LastVersion, _syncing.Last().End);
            var commit = new PendingCommit(last, [.. files.Select(f => (f.Key, f.Value))], end);
            _syncing.Enqueue(commit);
            return commit;
        }
    }

    /// <summary>
    /// Before the first write into another segment, the segment written last is synced, on the writing thread: only
    /// the newest segment ever holds writes not yet synced, so syncs that overlap or finish out of order never leave a
    /// later segment's records on disk without an earlier segment's (a crash leaves a prefix of the log).
    /// </summary>
    private void SyncLastWrittenSegment()
    {
        ILogFile? file;
        lock (_gate)
        {
            _segments.TryGetValue(_lastWrittenSegment, out file);
        }
        file?.Sync();
    }

    /// <summary>
    /// After <paramref name="commit"/>'s syncs (or their failure): it and every batch before it are durable, so the
    /// persisted version advances through it, unless a later batch's sync already did.
    /// </summary>
    private void Synced(PendingCommit commit, Exception? error)
    {
        lock (_gate)
        {
            if (error is not null)
            {
                _failure ??= error;
                _syncing.Clear();
                foreach (var (_, done) in _waiters)
                {
                    done.TrySetException(new InvalidOperationException($"{Directory}: a write or sync failed ({_failure.Message})", _failure));
                }
                _waiters.Clear();
            }
            else if (_failure is null && _syncing.Contains(commit))
            {
                PendingCommit head;
                do
                {
                    head = _syncing.Dequeue();
                }
                while (head != commit);
                var persisted = commit.LastVersion;
                while (_residentBytes > _options.ResidentBytes && _residentOrder.TryPeek(out var oldest) && oldest.Version <= persisted)
                {
                    DropOldestResident();
                }
                AdvancePersisted(persisted);
                if (_options.UncacheSynced)
                {
                    try
                    {
                        UncacheThrough(commit.End);
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException)
                    {
                        // Only a hint: a file closing or failing now fails its next real operation instead.
                    }
                }
            }
        }
        SignalCompleted();
    }

    /// <summary>
    /// Lets the operating system drop the synced records before <paramref name="synced"/> from its cache, but for the
    /// newest <see cref="CachedTailBytes"/> and the page the next append writes into (see
    /// <see cref="PersistenceOptions.UncacheSynced"/>). Under the gate, so no segment closes meanwhile.
    /// </summary>
    private void UncacheThrough((long Segment, long Offset) synced)
    {
        var (segment, offset) = _uncachedThrough;
        foreach (var (earlier, file) in _segments)
        {
            if (earlier >= segment && earlier < synced.Segment)
            {
                // An earlier segment is synced whole (before the first write into the next one): to its end.
                file.Uncache(earlier == segment ? offset : 0, 0);
            }
        }
        if (synced.Segment != segment)
        {
            offset = 0;
        }
        var through = (synced.Offset - CachedTailBytes) / PageSize * PageSize;
        if (through > offset && _segments.TryGetValue(synced.Segment, out var tail))
        {
            tail.Uncache(offset, through - offset);
            offset = through;
        }
        _uncachedThrough = (synced.Segment, offset);
    }

    /// <summary>Waits until <paramref name="commit"/>'s sync, run by the thread that wrote it, completed or failed (or the log closed).</summary>
    private void WaitSynced(PendingCommit commit)
    {
        lock (_completedSignal)
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_failure is not null || _disposed || !_syncing.Contains(commit))
                    {
                        return;
                    }
                }
                Monitor.Wait(_completedSignal);
            }
        }
    }

    private void AdvancePersisted(long persisted)
    {
        _persistedVersion = persisted;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Version <= persisted)
            {
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private ILogFile SegmentForWriting(long segment)
    {
        lock (_gate)
        {
            if (_segments.TryGetValue(segment, out var file))
            {
                return file;
            }
        }
        var created = _fileSystem.OpenFile(SegmentPath(segment), create: true);
        if (_options.PreallocateSegments)
        {
            created.Preallocate(_options.SegmentSize);
        }
        _fileSystem.SyncDirectory(Directory);
        lock (_gate)
        {
            _segments[segment] = created;
        }
        return created;
    }

    private LogEntry ReadEntry(IndexEntry entry)
    {
        if (_resident.TryGetValue(entry.Version, out var resident))
        {
            return new LogEntry(entry.Version, entry.Time, resident);
        }
        var data = new byte[entry.Length];
        CopyData(entry, data);
        return new LogEntry(entry.Version, entry.Time, data);
    }

    private void CopyData(IndexEntry entry, Span<byte> destination)
    {
        if (_resident.TryGetValue(entry.Version, out var resident))
        {
            resident.Span.CopyTo(destination);
            return;
        }
        var read = _segments[entry.Segment].Read(entry.Offset + LogRecordFormat.HeaderSize, destination);
        if (read != destination.Length)
        {
            throw new LogCorruptException(SegmentPath(entry.Segment), entry.Offset, $"version {entry.Version} was cut short ({read} of {destination.Length} bytes)");
        }
    }

    private void DropOldestResident()
    {
        var (version, length) = _residentOrder.Dequeue();
        _resident.Remove(version);
        _residentBytes -= length;
    }

    /// <summary>Forgets the in-memory bytes of versions after <paramref name="version"/> (truncated away).</summary>
    private void DropResidentAfter(long version)
    {
        var kept = _residentOrder.Where(r => r.Version <= version).ToList();
        foreach (var (dropped, _) in _residentOrder.Where(r => r.Version > version))
        {
            _resident.Remove(dropped);
        }
        _residentOrder.Clear();
        _residentBytes = 0;
        foreach (var entry in kept)
        {
            _residentOrder.Enqueue(entry);
            _residentBytes += entry.Length;
        }
    }

    /// <summary>How many entries are stamped before <paramref name="time"/> (or at it, when <paramref name="inclusive"/>).</summary>
    private int CountStampedBefore(HlcTimestamp time, bool inclusive)
    {
        int low = 0, high = _index.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            var compared = _index[middle].Time.CompareTo(time);
            if (compared < 0 || (inclusive && compared == 0))
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private int FindVersion(long version)
    {
        int low = 0, high = _index.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var found = _index[middle].Version;
            if (found == version)
            {
                return middle;
            }
            if (found < version)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new InvalidOperationException($"{Directory}: an earlier write or sync failed ({_failure.Message}); reopen the log", _failure);
        }
    }

    private string SegmentPath(long segment) => Path.Combine(Directory, SegmentName(segment));

    private static string SegmentName(long segment) => segment.ToString("D10", System.Globalization.CultureInfo.InvariantCulture) + SegmentExtension;

    /// <summary>Where a version lives: its segment, the offset of its record, its data length.</summary>
    private readonly record struct IndexEntry(long Version, HlcTimestamp Time, long Segment, long Offset, int Length);

    /// <summary>
    /// A batch of versions written by <see cref="WriteStaged"/> and not yet known to be synced: pass it to
    /// <see cref="Sync"/>.
    /// </summary>
    public sealed class PendingCommit
    {
        internal PendingCommit(long lastVersion, List<(long Segment, ILogFile File)> files, (long Segment, long Offset) end)
        {
            LastVersion = lastVersion;
            Files = files;
            End = end;
        }

        /// <summary>A batch of nothing new, durable once <paramref name="joined"/> (syncing on another thread) is.</summary>
        internal PendingCommit(PendingCommit joined)
        {
            LastVersion = joined.LastVersion;
            Files = [];
            Joined = joined;
        }

        /// <summary>The batch whose sync this one waits for instead of syncing, or null.</summary>
        internal PendingCommit? Joined { get; }

        /// <summary>Whether <see cref="Sync"/> began on it (under the log's gate).</summary>
        internal bool SyncStarted { get; set; }

        /// <summary>The newest version in the batch.</summary>
        public long LastVersion { get; }

        /// <summary>The segments the batch syncs, oldest first.</summary>
        internal List<(long Segment, ILogFile File)> Files { get; }

        /// <summary>Where the batch's writes end: once it is synced, everything before is.</summary>
        internal (long Segment, long Offset) End { get; }
    }

    /// <summary>
    /// Staged records bound for one segment, contiguous from <see cref="Offset"/>, in a buffer that never grows: the
    /// resident versions point into it (see <see cref="_resident"/>).
    /// </summary>
    private sealed class StagedChunk(long segment, long offset, int capacity)
    {
        // Every byte handed out is written before it is read.
        private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(capacity);
        private int _length;

        public long Segment { get; } = segment;

        public long Offset { get; } = offset;

        public long LastVersion { get; set; } = Versions.None;

        /// <summary>Room left.</summary>
        public int Free => _buffer.Length - _length;

        /// <summary>The records staged so far.</summary>
        public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

        /// <summary>The next <paramref name="size"/> bytes, for a record (at most <see cref="Free"/>).</summary>
        public Memory<byte> Append(int size)
        {
            var record = _buffer.AsMemory(_length, size);
            _length += size;
            return record;
        }
    }
}
