using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

/// <summary>What a test does to a log.</summary>
public enum LogOperationKind
{
    /// <summary>Append a version whose value has <c>Argument</c> bytes.</summary>
    Append,

    /// <summary>Commit what is staged.</summary>
    Commit,

    /// <summary>Trim through the version picked by <c>Argument</c>.</summary>
    Trim,

    /// <summary>Truncate to the version picked by <c>Argument</c>.</summary>
    Truncate,

    /// <summary>Crash while idle and reopen.</summary>
    Crash,
}

/// <summary>One operation; for trim and truncate, <paramref name="Argument"/> picks a version of the log.</summary>
public readonly record struct LogOperation(LogOperationKind Kind, int Argument)
{
    public override string ToString() => $"{Kind}({Argument})";
}

/// <summary>
/// Drives a <see cref="PersistentLog"/> on a <see cref="SimulatedDisk"/> beside a model of what must survive a crash:
/// the versions committed (durable) and the versions staged. After a crash it restarts the disk, reopens the log and
/// checks that what came back is allowed: every durable version with its bytes and time, plus an ordered prefix of
/// what the interrupted operation was writing, and nothing else.
/// </summary>
public sealed class LogCrashHarness : IDisposable
{
    private static readonly PersistenceOptions Options = new() { SegmentSize = 4096 };
    private const string LogDirectory = "/data/field";

    private readonly Random _random;
    private List<Record> _durable = [];
    private List<Record> _staged = [];
    private long _nextVersion = 1;

    public LogCrashHarness(int seed)
    {
        _random = new Random(seed);
        Log = PersistentLog.Open(Disk, LogDirectory, Options);
    }

    public SimulatedDisk Disk { get; } = new();

    public PersistentLog Log { get; private set; }

    public int Crashes { get; private set; }

    public static byte[] Value(long version, int size)
    {
        var bytes = new byte[size];
        new Random(unchecked((int)version * 7919)).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Runs <paramref name="operation"/>; if the disk crashes during it, restarts and checks the log.</summary>
    public void Run(LogOperation operation)
    {
        var all = _durable.Concat(_staged).ToList();
        try
        {
            switch (operation.Kind)
            {
                case LogOperationKind.Append:
                    var version = _nextVersion;
                    _nextVersion += 1 + operation.Argument % 3;
                    var record = new Record(version, new HlcTimestamp(version * 100, (uint)operation.Argument % 5), Value(version, operation.Argument));
                    Log.Append(record.Version, record.Time, record.Data);
                    _staged.Add(record);
                    break;
                case LogOperationKind.Commit:
                    Log.Commit();
                    _durable = all;
                    _staged = [];
                    break;
                case LogOperationKind.Trim:
                    var trimAt = PickVersion(all, operation.Argument);
                    Log.Trim(trimAt);
                    _durable = [.. all.Where(r => r.Version > trimAt)];
                    _staged = [];
                    break;
                case LogOperationKind.Truncate:
                    var truncateAt = Math.Max(PickVersion(all, operation.Argument), Log.TrimmedThrough);
                    Log.Truncate(truncateAt);
                    _durable = [.. all.Where(r => r.Version <= truncateAt)];
                    _staged = [];
                    break;
                case LogOperationKind.Crash:
                    CrashAndCheck(operation, all, _durable.Count, _ => false);
                    break;
            }
        }
        catch (SimulatedCrashException)
        {
            var allowed = AllowedAfterCrash(operation, all);
            CrashAndCheck(operation, all, allowed.MinimumPrefix, allowed.Trimmed);
        }
    }

    /// <summary>Crashes now (if the disk has not already) and checks what comes back.</summary>
    public void CrashAndCheck(LogOperation during, List<Record> all, int minimumPrefix, Func<IReadOnlyList<LogEntry>, bool> alsoAllowed)
    {
        Crashes++;
        Log.Dispose();
        Disk.Restart(_random);
        Log = PersistentLog.Open(Disk, LogDirectory, Options);
        var actual = Log.GetRange(long.MinValue, long.MaxValue);
        if (!IsPrefix(actual, all, minimumPrefix) && !alsoAllowed(actual))
        {
            throw new InvalidOperationException(
                $"after a crash during {during}: the log holds [{string.Join(",", actual.Select(e => e.Version))}], " +
                $"expected a prefix of at least {minimumPrefix} of [{string.Join(",", all.Select(r => r.Version))}]; " +
                $"steps: {string.Join(" | ", Disk.StepLog.TakeLast(8))}");
        }
        _durable = [.. actual.Select(e => new Record(e.Version, e.Time, e.Data.ToArray()))];
        _staged = [];
        if (Log.PersistedVersion != Log.LatestVersion)
        {
            throw new InvalidOperationException("a reopened log must count everything it holds as persisted");
        }
    }

    public void Dispose() => Log.Dispose();

    private (int MinimumPrefix, Func<IReadOnlyList<LogEntry>, bool> Trimmed) AllowedAfterCrash(LogOperation operation, List<Record> all)
    {
        switch (operation.Kind)
        {
            case LogOperationKind.Trim:
                var trimAt = PickVersion(all, operation.Argument);
                var trimmed = all.Where(r => r.Version > trimAt).ToList();
                return (_durable.Count, actual => IsPrefix(actual, trimmed, trimmed.Count) && actual.Count == trimmed.Count);
            case LogOperationKind.Truncate:
                var truncateAt = Math.Max(PickVersion(all, operation.Argument), Log.TrimmedThrough);
                return (Math.Min(_durable.Count, all.Count(r => r.Version <= truncateAt)), _ => false);
            default:
                return (_durable.Count, _ => false);
        }
    }

    private static bool IsPrefix(IReadOnlyList<LogEntry> actual, List<Record> all, int minimumPrefix)
    {
        if (actual.Count < minimumPrefix || actual.Count > all.Count)
        {
            return false;
        }
        for (var i = 0; i < actual.Count; i++)
        {
            if (actual[i].Version != all[i].Version || actual[i].Time != all[i].Time || !actual[i].Data.Span.SequenceEqual(all[i].Data))
            {
                return false;
            }
        }
        return true;
    }

    private long PickVersion(List<Record> all, int argument) =>
        all.Count == 0 ? _nextVersion - 1 : all[argument % all.Count].Version;

    public sealed record Record(long Version, HlcTimestamp Time, byte[] Data);
}
