using System.Collections.Concurrent;
using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

public sealed class PersistenceWorkerTests
{
    [Fact]
    public async Task CommitsEveryFieldAndReportsTheLowestFrontier()
    {
        var disk = new SimulatedDisk();
        using var first = PersistentLog.Open(disk, "/plog/a");
        using var second = PersistentLog.Open(disk, "/plog/b");
        var frontiers = new ConcurrentQueue<long>();
        var worker = new PersistenceWorker([first, second], frontiers.Enqueue);
        for (var version = 1L; version <= 50; version++)
        {
            first.Append(version, new HlcTimestamp(version, 0), "a"u8);
            second.Append(version, new HlcTimestamp(version, 0), "b"u8);
            worker.RequestCommit();
        }
        await Task.WhenAll(first.WaitForPersistedAsync(50, TestContext.Current.CancellationToken),
            second.WaitForPersistedAsync(50, TestContext.Current.CancellationToken));
        first.Append(51, new HlcTimestamp(51, 0), "a"u8);
        await worker.DisposeAsync();
        Assert.Equal(51, first.PersistedVersion);
        Assert.Equal(50, worker.PersistedVersion);
        Assert.Equal(50, frontiers.Last());
        Assert.Equal(frontiers.Order(), frontiers);
    }

    [Fact]
    public async Task AFailedCommitFaultsTheWorker()
    {
        var disk = new SimulatedDisk();
        using var log = PersistentLog.Open(disk, "/plog/a");
        var worker = new PersistenceWorker([log]);
        log.Append(1, default, "x"u8);
        disk.CrashAtStep = disk.Steps;
        worker.RequestCommit();
        await Assert.ThrowsAsync<SimulatedCrashException>(() => worker.Completion.WaitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Versions.None, worker.PersistedVersion);
        await Assert.ThrowsAsync<SimulatedCrashException>(async () => await worker.DisposeAsync());
    }
}
