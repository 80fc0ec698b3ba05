using Derecho.Membership;
using Derecho.Protocol;

namespace Derecho.Tests.Simulation;

/// <summary>What one member instance (node id + incarnation) reported during a run.</summary>
internal sealed class InstanceLog(uint nodeId, ulong incarnation)
{
    public uint NodeId { get; } = nodeId;

    public ulong Incarnation { get; } = incarnation;

    public List<View> Views { get; } = [];

    /// <summary>Per view id and shard (-1: the whole view's order): the deliveries in order, as (sender, payload key).</summary>
    public Dictionary<(int ViewId, int Shard), List<(uint Sender, string Key)>> Deliveries { get; } = [];

    /// <summary>Payload keys this instance sent, by message id.</summary>
    public Dictionary<long, string> Sent { get; } = [];

    /// <summary>The shard each payload key was sent to (-1: the whole view).</summary>
    public Dictionary<string, int> SentTo { get; } = [];

    /// <summary>Completions: payload key → view id.</summary>
    public Dictionary<string, int> Completed { get; } = [];

    public override string ToString() => $"{NodeId}#{Incarnation}";
}

/// <summary>A violated property, naming the seed so the run can be replayed.</summary>
/// <param name="message">What failed.</param>
/// <param name="noProgress">True when the group failed to converge after the faults (liveness), not a safety violation.</param>
internal sealed class SimulationFailure(string message, bool noProgress = false) : Exception(message)
{
    public bool NoProgress { get; } = noProgress;
}

/// <summary>
/// Checks virtual synchrony over the logs of a run: one view sequence; in each view and each shard of the view's
/// plan (and the whole view's order), delivery sequences that are prefixes of one another, equal at the shard's
/// members that install the next view; deliveries only at the shard's members; nothing delivered twice or
/// invented; a delivery reported to its sender delivered at every member of its shard that goes on to the next view.
/// </summary>
internal static class VirtualSynchronyChecker
{
    public static void Check(IReadOnlyList<InstanceLog> logs, IShardPlanner? planner)
    {
        var views = new Dictionary<int, (string Members, InstanceLog By, View View)>();
        var sentBy = new Dictionary<string, InstanceLog>();
        foreach (var log in logs)
        {
            foreach (var key in log.Sent.Values)
            {
                sentBy[key] = log;
            }
        }
        foreach (var log in logs)
        {
            for (var i = 0; i < log.Views.Count; i++)
            {
                var view = log.Views[i];
                var members = string.Join(',', view.Members.Select(m => $"{m.NodeId}#{m.Incarnation}"));
                if (views.TryGetValue(view.Id, out var known) && known.Members != members)
                {
                    throw new SimulationFailure($"view {view.Id} is [{members}] at {log} but [{known.Members}] at {known.By}");
                }
                views[view.Id] = (members, log, view);
                if (i > 0 && view.Id != log.Views[i - 1].Id + 1)
                {
                    throw new SimulationFailure($"{log} installed view {view.Id} after {log.Views[i - 1].Id}");
                }
                if (!view.Members.Any(m => m.NodeId == log.NodeId && m.Incarnation == log.Incarnation))
                {
                    throw new SimulationFailure($"{log} installed view {view.Id} without itself");
                }
            }
            var seen = new HashSet<string>();
            foreach (var ((viewId, shard), deliveries) in log.Deliveries)
            {
                foreach (var (sender, key) in deliveries)
                {
                    if (!seen.Add(key))
                    {
                        throw new SimulationFailure($"{log} delivered {key} twice");
                    }
                    if (!sentBy.TryGetValue(key, out var origin) || origin.NodeId != sender || origin.SentTo[key] != shard)
                    {
                        throw new SimulationFailure($"{log} delivered {key} from {sender} in view {viewId} shard {shard}, which that sender never sent there");
                    }
                }
            }
        }
        foreach (var (viewId, (_, _, view)) in views)
        {
            var plan = planner?.PlanShards(view) ?? [];
            for (var shard = -1; shard < plan.Count; shard++)
            {
                var shardMembers = shard < 0 ? view.Members.Select(m => m.NodeId).ToHashSet() : plan[shard].ToHashSet();
                CheckShard(logs, viewId, shard, shardMembers);
            }
        }
    }

    private static void CheckShard(IReadOnlyList<InstanceLog> logs, int viewId, int shard, HashSet<uint> shardMembers)
    {
        var inView = logs.Where(l => l.Views.Any(v => v.Id == viewId)).ToList();
        foreach (var log in inView)
        {
            if (!shardMembers.Contains(log.NodeId) && log.Deliveries.ContainsKey((viewId, shard)))
            {
                throw new SimulationFailure($"view {viewId}: {log} delivered in shard {shard}, which it is not a member of");
            }
        }
        inView.RemoveAll(l => !shardMembers.Contains(l.NodeId));
        var longest = inView.Select(l => l.Deliveries.GetValueOrDefault((viewId, shard)) ?? []).MaxBy(d => d.Count) ?? [];
        foreach (var log in inView)
        {
            var mine = log.Deliveries.GetValueOrDefault((viewId, shard)) ?? [];
            for (var i = 0; i < mine.Count; i++)
            {
                if (mine[i] != longest[i])
                {
                    throw new SimulationFailure(
                        $"view {viewId} shard {shard}: delivery {i} is {mine[i].Key} at {log} but {longest[i].Key} elsewhere");
                }
            }
            var wentOn = log.Views.Any(v => v.Id == viewId + 1);
            if (wentOn && mine.Count != longest.Count)
            {
                throw new SimulationFailure(
                    $"view {viewId} shard {shard}: {log} installed view {viewId + 1} after {mine.Count} deliveries; another member delivered {longest.Count}");
            }
        }
        foreach (var log in inView)
        {
            foreach (var (key, completedIn) in log.Completed)
            {
                if (completedIn != viewId || log.SentTo[key] != shard)
                {
                    continue;
                }
                foreach (var survivor in inView.Where(l => l.Views.Any(v => v.Id == viewId + 1)))
                {
                    if (!(survivor.Deliveries.GetValueOrDefault((viewId, shard)) ?? []).Exists(d => d.Key == key))
                    {
                        throw new SimulationFailure($"{key} was reported delivered to its sender {log} in view {viewId} shard {shard} but {survivor} never delivered it");
                    }
                }
            }
        }
    }
}
