using System.Globalization;
using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

/// <summary>Torn tails and flipped bits injected into real log files, and a real appender killed with SIGKILL.</summary>
public sealed class LogFileDamageTests
{
    private static readonly PersistenceOptions Options = new() { SegmentSize = 4096 };

    private static string WriteLog(TempDirectory directory, int versions)
    {
        var path = directory.Combine("field");
        using var log = PersistentLog.Open(DiskFileSystem.Instance, path, Options);
        for (var v = 1; v <= versions; v++)
        {
            log.Append(v, new HlcTimestamp(v, 0), Enumerable.Repeat((byte)v, 200).ToArray());
        }
        log.Commit();
        return path;
    }

    private static string LastSegment(string path) => Directory.GetFiles(path, "*.seg").Order(StringComparer.Ordinal).Last();

    /// <summary>Where the records of a segment end: the rest of a preallocated segment is zeros (every record ends in nonzero data here).</summary>
    private static long RecordsEnd(string segment) => File.ReadAllBytes(segment).AsSpan().LastIndexOfAnyExcept((byte)0) + 1;

    [Theory]
    [InlineData("cut", 17)]
    [InlineData("cut", 1)]
    [InlineData("zeroed", 17)]
    [InlineData("zeroed", 230)]
    [InlineData("garbage", 50)]
    public void ATornTailIsCutOnOpen(string damage, int bytes)
    {
        using var directory = new TempDirectory("plog");
        var path = WriteLog(directory, 30);
        var segment = LastSegment(path);
        var size = new FileInfo(segment).Length;
        var end = RecordsEnd(segment);
        Assert.Equal(Options.SegmentSize, size);
        using (var file = new FileStream(segment, FileMode.Open))
        {
            switch (damage)
            {
                case "cut":
                    // A file shorter than its records (a log written without preallocation, torn by a crash).
                    file.SetLength(end - bytes);
                    break;
                case "zeroed":
                    // A write into the preallocated space of which only a prefix reached the disk.
                    file.Seek(end - bytes, SeekOrigin.Begin);
                    file.Write(new byte[bytes]);
                    break;
                default:
                    file.Seek(end, SeekOrigin.Begin);
                    file.Write(Enumerable.Range(0, bytes).Select(i => (byte)(i * 37 + 11)).ToArray());
                    break;
            }
        }
        using var log = PersistentLog.Open(DiskFileSystem.Instance, path, Options);
        Assert.NotNull(log.Recovery);
        Assert.Contains(Path.GetFileName(segment), log.Recovery, StringComparison.Ordinal);
        if (damage != "zeroed")
        {
            // The bytes of the torn record that were written, not the preallocated zeros after them.
            Assert.Contains($"of {(damage == "garbage" ? bytes : 236 - bytes)} bytes at offset", log.Recovery, StringComparison.Ordinal);
        }
        var expectedLatest = damage == "garbage" ? 30 : 29;
        Assert.Equal(expectedLatest, log.LatestVersion);
        Assert.Equal(size, new FileInfo(segment).Length);
        Assert.Equal(damage == "garbage" ? end : end - 236, RecordsEnd(segment));
        log.Append(31, new HlcTimestamp(31, 0), "after"u8);
        log.Commit();
        Assert.Equal(size, new FileInfo(segment).Length);
    }

    [Fact]
    public void ThePreallocatedRestOfASegmentIsNoDamage()
    {
        using var directory = new TempDirectory("plog");
        var path = WriteLog(directory, 30);
        var segments = Directory.GetFiles(path, "*.seg");
        Assert.True(segments.Length > 1);
        Assert.All(segments, s => Assert.Equal(Options.SegmentSize, new FileInfo(s).Length));
        using (var file = new FileStream(LastSegment(path), FileMode.Open))
        {
            file.SetLength(Options.SegmentSize + 300);
        }
        using var log = PersistentLog.Open(DiskFileSystem.Instance, path, Options);
        Assert.Null(log.Recovery);
        Assert.Equal(30, log.LatestVersion);
        Assert.Equal(30, log.Count);
    }

