using Derecho.Membership;
using Derecho.Multicast;
using Derecho.Sst;

namespace Derecho.Protocol;

/// <summary>
/// Shards: each view's plan becomes multicast streams over the one table (stream 0 the whole view, stream k
/// shard k − 1), each with its own order, windows, rings, trim and persistence frontier.
/// </summary>
public sealed partial class Member
{
    private AtomicMulticast?[] _streams = [];
    private long[] _frontiers = [];

    /// <summary>
    /// This member persisted the first <paramref name="count"/> deliveries (by <see cref="Delivery.OrderIndex"/>)
    /// of shard <paramref name="shard"/> (or <see cref="WholeGroup"/>) in view <paramref name="viewId"/>. The
    /// count goes into this member's row; once every member of the shard reported a count, the smallest is the
    /// shard's global persistence frontier (<see cref="PersistedFrontier"/>, <see cref="PersistenceAdvanced"/>).
    /// Reports for another view or a shard this member is not in are ignored; counts only grow and are capped
    /// at what was delivered.
    /// </summary>
    public void ReportPersisted(int shard, int viewId, long count)
    {
        var stream = shard + 1;
        if (Status != MemberStatus.Active || _view!.Id != viewId || stream < 0 || stream >= _streams.Length || _streams[stream] is null)
        {
            return;
        }
        var capped = Math.Min(count, _own.Delivered[stream]);
        if (capped > _own.Persisted[stream])
        {
            _own.Persisted[stream] = capped;
            _table.MarkDirty();
            AfterInput();
        }
    }

    /// <summary>
    /// The global persistence frontier of shard <paramref name="shard"/> in the current view: how many of its
    /// deliveries every member of the shard persisted (0 when this member is not in the shard).
    /// </summary>
    public long PersistedFrontier(int shard) =>
        Status == MemberStatus.Active && shard + 1 >= 0 && shard + 1 < _frontiers.Length ? _frontiers[shard + 1] : 0;

    /// <summary>
    /// The view's streams from the shard plan: per stream the view ranks of its members; stream 0 is every rank.
    /// </summary>
    private int[][] PlanStreams(View view)
    {
        var plan = _options.ShardPlanner?.PlanShards(view) ?? [];
        var streams = new int[plan.Count + 1][];
        streams[0] = [.. Enumerable.Range(0, view.Count)];
        for (var shard = 0; shard < plan.Count; shard++)
        {
            var ranks = new int[plan[shard].Count];
            for (var i = 0; i < ranks.Length; i++)
            {
                ranks[i] = view.RankOf(plan[shard][i]);
                if (ranks[i] < 0 || Array.IndexOf(ranks, ranks[i], 0, i) >= 0)
                {
                    throw new InvalidOperationException(
                        $"the shard plan of view {view.Id} puts node {plan[shard][i]} in shard {shard} twice or while not a member");
                }
            }
            streams[shard + 1] = ranks;
        }
        return streams;
    }

    /// <summary>Creates the view's table and a multicast for every stream this member is in; carried messages go to their stream or fail.</summary>
    private void StartStreams(View view, List<(int Stream, PendingMessage Message)> carried)
    {
        var streams = PlanStreams(view);
        var widths = new int[streams.Length];
        for (var s = 0; s < streams.Length; s++)
        {
            widths[s] = Array.IndexOf(streams[s], _myRank) >= 0 ? streams[s].Length : 0;
        }
        _own.Reset(view.Id, view.Count, widths);
        _table = new SharedStateTable(_myRank, _own, view.Count, streams);
        _table.MarkDirty();
        _streams = new AtomicMulticast?[streams.Length];
        _frontiers = new long[streams.Length];
        for (var s = 0; s < streams.Length; s++)
        {
            if (widths[s] > 0)
            {
                _streams[s] = new AtomicMulticast(_table, view.Id, s, _options);
            }
        }
        foreach (var (stream, message) in carried)
        {
            if (stream < _streams.Length && _streams[stream] is { } multicast)
            {
                multicast.Enqueue(message);
            }
            else
            {
                _outputs.Add(new SendFailed(message.MessageId));
            }
        }
    }

    private void RegisterStreamPredicates()
    {
        foreach (var multicast in _streams)
        {
            if (multicast is null)
            {
                continue;
            }
            // Captured: a trigger may install the next view while this view's predicates are still being evaluated.
            var stream = multicast.Stream;
            var table = _table;
            var frontiers = _frontiers;
            var viewId = _view!.Id;
            table.Predicates.AddRecurrent(multicast.HasStable, () => multicast.DeliverStable(this));
            table.Predicates.AddRecurrent(() => table.MinPersisted(stream) > frontiers[stream], () =>
            {
                frontiers[stream] = table.MinPersisted(stream);
                _outputs.Add(new PersistenceAdvanced(stream - 1, viewId, frontiers[stream]));
            });
        }
    }

    private void FreezeStreams()
    {
        foreach (var multicast in _streams)
        {
            multicast?.Freeze();
        }
    }

    /// <summary>Per stream, per sender, the minimum received over the stream's members this leader does not suspect.</summary>
    private long[][] RaggedTrim()
    {
        var streams = _table.Streams;
        var trim = new long[streams.Length][];
        for (var s = 0; s < streams.Length; s++)
        {
            var ranks = streams[s];
            trim[s] = new long[ranks.Length];
            var survivors = 0;
            Array.Fill(trim[s], long.MaxValue);
            foreach (var rank in ranks)
            {
                if (_own.Suspected[rank])
                {
                    continue;
                }
                survivors++;
                var received = _table[rank]!.Received[s];
                for (var sender = 0; sender < ranks.Length; sender++)
                {
                    trim[s][sender] = Math.Min(trim[s][sender], received[sender]);
                }
            }
            if (survivors == 0)
            {
                Array.Fill(trim[s], 0);
            }
        }
        return trim;
    }

    /// <summary>Delivers every stream up to its trim; returns how many received messages the trims discard.</summary>
    private long DeliverUpToTrims(long[][] trim)
    {
        var discarded = 0L;
        foreach (var multicast in _streams)
        {
            if (multicast is not null)
            {
                discarded += multicast.DeliverUpToTrim(trim[multicast.Stream], this);
            }
        }
        return discarded;
    }

    private void TakeUndelivered(List<(int Stream, PendingMessage Message)> into)
    {
        foreach (var multicast in _streams)
        {
            if (multicast is not null)
            {
                foreach (var message in multicast.TakeUndelivered())
                {
                    into.Add((multicast.Stream, message));
                }
            }
        }
    }
}
