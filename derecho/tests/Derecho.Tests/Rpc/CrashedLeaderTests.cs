using Derecho.Rpc;

namespace Derecho.Tests.Rpc;

/// <summary>Members disposed (crashed) one right after the other, just after the view that holds them formed.</summary>
public sealed class CrashedLeaderTests
{
    /// <summary>
    /// The leader crashes, then the next-ranked member, which leads for a moment: the other three must end in one
    /// view together. Disposing a member canceled its connects still under way while its event loop ran on, so the
    /// dying member took each canceled connect for a peer that cannot be reached, suspected it, and as leader
    /// committed a view without that healthy peer (which then stopped for want of a majority). Several rounds,
    /// since a connect is under way only briefly after a view forms.
    /// </summary>
    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task The_leader_and_the_next_crashing_together_leave_the_other_three_in_one_view()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 8; round++)
        {
            await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(c => new Counter(c))], ct);
            await AddThreeThenCrashTheFirstTwoAsync(cluster, ct);
        }
    }

    /// <summary>Members 2, 3 and 4 join members 0 and 1, which then crash; returns once 2, 3 and 4 share a view.</summary>
    internal static async Task AddThreeThenCrashTheFirstTwoAsync(RpcCluster cluster, CancellationToken ct)
    {
        for (var id = 2u; id < 5; id++)
        {
            await cluster.AddAsync(id, ct);
        }
        await cluster.WaitForViewAsync(5, ct);
        await cluster.CrashAsync(0);
        await cluster.CrashAsync(1);
        await cluster.WaitForViewAsync(3, ct);
    }
}