    [Fact]
    public void WithoutPreallocationSegmentsEndAtTheirRecords()
    {
        using var directory = new TempDirectory("plog");
        var path = directory.Combine("field");
        var options = Options with { PreallocateSegments = false };
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, path, options))
        {
            log.Append(1, new HlcTimestamp(1, 0), new byte[100]);
            log.Commit();
        }
        Assert.Equal(136, new FileInfo(LastSegment(path)).Length);
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, path, Options))
        {
            Assert.Null(log.Recovery);
            log.Append(2, new HlcTimestamp(2, 0), new byte[100]);
            log.Commit();
            Assert.Equal(2, log.Count);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(50)]
    public void AFlippedBitBeforeTheEndRefusesToOpen(int byteInRecord)
    {
        using var directory = new TempDirectory("plog");
        var path = WriteLog(directory, 30);
        var first = Directory.GetFiles(path, "*.seg").Order(StringComparer.Ordinal).First();
        const int Record = 236;
        var offset = 2 * Record + byteInRecord;
        using (var file = new FileStream(first, FileMode.Open))
        {
            file.Seek(offset, SeekOrigin.Begin);
            var b = file.ReadByte();
            file.Seek(offset, SeekOrigin.Begin);
            file.WriteByte((byte)(b ^ 0x10));
        }
        var error = Assert.Throws<LogCorruptException>(() => PersistentLog.Open(DiskFileSystem.Instance, path, Options));
        Assert.Equal(first, error.FilePath);
        Assert.Equal(2 * Record, error.Offset);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"offset {2 * Record}"), error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A flipped bit in the last record fails its checksum exactly as a record torn by a crash mid-write does (a tear
    /// can leave the full length with wrong bytes), and nothing after it can tell them apart: it is cut like a torn
    /// tail. A version lost this way at one replica was durable at the others, which give it back at restart.
    /// </summary>
    [Theory]
    [InlineData(40)]
    [InlineData(199)]
    [InlineData(20)]
    public void AFlippedBitInTheLastRecordIsCutAsATornTail(int byteInRecord)
    {
        using var directory = new TempDirectory("plog");
        var path = WriteLog(directory, 30);
        var segment = LastSegment(path);
        var offset = RecordsEnd(segment) - 236 + byteInRecord;
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.Seek(offset, SeekOrigin.Begin);
            var b = file.ReadByte();
            file.Seek(offset, SeekOrigin.Begin);
            file.WriteByte((byte)(b ^ 0x01));
        }
        using var log = PersistentLog.Open(DiskFileSystem.Instance, path, Options);
        Assert.Equal(29, log.LatestVersion);
        Assert.Contains("checksum", log.Recovery, StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedTrimPointRefusesToOpen()
    {
        using var directory = new TempDirectory("plog");
        var path = WriteLog(directory, 30);
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, path, Options))
        {
            log.Trim(10);
        }
        File.WriteAllBytes(Path.Combine(path, "trim"), new byte[28]);
        var error = Assert.Throws<LogCorruptException>(() => PersistentLog.Open(DiskFileSystem.Instance, path, Options));
        Assert.Contains("trim point", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    [Integration]
    public Task AnAppenderKilledWithSigkillLosesNothingItReportedPersisted() => KillAndCheckAsync(rounds: 2, TestContext.Current.CancellationToken);

    [Fact(Timeout = 600_000)]
    [Slow]
    public Task AnAppenderKilledWithSigkillManyTimesLosesNothingItReportedPersisted() => KillAndCheckAsync(rounds: 30, TestContext.Current.CancellationToken);

    private static async Task KillAndCheckAsync(int rounds, CancellationToken ct)
    {
        using var directory = new TempDirectory("plog");
        var path = directory.Combine("field");
        var random = new Random();
        long reported = -1;
        for (var round = 0; round < rounds; round++)
        {
            await using var appender = ChildProcess.StartDotnet("Derecho.Cli",
                ["log", "append", path, "--count", "-1", "--size", "1000", "--batch", "8"], directory.Path);
            var commits = random.Next(1, 40);
            for (var i = 0; i < commits; i++)
            {
                var line = await appender.WaitForLineAsync(l => l.StartsWith("persisted ", StringComparison.Ordinal), ct);
                reported = long.Parse(line["persisted ".Length..], CultureInfo.InvariantCulture);
            }
            appender.Kill();
            await appender.WaitForExitAsync(ct);
            using var log = PersistentLog.Open(DiskFileSystem.Instance, path);
            Assert.True(log.LatestVersion >= reported, $"the log ends at {log.LatestVersion}, the appender reported {reported} persisted");
            var expected = new byte[1000];
            for (var v = 0L; v <= log.LatestVersion; v++)
            {
                Assert.True(log.TryGet(v, out var entry), $"version {v} is missing");
                LogCommandValue(v, expected);
                Assert.True(entry.Data.Span.SequenceEqual(expected), $"version {v} has the wrong bytes");
            }
        }
        var (code, stdout, _) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["log", "check", path], ct, directory.Path);
        Assert.Equal(0, code);
        Assert.StartsWith("versions ", stdout.Split('\n').Last(l => l.Length > 0), StringComparison.Ordinal);

        // --list: a line per version, in order, each with its view, sequence number and size.
        var (listed, listing, _) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["log", "check", path, "--list"], ct, directory.Path);
        Assert.Equal(0, listed);
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        using var final = PersistentLog.Open(DiskFileSystem.Instance, path);
        Assert.Equal(final.Enumerate().Select(e => e.Version.ToString(CultureInfo.InvariantCulture)), lines.Select(l => l.Split(' ')[0]));
        Assert.All(lines, l => Assert.Matches(@"^\d+ view 0 seq \d+ time \d+\.\d+ \(\d{4}-\d\d-\d\dT[\d:.]+Z\) bytes 1000$", l));
    }

    /// <summary>The bytes <c>derecho log append</c> writes for a version, as its help states.</summary>
    private static void LogCommandValue(long version, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = unchecked((byte)(version * 31 + i));
        }
    }
}
