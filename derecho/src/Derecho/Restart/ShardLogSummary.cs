using Derecho.Persistence;

namespace Derecho.Restart;

/// <summary>
/// What a member of a persistent shard tells the others when the shard restarts from its members' own logs: the
/// newest version its logs hold, the newest version of each of the last few views they hold (<see cref="ViewTails"/>),
/// and the ragged trims it logged for the shard. <see cref="RestartRule"/> decides from these whose log the shard goes
/// on from.
/// </summary>
/// <param name="NodeId">The member.</param>
/// <param name="Latest">The newest version in its logs, or <see cref="Versions.None"/>.</param>
/// <param name="ViewTails">Newest first, the newest version of each of the last <see cref="TailViews"/> views its logs hold.</param>
/// <param name="Trims">The ragged trims it logged for the shard (<see cref="RestartState.TrimsOf"/>).</param>
public sealed record ShardLogSummary(uint NodeId, long Latest, IReadOnlyList<long> ViewTails, IReadOnlyList<ShardTrim> Trims)
{
    /// <summary>How many views' tails a summary carries.</summary>
    public const int TailViews = 4;

    /// <summary>The summary of <paramref name="logs"/> (one replicated object's fields) for member <paramref name="nodeId"/>.</summary>
    public static ShardLogSummary Of(uint nodeId, IReadOnlyList<PersistentLog> logs, IReadOnlyList<ShardTrim> trims)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(trims);
        var latest = logs.Select(l => l.LatestVersion).DefaultIfEmpty(Versions.None).Max();
        var tails = new List<long>(TailViews);
        for (var tail = latest; tail != Versions.None && tails.Count < TailViews;)
        {
            tails.Add(tail);
            // The newest version below the views already counted, over every field.
            var below = Versions.Of(Versions.ViewOf(tail), 0) - 1;
            tail = logs.Select(l => l.GetAtOrBefore(below)?.Version ?? Versions.None).DefaultIfEmpty(Versions.None).Max();
        }
        return new ShardLogSummary(nodeId, latest, tails, trims);
    }

    /// <summary>
    /// Whether these logs hold a version that <paramref name="trim"/> excludes. The newest version below the trim's
    /// view decides (versions only grow along a log); when the logs go on through <see cref="TailViews"/> views at or
    /// after the trim's view, their owner lived through it, and they are taken as consistent with it.
    /// </summary>
    public bool Contradicts(ShardTrim trim) =>
        ViewTails.FirstOrDefault(t => Versions.ViewOf(t) < trim.ViewId, Versions.None) is var below && below != Versions.None && trim.Excludes(below);
}

/// <summary>
/// Derecho's total-restart rule for one persistent shard, decided alike by every member from the same summaries.
/// <list type="number">
/// <item>Every member logs, with each view it installs and before it delivers anything in it, the ragged trim of each
/// shard it was in through the view that ended: the newest version the shard delivered before the new view. The
/// trim logged with the newest view is the authoritative one for what came last; the older ones (each member keeps
/// its latest <see cref="RestartState.TrimsPerShard"/>, and the members' sets are pooled) say the same of earlier
/// view changes, and each stays true.</item>
/// <item>A log that holds a version some trim excludes (of a view before the trim's, after its last delivered
/// version: an update of a failed sender that some member logged but the survivors never delivered) is inconsistent
/// and cannot lead.</item>
/// <item>Among the consistent logs the longest leads (the lowest node id among equals); every other member truncates
/// what it logged that the leader's log lacks (so an excluded version goes) and takes the versions it misses (a
/// suffix transfer).</item>
/// </list>
/// Nothing durable everywhere is lost: such a version was logged by every member of the shard, the leader
/// included, and the leader truncates nothing. Some log is always consistent: a member logs only what it delivered,
/// and its trims are what it delivered, so the member that logged the newest trim is. Should every log be
/// inconsistent anyway (a damaged disk), the longest log leads as before.
/// </summary>
public static class RestartRule
{
    /// <summary>The trims the members logged, pooled, newest view first.</summary>
    public static IReadOnlyList<ShardTrim> PooledTrims(IEnumerable<ShardLogSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        return [.. summaries.SelectMany(s => s.Trims).Distinct().OrderByDescending(t => t.ViewId).ThenByDescending(t => t.Last)];
    }

    /// <summary>Whether <paramref name="summary"/>'s logs hold no version that one of <paramref name="trims"/> excludes.</summary>
    public static bool IsConsistent(ShardLogSummary summary, IEnumerable<ShardTrim> trims)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(trims);
        return !trims.Any(summary.Contradicts);
    }

    /// <summary>The member whose log the shard goes on from (see the type's summary).</summary>
    /// <exception cref="ArgumentException">No summaries.</exception>
    public static uint ChooseLeader(IReadOnlyCollection<ShardLogSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        if (summaries.Count == 0)
        {
            throw new ArgumentException("a restart needs at least one member's log summary", nameof(summaries));
        }
        var trims = PooledTrims(summaries);
        var consistent = summaries.Where(s => IsConsistent(s, trims)).ToList();
        var candidates = consistent.Count > 0 ? consistent : [.. summaries];
        return candidates.OrderByDescending(s => s.Latest).ThenBy(s => s.NodeId).First().NodeId;
    }
}
