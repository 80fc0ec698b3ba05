using System.Collections.Concurrent;
using Derecho.Membership;

namespace Derecho.Tests.Integration;

/// <summary>Members that restart with the same node id and endpoints (groups in this process, over real sockets).</summary>
[Integration]
public sealed class RestartedMemberTests
{
    /// <summary>
    /// Each start of a member has a higher incarnation than the one before, which the protocol relies on: the leader
    /// replaces a node id's incarnation in the view at once when a higher one asks to join, and ignores a lower one
    /// as stale. Incarnations were random, so half of all quick restarts waited for the old incarnation's suspicion.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Every_restart_of_a_member_has_a_higher_incarnation()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next(1)[0];
        var incarnations = new List<ulong>();
        for (var start = 0; start < 5; start++)
        {
            await using var group = await Group.JoinAsync(Options(4, port, 0, port), new GroupHandlers(), ct);
            incarnations.Add(group.Incarnation);
        }
        Assert.Equal(incarnations.Order(), incarnations);
        Assert.Equal(incarnations.Count, incarnations.Distinct().Count());
    }

    /// <summary>
    /// A member that crashes (its group disposed without leaving) and restarts at once on the same endpoints is
    /// admitted again and stays: while it was down the others' connects to its endpoint were refused, and a refusal
    /// less than half a second old used to count against the new incarnation the moment it was admitted (suspected
    /// at once, removed, and the restarted contact of a process test stopped for want of a majority).
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task A_member_restarted_at_once_on_its_endpoints_stays_in_the_group()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = FreePort.Next(3);
        var views = new ConcurrentQueue<View>();
        await using var contact = await Group.JoinAsync(Options(0, ports[0], 0, ports[0]), new GroupHandlers { ViewInstalled = views.Enqueue }, ct);
        await using var other = await Group.JoinAsync(Options(1, 0, 0, ports[0]), new GroupHandlers(), ct);
        var restarting = await Group.JoinAsync(Options(2, ports[1], ports[2], ports[0]), new GroupHandlers(), ct);
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var incarnation = restarting.Incarnation;
                await WaitUntilAsync(() => Holds(contact, incarnation) && Holds(other, incarnation), $"round {round}: a view with the member", ct);
                await restarting.DisposeAsync();
                await WaitUntilAsync(() => contact.CurrentView.Count == 2 && other.CurrentView.Count == 2, $"round {round}: a view without it", ct);
                restarting = await Group.JoinAsync(Options(2, ports[1], ports[2], ports[0]), new GroupHandlers(), ct);
                incarnation = restarting.Incarnation;
                await WaitUntilAsync(() => Holds(contact, incarnation) && Holds(other, incarnation), $"round {round}: a view with the restarted member", ct);
                var admitted = contact.CurrentView.Id;
                for (var i = 0; i < 10; i++)
                {
                    await restarting.SendAsync(new byte[] { (byte)i }, ct);
                }
                var later = views.Where(v => v.Id >= admitted).ToList();
                Assert.True(later.All(v => v.Members.Any(m => m.NodeId == 2 && m.Incarnation == incarnation)),
                    $"round {round}: the restarted member was removed again: {string.Join("; ", later)}");
            }
        }
        finally
        {
            await restarting.DisposeAsync();
        }
    }

    private static bool Holds(Group group, ulong incarnation) =>
        group.CurrentView.Count == 3 && group.CurrentView.Members.Any(m => m.NodeId == 2 && m.Incarnation == incarnation);

    private static GroupOptions Options(uint id, int gmsPort, int sstPort, int contactPort) => new()
    {
        LocalId = id,
        GmsPort = gmsPort,
        SstPort = sstPort,
        ContactPort = contactPort,
        SuspicionTimeout = TimeSpan.FromSeconds(5),
    };

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 30 s for {what}");
            await Task.Delay(10, ct);
        }
    }
}
