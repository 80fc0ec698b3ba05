using Derecho.Rpc;

// Remote methods are instance methods; the stall completes on a test thread, with no context to deadlock on.
#pragma warning disable CA1822, VSTHRD003

namespace Derecho.Tests.Rpc;

/// <summary>A replicated counter whose replicas on chosen nodes stall in an ordered call (and so hold back their state transfer).</summary>
[Replicated]
public sealed partial class StallingCounter
{
    private readonly ReplicaContext? _context;
    private long _value;

    public StallingCounter(ReplicaContext? context = null) => _context = context;

    public static TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static HashSet<uint> StallingNodes { get; } = [0, 1];

    private static int _stalled;

    public static int Stalled => Volatile.Read(ref _stalled);

    [Ordered]
    public long Add(long amount) => _value += amount;

    [Ordered]
    [P2P]
    public long Read() => _value;

    [Ordered]
    public async Task<long> Stall()
    {
        if (StallingNodes.Contains(_context!.NodeId))
        {
            Interlocked.Increment(ref _stalled);
            await Release.Task;
        }
        return _value;
    }
}

/// <summary>
/// Every member that held a shard's state fails during the view changes that add newcomers, before it sent the
/// state: the newcomers must not wait forever, nor serve from an empty state. They learn the state is lost and
/// refuse every call with <see cref="RpcError.StateLost"/>, and so do members that joined through them.
/// </summary>
public sealed class StateLostTests
{
    [Fact(Timeout = 60_000)]
    [Integration]
    public async Task Newcomers_whose_every_holder_failed_refuse_calls_with_state_lost()
    {
        var ct = TestContext.Current.CancellationToken;
        try
        {
            await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(c => new StallingCounter(c))], ct);
            Assert.Equal(5L, await new StallingCounter.OrderedCalls(cluster[0]).Add(5, ct).GetAgreedAsync());
            // Both holders' queues stall, so the state transfers they owe the newcomers stay behind the stall.
            _ = new StallingCounter.OrderedCalls(cluster[0]).Stall(ct);
            await RpcCluster.WaitUntilAsync(() => StallingCounter.Stalled == 2, "both holders stalled", ct);
            await CrashedLeaderTests.AddThreeThenCrashTheFirstTwoAsync(cluster, ct);
            var replies = await new StallingCounter.OrderedCalls(cluster[2]).Add(1, ct);
            foreach (var node in new uint[] { 2, 3, 4 })
            {
                var error = await Assert.ThrowsAsync<RpcException>(() => replies[node]);
                Assert.Equal(RpcError.StateLost, error.Error);
                Assert.Contains("no state", error.Message, StringComparison.Ordinal);
            }
            var read = await Assert.ThrowsAsync<RpcException>(() => new StallingCounter.P2PCalls(cluster[2], 4).ReadAsync(ct));
            Assert.Equal(RpcError.StateLost, read.Error);
        }
        finally
        {
            StallingCounter.Release.TrySetResult();
        }
    }
}
