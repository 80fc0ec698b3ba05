using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

/// <summary>
/// Group commits in two steps (<see cref="PersistentLog.WriteStaged"/>, then <see cref="PersistentLog.Sync"/>) whose
/// syncs overlap and finish in any order: the persisted version advances only in order, and a crash, on a disk that
/// loses every unsynced write, never loses a version that was reported persisted nor leaves anything but a prefix.
/// </summary>
public sealed class OverlappingCommitTests
{
    private const string LogDirectory = "/data/field";

    // 300-byte values in 4 KiB segments: about 12 records a segment, so the schedules below cross segments.
    private static readonly PersistenceOptions SmallSegments = new() { SegmentSize = 4096 };

    private static HlcTimestamp TimeOf(long version) => new(1_000 + version, 0);

    [Fact]
    public void ALaterSyncFinishingFirstPersistsTheEarlierBatchesWithIt()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Append(log, 1, 3);
        var first = log.WriteStaged()!;
        Append(log, 4, 6);
        var second = log.WriteStaged()!;
        Assert.Equal(Versions.None, log.PersistedVersion);
        Assert.Equal(3, first.LastVersion);

        log.Sync(second);
        Assert.Equal(6, log.PersistedVersion);
        log.Sync(first);
        Assert.Equal(6, log.PersistedVersion);

        disk.Restart(random: null);
        using var reopened = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Assert.Equal([1, 2, 3, 4, 5, 6], reopened.GetRange(long.MinValue, long.MaxValue).Select(e => e.Version));
    }

    [Fact]
    public async Task AnEarlierSyncFinishingFirstPersistsOnlyItsOwnBatch()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Append(log, 1, 3);
        var first = log.WriteStaged()!;
        Append(log, 4, 6);
        var second = log.WriteStaged()!;
        var waiter = log.WaitForPersistedAsync(6, TestContext.Current.CancellationToken);

        log.Sync(first);
        Assert.Equal(3, log.PersistedVersion);
        Assert.False(waiter.IsCompleted);
        log.Sync(second);
        Assert.Equal(6, log.PersistedVersion);
#pragma warning disable VSTHRD003 // The log completes the waiter on the syncing thread (this one).
        await waiter;
