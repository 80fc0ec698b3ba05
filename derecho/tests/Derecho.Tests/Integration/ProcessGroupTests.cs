namespace Derecho.Tests.Integration;

/// <summary>Groups of real member processes on 127.0.0.1 that lose members to SIGKILL mid-stream.</summary>
[Integration]
public sealed class ProcessGroupTests
{
    [Fact(Timeout = 90_000)]
    public async Task Three_members_survive_a_killed_member_and_agree_on_what_they_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(3);
        await cluster.StartAllAsync(3, ct);
        await cluster.WaitForDeliveriesAsync(cluster[2], 1000, ct);

        cluster[2].Kill();

        foreach (var id in new[] { 0, 1 })
        {
            var view = await cluster.WaitForViewAsync(cluster[id], v => !v.Members.Contains(2), ct);
            Assert.Equal([0, 1], view.Members);
            Assert.Equal(0, view.Leader);
        }
        // The survivors go on delivering in the new view.
        await cluster.WaitForDeliveriesAsync(cluster[1], 1000, ct);
        MemberCluster.AssertDigestsAgree([cluster[0], cluster[1]]);
    }

    [Fact(Timeout = 90_000)]
    public async Task Three_members_survive_a_killed_leader_and_the_next_ranked_leads()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(3);
        await cluster.StartAllAsync(3, ct);
        await cluster.WaitForDeliveriesAsync(cluster[1], 1000, ct);

        cluster[0].Kill();

        foreach (var id in new[] { 1, 2 })
        {
            var view = await cluster.WaitForViewAsync(cluster[id], v => !v.Members.Contains(0), ct);
            Assert.Equal([1, 2], view.Members);
            Assert.Equal(1, view.Leader);
        }
        await cluster.WaitForDeliveriesAsync(cluster[2], 1000, ct);
        MemberCluster.AssertDigestsAgree([cluster[1], cluster[2]]);
    }

    [Fact(Timeout = 120_000)]
    public async Task Five_members_lose_one_and_it_restarts_and_rejoins_as_a_new_incarnation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(5);
        await cluster.StartAllAsync(5, ct);
        await cluster.WaitForDeliveriesAsync(cluster[3], 1000, ct);

        var killed = cluster[3];
        killed.Kill();
        var survivors = new[] { 0, 1, 2, 4 };
        foreach (var id in survivors)
        {
            await cluster.WaitForViewAsync(cluster[id], v => !v.Members.Contains(3), ct);
        }

        var restarted = cluster.Start(3);
        var rejoined = await cluster.WaitForViewAsync(restarted, v => v.Members.Contains(3), ct);
        Assert.Equal(5, rejoined.Members.Count);
        foreach (var id in survivors)
        {
            await cluster.WaitForViewAsync(cluster[id], v => v.Id == rejoined.Id && v.Members.Contains(3), ct);
        }
        await cluster.WaitForDeliveriesAsync(restarted, 1000, ct);
        MemberCluster.AssertDigestsAgree([.. survivors.Select(id => cluster[id]), restarted]);
    }
}
