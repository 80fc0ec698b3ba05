namespace Derecho.Persistence;

/// <summary>Removing versions: <see cref="Trim"/> from the front, <see cref="Truncate"/> from the back.</summary>
public sealed partial class PersistentLog
{
    /// <summary>
    /// Removes every version up to and including <paramref name="version"/>, durably: the trim point is synced
    /// before any segment is deleted, so a crash leaves the log either trimmed or not. Staged versions are committed
    /// first.
    /// </summary>
    public void Trim(long version)
    {
        lock (_commitGate)
        {
            CommitLocked();
            lock (_gate)
            {
                ThrowIfUnusable();
                if (version <= _trimmedThrough)
                {
                    return;
                }
                var keep = FindVersion(version);
                keep = keep >= 0 ? keep + 1 : ~keep;
                var time = keep > 0 ? _index[keep - 1].Time : _trimmedTime;
                WriteTrimPoint(version, time);
                for (var i = 0; i < keep; i++)
                {
                    _dataBytes -= _index[i].Length;
                }
                _index.RemoveFirst(keep);
                while (_residentOrder.TryPeek(out var oldest) && oldest.Version <= version)
                {
                    DropOldestResident();
                }
                _trimmedThrough = version;
                _trimmedTime = time;
                _latestVersion = Math.Max(_latestVersion, version);
                _persistedVersion = Math.Max(_persistedVersion, version);
                var firstKept = _index.Count > 0 ? _index[0].Segment : _tailSegment;
                var obsolete = _segments.Keys.Where(s => s < firstKept).ToList();
                if (obsolete.Count > 0)
                {
                    DeleteSegments(obsolete);
                }
            }
        }
    }

    /// <summary>
    /// The newest version an automatic trim may remove (<see cref="AutoTrimBound"/>), asked before each one; null
    /// (a log outside a group) sets no limit. A replica's logs get its shard's global persistence frontier: a version
    /// not yet logged by every member of the shard may still be cut off by a total restart that goes on from another
    /// member's shorter log, and a replica that trimmed it away (into a checkpoint) could no longer truncate it.
    /// Everything at or below the frontier is in every member's log, so in whichever log a restart goes on from.
    /// </summary>
    public Func<long>? TrimLimit { get; set; }

    /// <summary>
    /// The version through which the log is to be trimmed before a version of <paramref name="dataLength"/> bytes
    /// stamped <paramref name="time"/> is appended (<see cref="PersistenceOptions.AutoTrim"/>,
    /// <see cref="PersistenceOptions.MaxLogAge"/>), or <see cref="Versions.None"/> when nothing is to go. A full log
    /// goes down to three quarters of each limit it would pass; versions older than the age limit go down to three
    /// quarters of it. That bound depends only on the versions held and the new one's size and time, so replicas
    /// holding the same versions trim at the same point of their order, unless it is above <see cref="TrimLimit"/>:
    /// then only the versions up to the limit go (a replica's limit is what it has heard of the global persistence
    /// frontier, so the points may then differ, and a full log stays over its limit until its versions are durable
    /// everywhere). The caller trims (<see cref="Trim"/>, or a checkpoint first when versions are changes rather than
    /// whole values).
    /// </summary>
    public long AutoTrimBound(int dataLength, HlcTimestamp time)
    {
        if (!_options.AutoTrim && _options.MaxLogAge is null)
        {
            return Versions.None;
        }
        long bound;
        lock (_gate)
        {
            var count = _index.Count;
            var drop = 0;
            if (_options.AutoTrim && count + 1 > _options.MaxLogEntries)
            {
                drop = (int)Math.Min(count, count + 1 - Math.Max(1, _options.MaxLogEntries * 3 / 4));
            }
            if (_options.AutoTrim && _dataBytes + dataLength > _options.MaxDataSize)
            {
                var bytes = _dataBytes + dataLength;
                var byBytes = 0;
                while (byBytes < count && bytes > _options.MaxDataSize / 4 * 3)
                {
                    bytes -= _index[byBytes++].Length;
                }
                drop = Math.Max(drop, byBytes);
            }
            if (_options.MaxLogAge is { } age && count > 0 && _index[0].Time.Microseconds < time.Microseconds - Microseconds(age))
            {
                var oldest = time.Microseconds - Microseconds(age * 3 / 4);
                var byAge = 0;
                while (byAge < count && _index[byAge].Time.Microseconds < oldest)
                {
                    byAge++;
                }
                drop = Math.Max(drop, byAge);
            }
            if (drop == 0)
            {
                return Versions.None;
            }
            bound = _index[drop - 1].Version;
        }
        // Asked outside the log's lock (the limit reads the group's frontiers, under their own lock), and only when
        // something is to go: most appends trim nothing.
        var limit = TrimLimit?.Invoke() ?? long.MaxValue;
        if (limit >= bound)
        {
            return bound;
        }
        lock (_gate)
        {
            var allowed = FindVersion(limit);
            allowed = allowed >= 0 ? allowed : ~allowed - 1;
            return allowed >= 0 ? _index[allowed].Version : Versions.None;
        }

        static long Microseconds(TimeSpan span) => span.Ticks / 10;
    }

    /// <summary>
    /// Removes every version newer than <paramref name="version"/>, durably (as a total restart does to logs longer
    /// than the agreed one): later segments are deleted newest first, each deletion synced, then the segment holding
    /// the cut is shortened and synced; a crash leaves a prefix of the old log that keeps every version up to
    /// <paramref name="version"/>. Staged versions are committed first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> precedes the trim point.</exception>
    public void Truncate(long version)
    {
        lock (_commitGate)
        {
            CommitLocked();
            lock (_gate)
            {
                ThrowIfUnusable();
                if (version < _trimmedThrough)
                {
                    throw new ArgumentOutOfRangeException(nameof(version), version, $"{Directory}: cannot truncate to version {version}, the log is trimmed through {_trimmedThrough}");
                }
                var cut = FindVersion(version);
                cut = cut >= 0 ? cut + 1 : ~cut;
                if (cut == _index.Count)
                {
                    return;
                }
                var first = _index[cut];
                try
                {
                    foreach (var segment in _segments.Keys.Where(s => s > first.Segment).OrderDescending().ToList())
                    {
                        DeleteSegments([segment]);
                    }
                    var file = _segments[first.Segment];
                    file.SetLength(first.Offset);
                    if (_options.PreallocateSegments)
                    {
                        file.Preallocate(_options.SegmentSize);
                    }
                    file.Sync();
                }
                catch (Exception e)
                {
                    _failure = e;
                    throw;
                }
                for (var i = cut; i < _index.Count; i++)
                {
                    _dataBytes -= _index[i].Length;
                }
                _index.RemoveLast(_index.Count - cut);
                DropResidentAfter(version);
                _tailSegment = first.Segment;
                _tailLength = first.Offset;
                _latestVersion = _index.Count > 0 ? _index[^1].Version : _trimmedThrough;
                _lastTime = _index.Count > 0 ? _index[^1].Time : _trimmedTime;
                _persistedVersion = _latestVersion;
            }
        }
    }
}
