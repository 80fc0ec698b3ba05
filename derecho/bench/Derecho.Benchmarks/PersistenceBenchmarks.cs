using BenchmarkDotNet.Attributes;
using Derecho.Persistence;

namespace Derecho.Benchmarks;

/// <summary>
/// Durable appends to a <see cref="PersistentLog"/> on the real disk: <see cref="GroupCommit"/> versions staged, then
/// one commit (write + <c>fdatasync</c>), against the same bytes appended to a plain file and <c>fdatasync</c>ed
/// (the baseline: no headers, checksums or indexes). Time is per commit of <see cref="GroupCommit"/> versions.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Persistence")]
public class PersistenceBenchmarks
{
    private const long BaselineRewindBytes = 64L << 20;
    private const int TrimAbove = 100_000;

    private string _directory = "";
    private PersistentLog? _log;
    private ILogFile? _raw;
    private byte[] _value = [];
    private byte[] _batch = [];
    private long _version;
    private long _rawLength;

    [Params(100, 1024)]
    public int Size { get; set; }

    [Params(1, 16, 64)]
    public int GroupCommit { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("derecho-bench-plog-").FullName;
        _log = PersistentLog.Open(DiskFileSystem.Instance, Path.Combine(_directory, "field"),
            new PersistenceOptions { MaxLogEntries = long.MaxValue });
        _raw = DiskFileSystem.Instance.OpenFile(Path.Combine(_directory, "raw"), create: true);
        _value = new byte[Size];
        Random.Shared.NextBytes(_value);
        _batch = new byte[Size * GroupCommit];
        Random.Shared.NextBytes(_batch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log?.Dispose();
        _raw?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public long RawFileAppendAndFdatasync()
    {
        if (_rawLength > BaselineRewindBytes)
        {
            _raw!.SetLength(0);
            _rawLength = 0;
        }
        _raw!.Write(_rawLength, _batch);
        _raw.Sync();
        _rawLength += _batch.Length;
        return _rawLength;
    }

    [Benchmark]
    public long LogAppendAndCommit()
    {
        var log = _log!;
        for (var i = 0; i < GroupCommit; i++)
        {
            log.Append(++_version, new HlcTimestamp(_version, 0), _value);
        }
        var persisted = log.Commit();
        if (log.Count > TrimAbove)
        {
            log.Trim(_version - TrimAbove / 2);
        }
        return persisted;
    }
}

/// <summary>
/// <see cref="Batches"/> group commits of 16 versions each on the real disk: one after another (<see cref="PersistentLog.Commit"/>,
/// the baseline), against a pipeline that writes the next batch and starts its sync while up to
/// <see cref="SyncsInFlight"/> earlier syncs run (<see cref="PersistentLog.WriteStaged"/>, <see cref="PersistentLog.Sync"/>
/// on pool threads), as a replica's commit threads do. Time is per <see cref="Batches"/> batches, all persisted.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Persistence")]
public class PipelinedCommitBenchmarks
{
    private const int VersionsPerBatch = 16;
    private const int TrimAbove = 100_000;

    private string _directory = "";
    private PersistentLog? _log;
    private byte[] _value = [];
    private long _version;

    [Params(1024)]
    public int Size { get; set; }

    [Params(2, 4)]
    public int SyncsInFlight { get; set; }

    public int Batches => 32;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("derecho-bench-pipeline-").FullName;
        _log = PersistentLog.Open(DiskFileSystem.Instance, Path.Combine(_directory, "field"),
            new PersistenceOptions { MaxLogEntries = long.MaxValue });
        _value = new byte[Size];
        Random.Shared.NextBytes(_value);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public long OneCommitAtATime()
    {
        var log = _log!;
        for (var batch = 0; batch < Batches; batch++)
        {
            Stage(log);
            log.Commit();
        }
        return Trimmed(log);
    }

    [Benchmark]
    public async Task<long> OverlappingCommits()
    {
        var log = _log!;
        var syncing = new List<Task>();
        for (var batch = 0; batch < Batches; batch++)
        {
            Stage(log);
            var written = log.WriteStaged()!;
            syncing.Add(Task.Run(() => log.Sync(written)));
            if (syncing.Count >= SyncsInFlight)
            {
                var finished = await Task.WhenAny(syncing);
                syncing.Remove(finished);
            }
        }
        await Task.WhenAll(syncing);
        return Trimmed(log);
    }

    private void Stage(PersistentLog log)
    {
        for (var i = 0; i < VersionsPerBatch; i++)
        {
            log.Append(++_version, new HlcTimestamp(_version, 0), _value);
        }
    }

    private long Trimmed(PersistentLog log)
    {
        if (log.Count > TrimAbove)
        {
            log.Trim(_version - TrimAbove / 2);
        }
        return log.PersistedVersion;
    }
}
