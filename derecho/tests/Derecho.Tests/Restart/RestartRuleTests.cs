using Derecho.Persistence;
using Derecho.Restart;
using Derecho.Tests.Persistence;

namespace Derecho.Tests.Restart;

/// <summary><see cref="RestartRule"/> and <see cref="ShardLogSummary"/> on their own.</summary>
public sealed class RestartRuleTests
{
    private static ShardLogSummary Summary(uint node, ShardTrim? trim, params long[] tails) =>
        new(node, tails.Length > 0 ? tails[0] : Versions.None, tails, trim is { } t ? [t] : []);

    [Fact]
    public void The_longest_log_leads_when_it_is_consistent_with_the_newest_trim()
    {
        var trim = new ShardTrim(0, 0, 0, 6, Versions.Of(5, 3));
        ShardLogSummary[] logs = [Summary(0, trim, Versions.Of(6, 2), Versions.Of(5, 3)), Summary(1, trim, Versions.Of(6, 4), Versions.Of(5, 3)), Summary(2, null, Versions.Of(5, 3))];
        Assert.Equal(1u, RestartRule.ChooseLeader(logs));
    }

    [Fact]
    public void A_longest_log_beyond_the_newest_trim_does_not_lead()
    {
        var older = new ShardTrim(0, 0, 0, 5, Versions.Of(4, 7));
        var newest = new ShardTrim(0, 0, 0, 6, Versions.Of(5, 3));
        ShardLogSummary[] logs = [Summary(0, newest, Versions.Of(5, 3)), Summary(1, newest, Versions.Of(5, 2)), Summary(2, older, Versions.Of(5, 5), Versions.Of(4, 7))];
        Assert.Equal([newest, older], RestartRule.PooledTrims(logs));
        Assert.True(logs[2].Contradicts(newest));
        Assert.False(RestartRule.IsConsistent(logs[2], [newest]));
        Assert.False(logs[0].Contradicts(newest));
        Assert.Equal(0u, RestartRule.ChooseLeader(logs));
    }

    [Fact]
    public void A_trim_logged_over_empty_views_still_excludes_an_older_views_tail()
    {
        // Views 6 to 8 delivered nothing: the trim logged with view 9 still says 5.3 was the last.
        var trim = new ShardTrim(0, 0, 0, 9, Versions.Of(5, 3));
        ShardLogSummary[] logs = [Summary(0, trim, Versions.Of(5, 3)), Summary(2, null, Versions.Of(5, 4))];
        Assert.Equal(0u, RestartRule.ChooseLeader(logs));
        // Versions of the trim's own view and later are not its business.
        Assert.False(Summary(1, null, Versions.Of(9, 0), Versions.Of(5, 3)).Contradicts(trim));
    }

    [Fact]
    public void An_older_trim_excludes_a_ghost_the_newest_trim_passes_over()
    {
        // Member 2 failed in view 5 with 5.5 logged; view 6 delivered up to 6.3, but members 0 and 1 synced only into view 5.
        var older = new ShardTrim(0, 0, 0, 6, Versions.Of(5, 4));
        var newest = new ShardTrim(0, 0, 0, 7, Versions.Of(6, 3));
        var survivor = new ShardLogSummary(0, Versions.Of(5, 2), [Versions.Of(5, 2)], [newest, older]);
        var ghost = Summary(2, null, Versions.Of(5, 5));
        Assert.False(ghost.Contradicts(newest));
        Assert.Equal(0u, RestartRule.ChooseLeader([survivor, ghost]));
    }

    [Fact]
    public void Without_trims_or_consistent_logs_the_longest_leads_and_ties_go_to_the_lowest_id()
    {
        Assert.Equal(1u, RestartRule.ChooseLeader([Summary(2, null, Versions.Of(3, 1)), Summary(1, null, Versions.Of(3, 1)), Summary(0, null, Versions.Of(3, 0))]));
        var trim = new ShardTrim(0, 0, 0, 4, Versions.Of(3, 0));
        Assert.Equal(2u, RestartRule.ChooseLeader([Summary(2, trim, Versions.Of(3, 2)), Summary(1, null, Versions.Of(3, 1))]));
        Assert.Throws<ArgumentException>(() => RestartRule.ChooseLeader([]));
    }

    [Fact]
    public void A_summary_carries_the_newest_version_of_each_of_the_last_views_over_every_field()
    {
        var disk = new SimulatedDisk();
        var options = new PersistenceOptions();
        using var first = PersistentLog.Open(disk, "/p/a", options);
        using var second = PersistentLog.Open(disk, "/p/b", options);
        long[] versions = [Versions.Of(1, 0), Versions.Of(1, 1), Versions.Of(2, 0), Versions.Of(4, 0), Versions.Of(4, 3), Versions.Of(7, 1), Versions.Of(8, 0)];
        foreach (var (version, i) in versions.Select((v, i) => (v, i)))
        {
            (i % 2 == 0 ? first : second).Append(version, new HlcTimestamp(i + 1, 0), "x"u8);
        }
        var summary = ShardLogSummary.Of(5, [first, second], []);
        Assert.Equal(Versions.Of(8, 0), summary.Latest);
        Assert.Equal([Versions.Of(8, 0), Versions.Of(7, 1), Versions.Of(4, 3), Versions.Of(2, 0)], summary.ViewTails);
        using var empty = PersistentLog.Open(disk, "/p/c", options);
        Assert.Empty(ShardLogSummary.Of(5, [empty], []).ViewTails);
    }
}