#pragma warning restore VSTHRD003
    }

    [Fact]
    public void CommitSyncsTheBatchesOthersHaveNotSyncedYet()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Append(log, 1, 20);
        Assert.NotNull(log.WriteStaged());
        Assert.Null(log.WriteStaged());
        Assert.Equal(20, log.Commit());
        Assert.Null(log.WriteStaged(coverEarlier: true));

        disk.Restart(random: null);
        using var reopened = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Assert.Equal(20, reopened.LatestVersion);
    }

    /// <summary>
    /// A commit asked to cover earlier batches with nothing staged (a commit thread's round) finds them synced by
    /// another thread between its two takings of the log's gate: it has nothing left to sync (it once read the last
    /// batch of an empty queue and stopped the member).
    /// </summary>
    [Fact]
    public void ACoveringCommitWhoseEarlierBatchesFinishedMeanwhileWritesNothing()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Append(log, 1, 3);
        var first = log.WriteStaged()!;
        log.AfterBatchWritten = () =>
        {
            log.AfterBatchWritten = null;
            log.Sync(first);
        };

        Assert.Null(log.WriteStaged(coverEarlier: true));
        Assert.Null(log.AfterBatchWritten);
        Assert.Equal(3, log.PersistedVersion);
        Append(log, 4, 4);
        Assert.Equal(4, log.Commit());
    }

    /// <summary>
    /// A commit with nothing staged while another thread syncs the newest batch (a replica's own commit beside its
    /// commit thread's round) waits for that sync rather than issuing a second <c>fdatasync</c> of the same writes.
    /// </summary>
    [Fact]
    public async Task ACommitWithNothingNewWaitsForTheSyncRunningInsteadOfSyncingAgain()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Append(log, 1, 3);
        var first = log.WriteStaged()!;
        using var syncing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var syncThread = Task.Run(() =>
        {
            log.AfterSyncStarted = () =>
            {
                syncing.Set();
                release.Wait();
            };
            log.Sync(first);
        }, TestContext.Current.CancellationToken);
        syncing.Wait(TestContext.Current.CancellationToken);
        log.AfterSyncStarted = null;
        var syncsBefore = disk.StepLog.Count(s => s.StartsWith("fdatasync", StringComparison.Ordinal));

        var commit = Task.Run(log.Commit, TestContext.Current.CancellationToken);
        await Task.WhenAny(commit, Task.Delay(200, TestContext.Current.CancellationToken));
        Assert.False(commit.IsCompleted); // it waits for the sync running
        release.Set();
        await syncThread;
        Assert.Equal(3, await commit);
        Assert.Equal(syncsBefore + 1, disk.StepLog.Count(s => s.StartsWith("fdatasync", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AFailedSyncStopsThePersistedVersionAndFailsWaiters()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        Append(log, 1, 2);
        var first = log.WriteStaged()!;
        Append(log, 3, 4);
        var second = log.WriteStaged()!;
        var waiter = log.WaitForPersistedAsync(4, TestContext.Current.CancellationToken);
        disk.CrashAtStep = disk.Steps;

        Assert.Throws<SimulatedCrashException>(() => log.Sync(first));
        Assert.Throws<SimulatedCrashException>(() => log.Sync(second));
        Assert.Equal(Versions.None, log.PersistedVersion);
#pragma warning disable VSTHRD003 // The log completes the waiter on the syncing thread (this one).
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiter);
#pragma warning restore VSTHRD003
        Assert.Throws<InvalidOperationException>(() => log.Append(5, TimeOf(5), new byte[8]));
    }

    /// <summary>
    /// Random schedules of appends, batch writes and syncs of any written batch in any order, crashed at every step:
    /// the persisted version never goes back, never passes what was written, and after the crash the log holds a prefix
    /// of what was appended that keeps every version reported persisted, with its bytes.
    /// </summary>
    [Fact]
    public void CrashesDuringOverlappingSyncsLoseNothingReportedPersisted()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var schedule = Schedule(new Random(seed));
            int steps;
            var disk = new SimulatedDisk();
            using (var clean = PersistentLog.Open(disk, LogDirectory, SmallSegments))
            {
                var opened = disk.Steps;
                Run(clean, schedule, new Random(seed));
                steps = disk.Steps - opened;
            }
            Assert.True(steps > 12, $"seed {seed}: the schedule makes only {steps} steps");
            for (var crashAfter = 0; crashAfter <= steps; crashAfter++)
            {
                CrashAndCheck(seed, schedule, crashAfter);
            }
        }
    }

    private static void CrashAndCheck(int seed, List<Operation> schedule, int crashAfter)
    {
        var disk = new SimulatedDisk();
        var log = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        disk.CrashAtStep = disk.Steps + crashAfter;
        var (appended, reported) = Run(log, schedule, new Random(seed));
        log.Dispose();
        disk.Restart(new Random(seed * 1_000 + crashAfter));
        using var reopened = PersistentLog.Open(disk, LogDirectory, SmallSegments);
        var held = reopened.GetRange(long.MinValue, long.MaxValue);
        var context = $"seed {seed}, crash after {crashAfter} steps: reported persisted {reported}, the log holds [{string.Join(",", held.Select(e => e.Version))}]";
        Assert.True(held.Count <= appended.Count, context);
        for (var i = 0; i < held.Count; i++)
        {
            Assert.True(held[i].Version == appended[i].Version && held[i].Data.Span.SequenceEqual(appended[i].Data), context);
        }
        Assert.True(reported == Versions.None || (held.Count > 0 && held[^1].Version >= reported), context);
    }

    private enum Kind
    {
        Append,
        Write,
        Sync,
        Commit,
    }

    private readonly record struct Operation(Kind Kind, int Size);

    private static List<Operation> Schedule(Random random)
    {
        var schedule = new List<Operation>();
        for (var i = 0; i < 60; i++)
        {
            var roll = random.Next(10);
            schedule.Add(roll switch
            {
                < 5 => new Operation(Kind.Append, 50 + random.Next(500)),
                < 7 => new Operation(Kind.Write, 0),
                < 9 => new Operation(Kind.Sync, 0),
                _ => new Operation(Kind.Commit, 0),
            });
        }
        return schedule;
    }

    /// <summary>Runs <paramref name="schedule"/> until it ends or the disk crashes; returns what was appended and the highest version reported persisted.</summary>
    private static (List<(long Version, byte[] Data)> Appended, long Reported) Run(PersistentLog log, List<Operation> schedule, Random random)
    {
        var appended = new List<(long Version, byte[] Data)>();
        var written = new List<PersistentLog.PendingCommit>();
        var reported = Versions.None;
        var lastWritten = Versions.None;
        try
        {
            foreach (var operation in schedule)
            {
                switch (operation.Kind)
                {
                    case Kind.Append:
                        var version = appended.Count + 1L;
                        var data = new byte[operation.Size];
                        random.NextBytes(data);
                        log.Append(version, TimeOf(version), data);
                        appended.Add((version, data));
                        break;
                    case Kind.Write:
                        if (log.WriteStaged() is { } batch)
                        {
                            written.Add(batch);
                            lastWritten = batch.LastVersion;
                        }
                        break;
                    case Kind.Sync when written.Count > 0:
                        var pick = random.Next(written.Count);
                        var chosen = written[pick];
                        written.RemoveAt(pick);
                        log.Sync(chosen);
                        break;
                    case Kind.Commit:
                        log.Commit();
                        lastWritten = appended.Count == 0 ? Versions.None : appended[^1].Version;
                        Assert.Equal(lastWritten, log.PersistedVersion);
                        break;
                }
                var persisted = log.PersistedVersion;
                Assert.True(persisted >= reported, $"the persisted version went back from {reported} to {persisted}");
                Assert.True(persisted <= lastWritten, $"version {persisted} counts as persisted, but only {lastWritten} was written");
                reported = persisted;
            }
        }
        catch (SimulatedCrashException)
        {
            // The disk crashed: what counted as persisted before must survive the restart.
        }
        return (appended, reported);
    }

    private static void Append(PersistentLog log, long from, long to)
    {
        for (var version = from; version <= to; version++)
        {
            log.Append(version, TimeOf(version), new byte[300]);
        }
    }
}
