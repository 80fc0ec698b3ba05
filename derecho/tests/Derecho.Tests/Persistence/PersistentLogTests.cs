using System.Runtime.InteropServices;
using System.Text;
using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

public sealed class PersistentLogTests
{
    private static readonly PersistenceOptions SmallSegments = new() { SegmentSize = 4096 };

    private static byte[] Value(long version, int size = 100)
    {
        var bytes = new byte[size];
        new Random((int)version).NextBytes(bytes);
        return bytes;
    }

    private static HlcTimestamp TimeOf(long version) => new(1_000_000 + version * 10, 0);

    private static PersistentLog OpenWithVersions(SimulatedDisk disk, int count)
    {
        var log = PersistentLog.Open(disk, "/logs/f", SmallSegments);
        for (var v = 1L; v <= count; v++)
        {
            log.Append(v, TimeOf(v), Value(v));
        }
        return log;
    }

    [Fact]
    public void VersionsSurviveReopenAcrossSegments()
    {
        using var directory = new TempDirectory("plog");
        var path = directory.Combine("field");
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, path, SmallSegments))
        {
            for (var v = 0L; v < 200; v++)
            {
                log.Append(Versions.Of(1, (uint)v), TimeOf(v), Value(v));
                if (v % 16 == 15)
                {
                    log.Commit();
                }
            }
            Assert.Equal(Versions.Of(1, 191), log.PersistedVersion);
            log.Commit();
        }
        Assert.True(Directory.GetFiles(path, "*.seg").Length > 3);
        using var reopened = PersistentLog.Open(DiskFileSystem.Instance, path, SmallSegments);
        Assert.Null(reopened.Recovery);
        Assert.Equal(200, reopened.Count);
        Assert.Equal(Versions.Of(1, 199), reopened.PersistedVersion);
        for (var v = 0L; v < 200; v++)
        {
            Assert.True(reopened.TryGet(Versions.Of(1, (uint)v), out var entry));
            Assert.Equal(Value(v), entry.Data.ToArray());
            Assert.Equal(TimeOf(v), entry.Time);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SyncedRecordsButTheNewestMebibyteLeaveTheCacheAndStillReadBack(bool uncache)
    {
        // The simulated file refuses to drop a range holding a write not yet synced.
        var disk = new SimulatedDisk();
        const int SegmentSize = 3 << 20, ValueSize = 5000;
        using var log = PersistentLog.Open(disk, "/logs/f", new PersistenceOptions { SegmentSize = SegmentSize, UncacheSynced = uncache });
        var (version, segment, tail) = (0L, 1, 0L);
        for (var commit = 0; commit < 60; commit++)
        {
            for (var i = 0; i < 16; i++)
            {
                log.Append(++version, TimeOf(version), Value(version, ValueSize));
                var size = LogRecordFormat.RecordSize(ValueSize);
                (segment, tail) = tail > 0 && tail + size > SegmentSize ? (segment + 1, size) : (segment, tail + size);
            }
            log.Commit();
        }
        Assert.Equal(2, segment);
        if (!uncache)
        {
            Assert.Empty(disk.Uncached);
            return;
        }
        Assert.All(disk.Uncached, r => Assert.True(r.Offset % 4096 == 0 && r.Length % 4096 == 0, $"{r} is not whole pages"));
        var paths = disk.Uncached.Select(r => r.Path).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, paths.Count);
        // The first segment, synced whole before the second was written, left the cache to its end; the second up to
        // the page before its newest mebibyte, in ranges that follow one another.
        Assert.Contains(disk.Uncached, r => r.Path == paths[0] && r.Length == 0);
        var end = 0L;
        foreach (var range in disk.Uncached.Where(r => r.Path == paths[1]))
        {
            Assert.Equal(end, range.Offset);
            end += range.Length;
        }
        Assert.Equal((tail - PersistentLog.CachedTailBytes) / 4096 * 4096, end);
        for (var v = 1L; v <= version; v++)
        {
            Assert.True(log.TryGet(v, out var entry));
            Assert.Equal(Value(v, ValueSize), entry.Data.ToArray());
        }
    }

    [Fact]
    public void ReadsByVersionTimeAndRange()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/logs/f", SmallSegments);
        foreach (var v in new long[] { 10, 20, 30, 40 })
        {
            log.Append(v, TimeOf(v), Value(v, 10));
        }
        Assert.False(log.TryGet(15, out _));
        Assert.Equal(10, log.GetAtOrBefore(15)!.Value.Version);
        Assert.Null(log.GetAtOrBefore(9));
        Assert.Equal(40, log.GetAtOrBefore(1000)!.Value.Version);
        Assert.Equal(20, log.GetAtTime(TimeOf(25))!.Value.Version);
        Assert.Equal(20, log.GetAtTime(TimeOf(20))!.Value.Version);
        Assert.Null(log.GetAtTime(TimeOf(5)));
        Assert.Equal([20L, 30L], log.GetRange(11, 30).Select(e => e.Version));
        Assert.Equal([20L, 30L], log.GetTimeRange(TimeOf(11), TimeOf(30)).Select(e => e.Version));
        Assert.Equal([10L, 20L], log.GetTimeRange(TimeOf(10), TimeOf(29)).Select(e => e.Version));
        Assert.Equal([30L], log.GetTimeRange(TimeOf(21), TimeOf(1000), maxCount: 1).Select(e => e.Version));
        Assert.Empty(log.GetTimeRange(TimeOf(41), TimeOf(1000)));
        Assert.Equal(10, log.GetAtTime(TimeOf(10) with { Logical = 3 })!.Value.Version);
        Assert.Equal(40, log.Latest!.Value.Version);
        var buffer = new byte[64];
        Assert.Equal(10, log.Read(30, buffer));
        Assert.Equal(Value(30, 10), buffer[..10]);
        Assert.Equal(-1, log.Read(31, buffer));
        Assert.Throws<ArgumentException>(() => log.Read(30, new byte[3]));
    }

    [Fact]
    public async Task StagedVersionsAreReadableBeforeCommitAndPersistedAfter()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/logs/f");
        log.Append(1, TimeOf(1), "one"u8);
        var waiting = log.WaitForPersistedAsync(1, TestContext.Current.CancellationToken);
        Assert.Equal(Versions.None, log.PersistedVersion);
        Assert.Equal("one", Encoding.UTF8.GetString(log.Latest!.Value.Data.Span));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, log.Commit());
        await waiting;
        Assert.Equal("one", Encoding.UTF8.GetString(log.Latest!.Value.Data.Span));
    }

    [Fact]
    public void ACommitLargerThanAStagingBufferIsReadBackWholeAfterARestart()
    {
        var disk = new SimulatedDisk();
        // 1 KB records past several 64 KB staging buffers, one record larger than a buffer, in one commit.
        var sizes = Enumerable.Range(1, 300).Select(v => v == 150 ? 100_000 : 1000 + (v % 7)).ToArray();
        using (var log = PersistentLog.Open(disk, "/logs/f"))
        {
            for (var v = 1; v <= sizes.Length; v++)
            {
                log.Append(v, TimeOf(v), Value(v, sizes[v - 1]));
            }
            log.Commit();
            Assert.True(log.TryGet(150, out var large));
            Assert.Equal(Value(150, 100_000), large.Data.ToArray());
        }
        disk.Restart(null);
        using var reopened = PersistentLog.Open(disk, "/logs/f");
        Assert.Equal(sizes.Length, reopened.Count);
        for (var v = 1; v <= sizes.Length; v++)
        {
            Assert.True(reopened.TryGet(v, out var entry));
            Assert.Equal(Value(v, sizes[v - 1]), entry.Data.ToArray());
        }
    }

    [Fact]
    public void TheNewestVersionsAreReadWithoutACopy()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, "/logs/f", new PersistenceOptions { ResidentBytes = 250 });
        for (var v = 1L; v <= 5; v++)
        {
            log.Append(v, TimeOf(v), Value(v));
        }
        log.Commit();
        static ArraySegment<byte> Backing(PersistentLog log, long version, long valueSeed = 0)
        {
            Assert.True(log.TryGet(version, out var entry));
            Assert.Equal(Value(valueSeed == 0 ? version : valueSeed), entry.Data.ToArray());
            Assert.True(MemoryMarshal.TryGetArray(entry.Data, out var segment));
            return segment;
        }
        Assert.Same(Backing(log, 5).Array, Backing(log, 5).Array);
        Assert.Same(Backing(log, 4).Array, Backing(log, 4).Array);
        Assert.NotSame(Backing(log, 1).Array, Backing(log, 1).Array);
        log.Truncate(4);
        log.Append(5, TimeOf(5), Value(50));
        Assert.Equal(Value(50), log.Latest!.Value.Data.ToArray());
        log.Trim(4);
        Assert.Same(Backing(log, 5, 50).Array, Backing(log, 5, 50).Array);
    }

    [Fact]
    public void TimesNeverGoBackwardsAlongVersions()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/logs/f");
        log.Append(1, new HlcTimestamp(500, 0), "a"u8);
        log.Append(2, new HlcTimestamp(300, 4), "b"u8);
        Assert.True(log.TryGet(2, out var second));
        Assert.Equal(new HlcTimestamp(500, 0), second.Time);
        Assert.Equal(2, log.GetAtTime(new HlcTimestamp(500, 0))!.Value.Version);
    }

    [Fact]
    public void AutoTrimBoundsFollowCountBytesAndAge()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/logs/f", new PersistenceOptions
        {
            AutoTrim = true, MaxLogEntries = 8, MaxDataSize = 100, MaxLogAge = TimeSpan.FromMilliseconds(1),
        });
        Assert.Equal(Versions.None, log.AutoTrimBound(10, TimeOf(1)));
        for (var v = 1; v <= 8; v++)
        {
            log.Append(v, TimeOf(v), new byte[5]);
        }
        // Nine versions would pass 8: down to 6 with the new one, so the oldest 3 go.
        Assert.Equal(3, log.AutoTrimBound(5, TimeOf(9)));
        // 40 + 70 bytes would pass 100: down to 75, so the oldest 7 go (5 + 70 left).
        Assert.Equal(7, log.AutoTrimBound(70, TimeOf(9)));
        // Ages: TimeOf is 10 µs a version; 1 ms before version 108 passes versions 1 to 7, and 750 µs trims through 8.
        Assert.Equal(8, log.AutoTrimBound(1, TimeOf(108)));
        log.Trim(3);
        Assert.Equal(Versions.None, log.AutoTrimBound(5, TimeOf(9)));
    }

    [Fact]
    public void RejectsOldVersionsAndEnforcesLimits()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/logs/f", new PersistenceOptions { MaxLogEntries = 2, MaxDataSize = 10 });
        log.Append(5, TimeOf(5), "abc"u8);
        var old = Assert.Throws<ArgumentOutOfRangeException>(() => log.Append(5, TimeOf(6), "x"u8));
        Assert.Contains("not newer than version 5", old.Message, StringComparison.Ordinal);
        Assert.Throws<LogFullException>(() => log.Append(6, TimeOf(6), new byte[8]));
        log.Append(6, TimeOf(6), "abc"u8);
        var full = Assert.Throws<LogFullException>(() => log.Append(7, TimeOf(7), "x"u8));
        Assert.Contains("PERS/max_log_entry", full.Message, StringComparison.Ordinal);
        log.Trim(5);
        log.Append(7, TimeOf(7), "x"u8);
    }

    [Fact]
    public void TrimAndTruncateSurviveReopen()
    {
        var disk = new SimulatedDisk();
        using (var log = OpenWithVersions(disk, 120))
        {
            log.Trim(50);
            Assert.Equal(51, log.EarliestVersion);
            log.Truncate(100);
            Assert.Equal(100, log.LatestVersion);
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Truncate(40));
            log.Append(101, TimeOf(1), Value(1001));
            log.Commit();
        }
        disk.Restart(null);
        using var reopened = PersistentLog.Open(disk, "/logs/f", SmallSegments);
        Assert.Equal(51, reopened.EarliestVersion);
        Assert.Equal(101, reopened.LatestVersion);
        Assert.Equal(51, reopened.Count);
        Assert.True(reopened.TryGet(101, out var last));
        Assert.Equal(Value(1001), last.Data.ToArray());
        Assert.Equal(TimeOf(100), last.Time);
        Assert.DoesNotContain(disk.ListFiles("/logs/f"), n => n == "0000000001.seg");
    }

    [Fact]
    public void TrimmingEverythingKeepsTheFloor()
    {
        var disk = new SimulatedDisk();
        using (var log = OpenWithVersions(disk, 60))
        {
            log.Trim(60);
            Assert.Equal(0, log.Count);
            Assert.Equal(60, log.LatestVersion);
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Append(60, TimeOf(61), "x"u8));
        }
        disk.Restart(null);
        using var reopened = PersistentLog.Open(disk, "/logs/f", SmallSegments);
        Assert.Equal(0, reopened.Count);
        Assert.Equal(60, reopened.TrimmedThrough);
        reopened.Append(61, TimeOf(1), "x"u8);
        Assert.Equal(TimeOf(60), reopened.Latest!.Value.Time);
    }

    [Fact]
    public void ResetDeletesTheFieldsLog()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions { FilePath = "/plog" };
        using (var log = PersistentLog.OpenField(options, "counter", disk))
        {
            log.Append(1, TimeOf(1), "x"u8);
            log.Commit();
        }
        using (var kept = PersistentLog.OpenField(options, "counter", disk))
        {
            Assert.Equal(1, kept.Count);
        }
        using var reset = PersistentLog.OpenField(options with { Reset = true }, "counter", disk);
        Assert.Equal(0, reset.Count);
        Assert.Throws<ArgumentException>(() => PersistentLog.OpenField(options, "../escape", disk));
    }

    [Fact]
    public void AFailedSyncMakesTheLogRefuseFurtherUse()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, "/logs/f");
        log.Append(1, TimeOf(1), "x"u8);
        disk.CrashAtStep = disk.Steps + 1; // the create and directory sync pass, the write fails
        Assert.Throws<SimulatedCrashException>(() => log.Commit());
        var refused = Assert.Throws<InvalidOperationException>(() => log.Append(2, TimeOf(2), "y"u8));
        Assert.Contains("reopen the log", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Group commits are gathered writes of the staged chunks of each segment: whatever the record sizes (empty, around
    /// a page, larger than a staging chunk), commit points, truncations and reopenings, every version reads back with its
    /// bytes, while the log is open and after it is reopened.
    /// </summary>
    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    public void RandomAppendsCommitsTruncationsAndReopeningsReadBackExactly(int seed, bool preallocate)
    {
        using var directory = new TempDirectory("plog");
        var path = directory.Combine("field");
        var options = new PersistenceOptions { SegmentSize = 64 << 10, PreallocateSegments = preallocate };
        var random = new Random(seed);
        var expected = new SortedDictionary<long, int>();
        var log = PersistentLog.Open(DiskFileSystem.Instance, path, options);
        try
        {
            var version = 0L;
            for (var step = 0; step < 600; step++)
            {
                var choice = random.Next(100);
                if (choice < 70)
                {
                    // Sizes around and across block boundaries, and values larger than a block.
                    var size = random.Next(4) switch { 0 => random.Next(0, 40), 1 => random.Next(4000, 4200), 2 => random.Next(9000, 13000), _ => random.Next(100, 1500) };
                    log.Append(++version, TimeOf(version), Value(version, size));
                    expected[version] = size;
                }
                else if (choice < 88)
                {
                    log.Commit();
                    Check(log, expected, random.Next(1, 8));
                }
                else if (choice < 94 && expected.Count > 0)
                {
                    var keep = expected.Keys.ElementAt(random.Next(expected.Count));
                    log.Truncate(keep);
                    foreach (var cut in expected.Keys.Where(v => v > keep).ToList())
                    {
                        expected.Remove(cut);
                    }
                }
                else
                {
                    log.Commit();
                    log.Dispose();
                    log = PersistentLog.Open(DiskFileSystem.Instance, path, options);
                    Assert.Null(log.Recovery);
                    version = Math.Max(version, log.LatestVersion);
                }
            }
            log.Commit();
            Check(log, expected, int.MaxValue);
        }
        finally
        {
            log.Dispose();
        }
        using var reopened = PersistentLog.Open(DiskFileSystem.Instance, path, options);
        Assert.Null(reopened.Recovery);
        Assert.Equal(expected.Count, reopened.Count);
        Check(reopened, expected, int.MaxValue);
    }

    /// <summary>Reads the last <paramref name="count"/> expected versions (all with <see cref="int.MaxValue"/>) and compares their bytes.</summary>
    private static void Check(PersistentLog log, SortedDictionary<long, int> expected, int count)
    {
        foreach (var (version, size) in expected.Skip(Math.Max(0, expected.Count - count)))
        {
            Assert.True(log.TryGet(version, out var entry), $"version {version} is missing");
            Assert.True(entry.Data.Span.SequenceEqual(Value(version, size)), $"version {version} has the wrong bytes");
            Assert.Equal(TimeOf(version), entry.Time);
        }
    }
}
