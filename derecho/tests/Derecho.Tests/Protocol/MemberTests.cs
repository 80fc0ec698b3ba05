using Derecho.Multicast;
using Derecho.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Derecho.Tests.Protocol;

/// <summary>Members wired by an instant in-memory FIFO network, for focused checks of ordering and membership.</summary>
public sealed class MemberTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly Dictionary<uint, Member> _members = [];
    private readonly Dictionary<uint, List<Delivery>> _deliveries = [];
    private readonly Dictionary<uint, List<long>> _completed = [];
    private readonly Queue<(uint From, uint To, ReadOnlyMemory<byte> Body)> _network = new();
    private readonly Dictionary<uint, MemberStopped> _stops = [];
    private readonly List<(uint By, Membership.ViewMember Holder)> _probes = [];

    /// <summary>A process outside the harness's routing by node id (one claiming a live member's id), and the bodies sent to it.</summary>
    private (Member Member, Queue<(uint From, ReadOnlyMemory<byte> Body)> Inbox)? _outsider;

    [Fact]
    public void Three_members_deliver_the_same_total_order_and_senders_learn_delivery()
    {
        Form(3);
        for (var i = 0; i < 50; i++)
        {
            foreach (var (id, member) in _members)
            {
                if (i % (int)id == 0)
                {
                    member.Send(new[] { (byte)id, (byte)i });
                    Pump(id);
                }
            }
            Run();
        }
        var orders = _deliveries.Values.Select(d => d.Select(x => (x.Sender, x.ViewId, x.OrderIndex)).ToList()).ToList();
        Assert.All(orders, o => Assert.Equal(orders[0], o));
        Assert.Equal(50 + 25 + 17, orders[0].Count);
        Assert.All(_members.Keys, id => Assert.Equal(_deliveries[1].Count(d => d.Sender == id), _completed[id].Count));
    }

    [Fact]
    public void An_idle_sender_does_not_stall_the_round()
    {
        Form(3);
        _members[2].Send(new byte[] { 42 });
        Pump(2);
        Run();
        Assert.All(_deliveries.Values, d => Assert.Single(d, x => x.Payload.Span[0] == 42));
    }

    [Theory]
    [InlineData(BulkSchedule.Binomial, 3)]
    [InlineData(BulkSchedule.Binomial, 5)]
    [InlineData(BulkSchedule.Binomial, 6)]
    [InlineData(BulkSchedule.Chain, 3)]
    [InlineData(BulkSchedule.Chain, 5)]
    public void Large_messages_are_relayed_in_blocks_and_keep_their_place_in_the_order(BulkSchedule schedule, int members)
    {
        Form(members, maxSmc: 16, block: 7, schedule: schedule);
        var large = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        _members[1].Send(new byte[] { 1 });
        _members[1].Send(large);
        _members[1].Send(new byte[] { 2 });
        Pump(1);
        Run();
        Assert.All(_deliveries.Values, d =>
        {
            Assert.Equal(3, d.Count);
            Assert.Equal(large, d[1].Payload.ToArray());
        });
    }

    [Fact]
    public void Many_large_messages_in_flight_from_every_sender_are_all_delivered_in_one_order()
    {
        Form(3, maxSmc: 64, block: 1000);
        var payloads = new Dictionary<(uint, int), byte[]>();
        for (var i = 0; i < 20; i++)
        {
            foreach (var id in _members.Keys)
            {
                var large = Enumerable.Range(0, 4000 + i).Select(b => (byte)(b * id + i)).ToArray();
                payloads[(id, i)] = large;
                _members[id].Send(large);
            }
        }
        foreach (var id in _members.Keys)
        {
            Pump(id);
        }
        Run();
        var orders = _deliveries.Values.Select(d => d.Select(x => (x.Sender, x.SenderIndex)).ToList()).ToList();
        Assert.All(orders, o => Assert.Equal(orders[0], o));
        Assert.Equal(60, orders[0].Count);
        Assert.All(_deliveries[2], d => Assert.Equal(payloads[(d.Sender, (int)d.SenderIndex)], d.Payload.ToArray()));
    }

    [Fact]
    public void A_rejoining_member_asks_its_known_members_in_turn_and_starts_alone_only_when_none_answers()
    {
        Form(2);
        Add(Member.Rejoin(Options(3), ["n9", "n2"], TimeSpan.FromSeconds(5), _time));
        for (var i = 0; i < 4 && _members[3].View is null; i++)
        {
            Pump(3);
            Run();
            _time.Advance(TimeSpan.FromMilliseconds(500));
            _members[3].Tick();
        }
        Assert.Equal([1u, 2u, 3u], _members[3].View!.Members.Select(m => m.NodeId));

        var lonely = Member.Rejoin(Options(7), ["n8"], TimeSpan.FromSeconds(2), _time);
        _time.Advance(TimeSpan.FromSeconds(1));
        lonely.Tick();
        Assert.Null(lonely.View);
        _time.Advance(TimeSpan.FromSeconds(1));
        lonely.Tick();
        Assert.Equal(MemberStatus.Active, lonely.Status);
        Assert.Equal(0, lonely.View!.Id);
        Assert.Equal([7u], lonely.View.Members.Select(m => m.NodeId));
    }

    /// <summary>
    /// The group answers once (a member redirects to a leader that crashed already) and then is gone: the rejoining
    /// member starts alone once the wait has passed since that answer, not only when nobody ever answered.
    /// </summary>
    [Fact]
    public void A_rejoining_member_answered_once_starts_alone_once_the_wait_has_passed_since_the_answer()
    {
        Form(2);
        _members.Remove(1);
        Add(Member.Rejoin(Options(3), ["n1", "n2"], TimeSpan.FromSeconds(2), _time));
        Pump(3);
        Run();
        StepAlone(3, 1); // member 2, which has not noticed yet, redirects it to the crashed leader
        _members.Remove(2);
        StepAlone(3, 3); // the wait has passed since the start, not since the answer
        Assert.Equal(MemberStatus.Joining, _members[3].Status);
        StepAlone(3, 1);
        Assert.Equal(MemberStatus.Active, _members[3].Status);
        Assert.Equal([3u], _members[3].View!.Members.Select(m => m.NodeId));
    }

    /// <summary>
    /// The rejoining member knows only member 2, which answers naming its view and then crashes, as the leader did: the
    /// member asks member 3 from then on and waits while it answers, and starts alone once it too is silent.
    /// </summary>
    [Fact]
    public void A_rejoining_member_asks_the_members_the_answers_name_and_starts_alone_once_they_are_all_silent()
    {
        Form(3);
        _members.Remove(1);
        Add(Member.Rejoin(Options(4), ["n2"], TimeSpan.FromSeconds(2), _time));
        Pump(4);
        Run();
        _members.Remove(2);
        StepAlone(4, 10);
        Assert.Equal(MemberStatus.Joining, _members[4].Status);
        _members.Remove(3);
        StepAlone(4, 5);
        Assert.Equal(MemberStatus.Active, _members[4].Status);
        Assert.Equal([4u], _members[4].View!.Members.Select(m => m.NodeId));
    }

    /// <summary>
    /// A leader alone in an inadequate view holds the rejoining member back for far longer than its wait, but answers
    /// every request: the member never starts alone, and is admitted with the third member that makes the view adequate.
    /// </summary>
    [Fact]
    public void A_rejoining_member_held_back_by_a_leader_that_answers_never_starts_alone()
    {
        var holding = Options(1) with { ShardPlanner = new AdequateFromThree(), FormationWait = TimeSpan.FromHours(1) };
        Add(Member.StartGroup(holding, _time));
        Add(Member.Rejoin(Options(3) with { ShardPlanner = holding.ShardPlanner }, ["n1"], TimeSpan.FromSeconds(2), _time));
        for (var i = 0; i < 60; i++)
        {
            Pump(3);
            Run();
            _time.Advance(TimeSpan.FromSeconds(0.5));
            _members[1].Tick();
            _members[3].Tick();
            Pump(1);
        }
        Assert.Equal(MemberStatus.Joining, _members[3].Status);
        Add(Member.Join(Options(2) with { ShardPlanner = holding.ShardPlanner }, "n1", _time));
        Pump(2);
        Pump(3);
        Run();
        Assert.All(_members.Values, m => Assert.Equal([1u, 2u, 3u], m.View!.Members.Select(x => x.NodeId).Order()));
    }

    [Fact]
    public void A_failed_member_is_removed_and_the_survivors_agree_on_what_was_delivered()
    {
        Form(3);
        for (var i = 0; i < 10; i++)
        {
            _members[3].Send(new byte[] { 3, (byte)i });
            Pump(3);
        }
        Run();
        _members[1].ConnectionLost(3);
        _members[2].ConnectionLost(3);
        _members.Remove(3);
        Pump(1);
        Pump(2);
        Run();
        Assert.Equal([1u, 2u], _members[1].View!.Members.Select(m => m.NodeId));
        Assert.Equal(_members[1].View!.Id, _members[2].View!.Id);
        Assert.Equal(_deliveries[1].Select(d => d.Payload.ToArray()), _deliveries[2].Select(d => d.Payload.ToArray()));
        _members[2].Send(new byte[] { 9 });
        Pump(2);
        Run();
        Assert.Contains(_deliveries[1], d => d.Payload.Span[0] == 9);
    }

    [Fact]
    public void Silence_leads_to_suspicion_and_a_minority_stops()
    {
        Form(3);
        _members.Remove(2);
        _members.Remove(3);
        for (var i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            _members[1].Tick();
            Pump(1);
            _network.Clear();
        }
        Assert.Equal(MemberStatus.Stopped, _members[1].Status);
        Assert.Equal(StopReason.LostMajority, _members[1].StopReason);
    }

    [Fact]
    public void A_member_that_did_not_run_past_the_suspicion_timeout_suspects_nobody_for_it()
    {
        Form(3);
        // Member 1 stalls for three timeouts (starved, paused): the others' rows wait unread.
        _time.Advance(TimeSpan.FromSeconds(3));
        _members[1].Tick();
        Assert.False(_members[1].IsWedged);
        Pump(1);
        Run();
        // The others go on; a silent one is still suspected a timeout later, and a minority stops.
        _members.Remove(2);
        _members.Remove(3);
        for (var i = 0; i < 30 && _members[1].Status == MemberStatus.Active; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            _members[1].Tick();
            Pump(1);
            _network.Clear();
        }
        Assert.Equal(StopReason.LostMajority, _members[1].StopReason);
    }

    [Fact]
    public void A_member_leaves_gracefully()
    {
        Form(3);
        _members[2].Leave();
        Pump(2);
        Run();
        Assert.Equal(StopReason.Left, _members[2].StopReason);
        Assert.Equal([1u, 3u], _members[1].View!.Members.Select(m => m.NodeId));
    }

    [Fact]
    public void Bad_options_name_the_setting()
    {
        var options = Options(1) with { WindowSize = 0 };
        var e = Assert.Throws<ArgumentException>(() => Member.StartGroup(options, _time));
        Assert.Contains("WindowSize", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_shard_orders_its_own_messages_among_its_members_only()
    {
        Form(4, planner: new PairShards());
        for (var i = 0; i < 30; i++)
        {
            foreach (var (id, member) in _members)
            {
                var shard = id <= 2 ? 0 : 1;
                Assert.True(member.IsShardMember(shard));
                Assert.False(member.IsShardMember(1 - shard));
                member.Send(shard, new[] { (byte)id, (byte)i });
                Pump(id);
            }
            Run();
        }
        foreach (var (id, deliveries) in _deliveries)
        {
            var mine = id <= 2 ? 0 : 1;
            Assert.All(deliveries.Where(d => d.ViewId == 3), d => Assert.Equal(mine, d.Shard));
            Assert.Equal(60, deliveries.Count(d => d.ViewId == 3));
        }
        Assert.Equal(Order(1), Order(2));
        Assert.Equal(Order(3), Order(4));
        Assert.Throws<InvalidOperationException>(() => _members[1].Send(1, new byte[] { 1 }));

        List<(uint, long)> Order(uint id) => [.. _deliveries[id].Where(d => d.ViewId == 3).Select(d => (d.Sender, d.OrderIndex))];
    }

    [Theory]
    [InlineData(BulkSchedule.Binomial)]
    [InlineData(BulkSchedule.Chain)]
    public void Large_messages_in_overlapping_shards_travel_among_each_shards_members(BulkSchedule schedule)
    {
        Form(5, maxSmc: 16, block: 7, planner: new OddAndUpperShards(), schedule: schedule);
        var sent = new Dictionary<(uint, int), byte[]>();
        for (var i = 0; i < 6; i++)
        {
            foreach (var (id, member) in _members)
            {
                for (var shard = 0; shard < 2; shard++)
                {
                    if (member.IsShardMember(shard))
                    {
                        var payload = Enumerable.Range(0, 40 + (7 * i) + shard).Select(b => (byte)(b + id + (10 * i))).ToArray();
                        sent[(id, (2 * i) + shard)] = payload;
                        member.Send(shard, payload);
                    }
                }
                Pump(id);
            }
            Run();
        }
        for (var shard = 0; shard < 2; shard++)
        {
            var holders = _members.Keys.Where(id => _members[id].IsShardMember(shard)).ToList();
            var orders = holders.Select(id => _deliveries[id].Where(d => d.Shard == shard).Select(d => (d.Sender, d.OrderIndex, Payload: Convert.ToHexString(d.Payload.Span))).ToList()).ToList();
            Assert.All(orders, order => Assert.Equal(orders[0], order));
            Assert.Equal(6 * holders.Count, orders[0].Count);
            Assert.All(orders[0], d => Assert.Contains(d.Payload, sent.Values.Select(v => Convert.ToHexString(v))));
        }
    }

    [Fact]
    public void A_shard_persistence_frontier_is_the_minimum_its_members_reported()
    {
        Form(4, planner: new PairShards());
        for (var i = 0; i < 5; i++)
        {
            _members[1].Send(0, new[] { (byte)i });
        }
        Pump(1);
        Run();
        var view = _members[1].View!.Id;
        var delivered = _deliveries[2].Count(d => d.Shard == 0 && d.ViewId == view);
        Assert.Equal(5, delivered);
        var last = _deliveries[2].Last(d => d.Shard == 0).OrderIndex + 1;
        var frontiers = new List<PersistenceAdvanced>();
        _members[1].ReportPersisted(0, view, last);
        frontiers.AddRange(Report(1));
        Run();
        Assert.Equal(0, _members[2].PersistedFrontier(0));
        _members[2].ReportPersisted(0, view, 2);
        _members[3].ReportPersisted(0, view, 2);
        frontiers.AddRange(Report(2).Concat(Report(3)));
        Run();
        Assert.Equal([new PersistenceAdvanced(0, view, 2)], frontiers);
        Assert.Equal(2, _members[1].PersistedFrontier(0));
        Assert.Equal(0, _members[3].PersistedFrontier(0));
        _members[2].ReportPersisted(0, view, 1_000);
        Pump(2);
        Run();
        Assert.Equal(last, _members[1].PersistedFrontier(0));
        Assert.Equal(last, _members[2].PersistedFrontier(0));

        IEnumerable<PersistenceAdvanced> Report(uint id)
        {
            var outputs = new List<MemberOutput>();
            _members[id].DrainOutputs(outputs);
            foreach (var send in outputs.OfType<SendToPeer>())
            {
                _network.Enqueue((id, send.To!.Value, send.WholeBody()));
            }
            return outputs.OfType<PersistenceAdvanced>();
        }
    }

    /// <summary>
    /// A member that a newer incarnation of its node id replaced in the next view (the leader took that for a restart)
    /// used to stop as merely "removed", or worse, "lost a majority": it says it was replaced, and by whom.
    /// </summary>
    [Fact]
    public void A_member_replaced_by_a_newer_incarnation_of_its_id_says_so_and_by_whom()
    {
        Form(3);
        var old = _members[3];
        var successor = new Membership.ViewMember(3, 2, "n3");
        _members[1].Receive(3, MessageCodec.Encode(new JoinRequest(successor, new byte[] { 0 }), new WireWriter()));
        Pump(1);
        Run();
        for (var step = 0; step < 20 && old.Status != MemberStatus.Stopped; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            foreach (var id in _members.Keys)
            {
                _members[id].Tick();
                Pump(id);
            }
            Run();
        }
        Assert.Equal(StopReason.Replaced, old.StopReason);
        Assert.Contains("node 3 at n3 (incarnation 2)", _stops[3].Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// A member frozen (no crash, so no connection breaks) and restarted at another address: Derecho, and this
    /// implementation until now, refused the new incarnation for good while the old one was not yet suspected. The
    /// leader probes the old address instead; nothing answers there, so the old incarnation is suspected and the new
    /// one admitted at once, long before the suspicion timeout would have removed the old one.
    /// </summary>
    [Fact]
    public void A_member_restarted_at_another_address_while_its_old_process_is_frozen_is_admitted_once_the_probe_finds_nothing_there_and_stays()
    {
        Form(3);
        var oldSelf = _members[3].View!.Members.Single(m => m.NodeId == 3);
        // The old process is frozen: from now on node 3's traffic reaches the new process only.
        Add(Member.Join(Options(3) with { Incarnation = 2, Endpoint = "n103" }, "n1", _time));
        Pump(3);
        Run();
        Assert.Equal([(1u, oldSelf)], _probes);
        Assert.Equal(MemberStatus.Joining, _members[3].Status);
        _members[1].ProbeAnswered(oldSelf, alive: false);
        Pump(1);
        Run();
        var admitted = _members[3];
        Assert.Equal(MemberStatus.Active, admitted.Status);
        Assert.All(new uint[] { 1, 2, 3 }, id => Assert.Contains(new Membership.ViewMember(3, 2, "n103"), _members[id].View!.Members));

        // A connect to the old address (begun for the old incarnation, failing late) says nothing about the new
        // one; it used to get it suspected right after its admission. One to its own address does.
        var view = _members[1].View!.Id;
        _members[1].ConnectFailed(3, "n3");
        Pump(1);
        Run();
        Assert.False(_members[1].IsWedged);
        Assert.Equal(view, _members[2].View!.Id);
        _members[1].ConnectFailed(3, "n103");
        Assert.True(_members[1].IsWedged);
    }

    /// <summary>
    /// A process at another address with the node id of a member that answers the probe at its own address is
    /// refused (it would evict a live member); the group keeps its view, and the answer about the holder is asked
    /// for once however often the claimant asks meanwhile.
    /// </summary>
    [Fact]
    public void A_process_claiming_the_id_of_a_member_that_answers_the_probe_is_refused_and_the_view_stays()
    {
        Form(3);
        var view = _members[1].View!;
        var holder = view.Members.Single(m => m.NodeId == 3);
        var claimant = Member.Join(Options(3) with { Incarnation = 2, Endpoint = "n103" }, "n2", _time);
        _outsider = (claimant, new Queue<(uint, ReadOnlyMemory<byte>)>());
        for (var attempt = 0; attempt < 3; attempt++)
        {
            PumpOutsider();
            Run();
            _time.Advance(Options(3).JoinRetryInterval);
            claimant.Tick();
        }
        Assert.Equal([(2u, holder)], _probes);
        _members[2].ProbeAnswered(holder, alive: true);
        Pump(2);
        Run();
        PumpOutsider();
        Assert.Equal(StopReason.IdInUse, claimant.StopReason);
        Assert.All(_members.Values, m => Assert.Equal($"{view} {string.Join(',', view.Members)}", $"{m.View} {string.Join(',', m.View!.Members)}"));
        Assert.All(_members.Values, m => Assert.Equal(MemberStatus.Active, m.Status));
    }

    /// <summary>Carries the outsider's outputs to the members and the bodies sent to it into it.</summary>
    private void PumpOutsider()
    {
        var (member, inbox) = _outsider!.Value;
        while (inbox.TryDequeue(out var message))
        {
            member.Receive(message.From, message.Body);
        }
        var outputs = new List<MemberOutput>();
        member.DrainOutputs(outputs);
        foreach (var send in outputs.OfType<SendToPeer>())
        {
            _network.Enqueue((member.NodeId, send.To ?? uint.Parse(send.Endpoint.AsSpan(1), provider: null), send.WholeBody()));
        }
    }

    private static MemberOptions Options(uint id, int maxSmc = 10240, int block = 4096, BulkSchedule schedule = BulkSchedule.Binomial) => new()
    {
        NodeId = id,
        Incarnation = 1,
        Endpoint = $"n{id}",
        MaxSmcPayloadSize = maxSmc,
        BlockSize = block,
        BulkSchedule = schedule,
    };

    private void Form(int count, int maxSmc = 10240, int block = 4096, IShardPlanner? planner = null, BulkSchedule schedule = BulkSchedule.Binomial)
    {
        Add(Member.StartGroup(Options(1, maxSmc, block, schedule) with { ShardPlanner = planner }, _time));
        for (uint id = 2; id <= count; id++)
        {
            Add(Member.Join(Options(id, maxSmc, block, schedule) with { ShardPlanner = planner }, "n1", _time));
            Pump(id);
            Run();
        }
        Assert.All(_members.Values, m => Assert.Equal(count, m.View!.Count));
    }

    /// <summary>Half-second steps in which only member <paramref name="id"/> ticks, each followed by the network.</summary>
    private void StepAlone(uint id, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(0.5));
            _members[id].Tick();
            Pump(id);
            Run();
        }
    }

    private void Add(Member member)
    {
        _members[member.NodeId] = member;
        _deliveries[member.NodeId] = [];
        _completed[member.NodeId] = [];
    }

    private void Pump(uint id)
    {
        var outputs = new List<MemberOutput>();
        _members[id].DrainOutputs(outputs);
        foreach (var output in outputs)
        {
            if (output is SendToJoiner toOutsider && _outsider is { } outsider
                && toOutsider.Joiner == new Membership.ViewMember(outsider.Member.NodeId, 2, "n103"))
            {
                outsider.Inbox.Enqueue((id, toOutsider.Body));
                continue;
            }
            switch (output is SendToJoiner joiner ? joiner.ToPeer() : output)
            {
                case SendToPeer send:
                    _network.Enqueue((id, send.To ?? uint.Parse(send.Endpoint.AsSpan(1), provider: null), send.WholeBody()));
                    break;
                case ProbeMember probe:
                    _probes.Add((id, probe.Holder));
                    break;
                case Delivery delivery:
                    _deliveries[id].Add(delivery);
                    break;
                case SendCompleted completed:
                    _completed[id].Add(completed.MessageId);
                    break;
                case MemberStopped stopped:
                    _stops[id] = stopped;
                    break;
            }
        }
    }

    private void Run()
    {
        while (_network.TryDequeue(out var message))
        {
            if (_members.TryGetValue(message.To, out var member))
            {
                member.Receive(message.From, message.Body);
                Pump(message.To);
            }
        }
    }

    /// <summary>Shard 0: the odd node ids; shard 1: the ids from 2 up (overlapping, with gaps between a shard's ranks).</summary>
    private sealed class OddAndUpperShards : IShardPlanner
    {
        public IReadOnlyList<IReadOnlyList<uint>> PlanShards(Membership.View view)
        {
            var ids = view.Members.Select(m => m.NodeId).ToList();
            return [[.. ids.Where(id => id % 2 == 1)], [.. ids.Where(id => id >= 2)]];
        }
    }

    /// <summary>No shards; a view is adequate from three members on (a leader alone holds joiners until then).</summary>
    private sealed class AdequateFromThree : IShardPlanner
    {
        public IReadOnlyList<IReadOnlyList<uint>> PlanShards(Membership.View view) => [];

        public bool IsAdequate(Membership.View view) => view.Count >= 3;
    }

    /// <summary>Shard 0: nodes 1 and 2; shard 1: nodes 3 and 4 (whichever of them are in the view).</summary>
    private sealed class PairShards : IShardPlanner
    {
        public IReadOnlyList<IReadOnlyList<uint>> PlanShards(Membership.View view)
        {
            var ids = view.Members.Select(m => m.NodeId).ToList();
            return [[.. ids.Where(id => id <= 2)], [.. ids.Where(id => id > 2)]];
        }
    }
}
