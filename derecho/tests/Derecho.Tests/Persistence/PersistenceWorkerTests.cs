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
    public async Task OverlappingRoundsOnARealDiskReportInOrderOnlyWhatIsSynced()
    {
        using var directory = new TempDirectory("plog");
        using var log = PersistentLog.Open(DiskFileSystem.Instance, directory.Combine("a"));
        var frontiers = new ConcurrentQueue<long>();
        var tickets = new ConcurrentQueue<long>();
        var violations = new ConcurrentQueue<string>();
        var worker = new PersistenceWorker([log],
            frontier =>
            {
                frontiers.Enqueue(frontier);
                if (log.PersistedVersion < frontier)
                {
                    violations.Enqueue($"frontier {frontier} reported with only {log.PersistedVersion} synced");
                }
            },
            ticket =>
            {
                tickets.Enqueue(ticket);
                // Ticket N was reserved right after version N was appended.
                if (log.PersistedVersion < ticket)
                {
                    violations.Enqueue($"ticket {ticket} reported with only {log.PersistedVersion} synced");
                }
            },
            syncsInFlight: 3);
        for (var version = 1L; version <= 300; version++)
        {
            log.Append(version, new HlcTimestamp(version, 0), new byte[1024]);
            Assert.Equal(version, worker.Reserve());
            if (version % 7 == 0)
            {
                worker.Wake();
            }
        }
        worker.Wake();
        await log.WaitForPersistedAsync(300, TestContext.Current.CancellationToken);
        await worker.DisposeAsync();
        Assert.Empty(violations);
        Assert.Equal(frontiers.Order(), frontiers);
        Assert.Equal(tickets.Order(), tickets);
        Assert.Equal(300, frontiers.Last());
        Assert.Equal(300, tickets.Last());
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
