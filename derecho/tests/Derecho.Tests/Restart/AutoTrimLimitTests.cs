using Derecho.Persistence;
using Derecho.Tests.Persistence;

namespace Derecho.Tests.Restart;

/// <summary>
/// Automatic trims (<c>PERS/auto_trim</c>, <c>PERS/max_log_age_ms</c>) never go above the log's trim limit, the
/// shard's global persistence frontier: a total restart may have to truncate any version above it (another member's
/// log, the one the restart goes on from, can end there), and a trimmed version can no longer be truncated.
/// </summary>
public sealed class AutoTrimLimitTests
{
    private static readonly PersistenceOptions Options = new() { FilePath = "/pers", AutoTrim = true, MaxLogEntries = 4 };

    private static long V(uint index) => Versions.Of(7, index);

    /// <summary>Puts versions 1..<paramref name="count"/> as a replica does: the automatic trim first, then the append.</summary>
    private static void PutAll(PersistentLog log, uint count, Func<uint, long>? trimBefore = null)
    {
        for (var i = 1u; i <= count; i++)
        {
            var bound = log.AutoTrimBound(1, new HlcTimestamp(i * 1000, 0));
            if (bound != Versions.None)
            {
                log.Trim(bound);
            }
            log.Append(V(i), new HlcTimestamp(i * 1000, 0), [(byte)i]);
            log.Commit();
        }
    }

    [Fact]
    public void Without_a_limit_a_full_log_trims_down_to_three_quarters_of_max_log_entry()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/pers/field", Options);
        PutAll(log, 10);
        Assert.InRange(log.Count, 3, 4);
        Assert.Equal(V(10) - log.Count, log.TrimmedThrough);
    }

    [Fact]
    public void A_full_log_is_not_trimmed_above_the_frontier_and_a_restart_can_still_truncate_to_it()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/pers/field", Options);
        var frontier = V(2);
        log.TrimLimit = () => frontier;
        PutAll(log, 10);
        // Held back: only what every member logged went; the log is over its limit rather than refusing a put
        // (which would fail at this replica only).
        Assert.Equal(V(2), log.TrimmedThrough);
        Assert.Equal(8, log.Count);
        // A total restart going on from a member whose log ends at the frontier truncates the rest here.
        log.Truncate(frontier);
        Assert.Equal(V(2), log.LatestVersion);

        // As the frontier moves on, the puts trim down to the limit's aim again, never above the frontier.
        for (var i = 3u; i <= 12; i++)
        {
            frontier = V(i - 1);
            var bound = log.AutoTrimBound(1, new HlcTimestamp(i * 1000, 0));
            Assert.True(bound <= frontier, $"put {i}: trim through {bound} above the frontier {frontier}");
            if (bound != Versions.None)
            {
                log.Trim(bound);
            }
            log.Append(V(i), new HlcTimestamp(i * 1000, 0), [(byte)i]);
        }
        Assert.InRange(log.Count, 3, 4);
    }

    [Fact]
    public void An_unknown_frontier_trims_nothing()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/pers/field", Options);
        log.TrimLimit = () => Versions.None;
        PutAll(log, 6);
        Assert.Equal(Versions.None, log.TrimmedThrough);
        Assert.Equal(6, log.Count);
    }

    [Fact]
    public void Versions_past_max_log_age_are_not_trimmed_above_the_frontier()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/pers/field",
            new PersistenceOptions { FilePath = "/pers", MaxLogAge = TimeSpan.FromMilliseconds(2) });
        log.TrimLimit = () => V(3);
        PutAll(log, 9);
        // Every version but the newest two is past the age by the last put; only those up to the frontier went.
        Assert.Equal(V(3), log.TrimmedThrough);
        log.Truncate(V(3));
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void A_limit_between_held_versions_trims_through_the_newest_version_at_or_below_it()
    {
        using var log = PersistentLog.Open(new SimulatedDisk(), "/pers/field", Options);
        PutAll(log, 3);
        log.TrimLimit = () => V(2) + 1; // not a version the log holds
        var bound = log.AutoTrimBound(1, new HlcTimestamp(4000, 0));
        Assert.Equal(Versions.None, bound); // three held and one more fit within four
        log.Append(V(4), new HlcTimestamp(4000, 0), [4]);
        Assert.Equal(V(2), log.AutoTrimBound(1, new HlcTimestamp(5000, 0)));
    }
}
