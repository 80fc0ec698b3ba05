namespace Derecho.Tests.Integration;

/// <summary>Groups of real member processes on 127.0.0.1 that lose members to SIGKILL mid-stream.</summary>
[Integration]
public sealed class ProcessGroupTests
{
    /// <summary>Member 2 (a follower) or member 0 (the leader) is killed mid-stream; the next-ranked survivor leads.</summary>
    [Theory(Timeout = 90_000)]
    [InlineData(2, 0)]
    [InlineData(0, 1)]
    public async Task Three_members_survive_a_SIGKILL_mid_stream_and_agree_on_what_they_delivered(int victim, int nextLeader)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(3);
        await cluster.StartAllAsync(3, ct);
        int[] survivors = [.. new[] { 0, 1, 2 }.Where(id => id != victim)];
        await cluster.WaitForDeliveriesAsync(cluster[survivors[1]], 1000, ct);

        cluster[victim].Kill();

        foreach (var id in survivors)
        {
            var view = await cluster.WaitForViewAsync(cluster[id], v => !v.Members.Contains(victim), ct);
            Assert.Equal(survivors, view.Members);
            Assert.Equal(nextLeader, view.Leader);
        }
        // The survivors go on delivering in the new view.
        await cluster.WaitForDeliveriesAsync(cluster[survivors[1]], 1000, ct);
        MemberCluster.AssertDigestsAgree(survivors.Select(id => cluster[id]));
    }

    /// <summary>The contact (member 0, which started the group) is killed and restarted with the same configuration.</summary>
    [Fact(Timeout = 90_000)]
    public async Task A_restarted_contact_rejoins_the_existing_group_instead_of_starting_a_new_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(3);
        await cluster.StartAllAsync(3, ct);
        cluster[0].Kill();
        var survivorsView = await cluster.WaitForViewAsync(cluster[1], v => !v.Members.Contains(0), ct);

        var restarted = cluster.Start(0);
        var rejoined = await cluster.WaitForViewAsync(restarted, v => v.Members.Contains(0), ct);
        Assert.True(rejoined.Id > survivorsView.Id, $"the restarted contact installed view {rejoined.Id}, not one after {survivorsView.Id}");
        Assert.Equal([1, 2, 0], rejoined.Members);
        Assert.Equal(1, rejoined.Leader);
        await cluster.WaitForDeliveriesAsync(restarted, 400, ct);
    }

    /// <summary>
    /// A process started with a live member's node id at other ports used to be taken for a newer incarnation of
    /// it: the member was evicted (and reported "lost a majority"), the group went through views without it. Like
    /// Derecho, the group refuses such a join, whichever member it asks (the leader; or another member, with the
    /// leader's own id), and the joiner exits 2 naming the live member's address; the group keeps its view.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_process_with_a_live_members_id_at_another_address_is_refused_and_the_group_keeps_its_view()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(3);
        await cluster.StartAllAsync(3, ct);
        var before = await cluster.WaitForViewAsync(cluster[2], v => v.Members.Count == 3, ct);
        foreach (var (id, through) in new[] { (1, 0), (0, 2) })
        {
            var (code, _, stderr) = await MemberCluster.RunWithIdOfAsync(id, cluster.GmsPort(through), ct);
            Assert.True(code == 2 && stderr.Contains($"node id {id} belongs to the live member at {cluster.SstEndpoint(id)}", StringComparison.Ordinal),
                $"node {id} through member {through}: exit {code}, stderr: {stderr}");
        }
        await cluster.WaitForDeliveriesAsync(cluster[1], 400, ct);
        foreach (var id in new[] { 0, 1, 2 })
        {
            Assert.False(cluster[id].HasExited, cluster[id].StandardError);
            Assert.Equal(before.Id, (await cluster.WaitForViewAsync(cluster[id], _ => true, ct)).Id);
        }
    }

    /// <summary>
    /// A member frozen with SIGSTOP (its connections stay open, so nobody suspects it before the 5 s timeout) is
    /// started again at other ports, as after a crash of its host: the new process used to be refused for good
    /// (exit 2, "belongs to the live member") as it asked before the old one was suspected. The group probes the
    /// old address, where nothing answers, and admits the new incarnation in the old one's place.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_frozen_member_started_again_at_other_ports_is_admitted_in_place_of_its_old_process()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(4, suspicionMs: 5000);
        await cluster.StartAllAsync(3, ct);
        var old = cluster[2];
        MemberCluster.Signal(old, "STOP");
        var restarted = cluster.Start(2, portsOf: 3);
        var admitted = await cluster.WaitForViewAsync(restarted, v => v.Members.Contains(2), ct);
        Assert.False(restarted.HasExited, restarted.StandardError);
        foreach (var id in new[] { 0, 1 })
        {
            await cluster.WaitForViewAsync(cluster[id], v => v.Id >= admitted.Id && v.Members.Count == 3, ct);
        }
        old.Kill();
        await cluster.WaitForDeliveriesAsync(restarted, 400, ct);
    }

    /// <summary>
    /// A member paused (SIGSTOP) past the suspicion timeout is removed; resumed, it stops. It used to exit 1 with
    /// only a <c>stopped …</c> line on standard output and nothing on standard error: it says why there now.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_member_resumed_after_the_group_removed_it_exits_saying_why_on_stderr()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new MemberCluster(3, suspicionMs: 2000);
        await cluster.StartAllAsync(3, ct);
        MemberCluster.Signal(cluster[2], "STOP");
        await cluster.WaitForViewAsync(cluster[0], v => !v.Members.Contains(2), ct);
        MemberCluster.Signal(cluster[2], "CONT");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        Assert.Equal(1, await cluster[2].WaitForExitAsync(limit.Token));
        Assert.Contains("derecho: member 2 stopped: ", cluster[2].StandardError, StringComparison.Ordinal);
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
