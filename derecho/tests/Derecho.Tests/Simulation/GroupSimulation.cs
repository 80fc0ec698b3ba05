using System.Buffers.Binary;
using System.Text;
using Derecho.Membership;
using Derecho.Multicast;
using Derecho.Protocol;
using Derecho.Restart;
using Microsoft.Extensions.Time.Testing;

namespace Derecho.Tests.Simulation;

/// <summary>Which hard situations a run produced (summed over seeds for the coverage assertions).</summary>
internal sealed class Coverage
{
    public int LeaderLostMidChange { get; set; }

    public int TrimsDiscarding { get; set; }

    public int JoinsRacingFailures { get; set; }

    public int PartitionsHealed { get; set; }

    public int ProposalsAdopted { get; set; }

    public int ViewChanges { get; set; }

    public int LargeMessagesDelivered { get; set; }

    public int ShardDeliveries { get; set; }

    public int StateTransfers { get; set; }

    public int ShardStatesLost { get; set; }

    public int ShardsDropped { get; set; }

    public int BatchedAdmissions { get; set; }

    public void Add(Coverage other)
    {
        LeaderLostMidChange += other.LeaderLostMidChange;
        TrimsDiscarding += other.TrimsDiscarding;
        JoinsRacingFailures += other.JoinsRacingFailures;
        PartitionsHealed += other.PartitionsHealed;
        ProposalsAdopted += other.ProposalsAdopted;
        ViewChanges += other.ViewChanges;
        LargeMessagesDelivered += other.LargeMessagesDelivered;
        ShardDeliveries += other.ShardDeliveries;
        StateTransfers += other.StateTransfers;
        ShardStatesLost += other.ShardStatesLost;
        ShardsDropped += other.ShardsDropped;
        BatchedAdmissions += other.BatchedAdmissions;
    }

    public override string ToString() =>
        $"leader lost mid-change {LeaderLostMidChange}, trims discarding {TrimsDiscarding}, joins racing failures {JoinsRacingFailures}, " +
        $"partitions healed {PartitionsHealed}, proposals adopted {ProposalsAdopted}, view changes {ViewChanges}, large messages {LargeMessagesDelivered}, shard deliveries {ShardDeliveries}, " +
        $"shard states transferred {StateTransfers}, replicas that lost their shard's state with every holder and refuse calls {ShardStatesLost}, " +
        $"views with fewer shards than the one before {ShardsDropped}, leaders alone admitting several held joiners at once {BatchedAdmissions}";
}

/// <summary>
/// One seeded run: every member runs the real <see cref="Member"/> code in this process over a simulated network
/// (per-link FIFO with random delays, connection resets, partitions that hold traffic like TCP retransmission and
/// heal) and simulated time. Faults crash members (the leader too, also in the middle of a view change), restart
/// them as new incarnations, add joiners, make members leave, and partition a minority. Afterwards every
/// partition heals and every stopped member rejoins; the run must converge to one view of all of them that
/// delivers fresh messages (progress), and the logs must satisfy virtual synchrony.
/// </summary>
internal sealed class GroupSimulation
{
    private const long Ms = 1000;
    private const long FaultsEnd = 1200 * Ms;
    private const long Deadline = 12_000 * Ms;
    private const int MaxNodes = 7;
    private const int MaxSmc = 48;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly int _seed;
    private readonly Random _random;
    private readonly FakeTimeProvider _time = new(Epoch);
    private readonly PriorityQueue<Action, (long Time, long Seq)> _events = new();
    private readonly Dictionary<uint, Node> _current = [];
    private readonly List<InstanceLog> _logs = [];
    private readonly List<Member> _members = [];
    private readonly Dictionary<(uint, uint), Link> _links = [];
    private readonly Dictionary<(uint, uint, bool), long> _lastArrival = [];
    private readonly HashSet<uint> _minority = [];
    private readonly List<MemberOutput> _outputs = [];
    private readonly List<string> _trace = [];
    private readonly bool _verbose;
    private long _now;
    private long _sequence;
    private bool _faultsOver;
    private bool _shardFinalsSent;
    private bool _armLeaderCrash;
    private int _partitionsHealedPending;

    private readonly OverlappingShards? _planner;
    private readonly ShardReplicas? _replicas;

    /// <summary>
    /// A run; every third seed lays the views out in shards (<see cref="OverlappingShards"/>), each with its own
    /// total order, and half of those in as many shards as the view's size allows.
    /// </summary>
    public GroupSimulation(int seed, bool verbose = false)
    {
        _seed = seed;
        _random = new Random(seed);
        _verbose = verbose;
        _planner = seed % 3 == 0 ? new OverlappingShards(varying: seed % 6 == 3) : null;
        _replicas = _planner is null ? null : new ShardReplicas(_planner, Coverage);
    }

    public Coverage Coverage { get; } = new();

    public IReadOnlyList<string> Trace => _trace;

    /// <summary>Runs the schedule; throws <see cref="SimulationFailure"/> naming the seed when a property fails.</summary>
    public void Run()
    {
        try
        {
            RunSchedule();
            VirtualSynchronyChecker.Check(_logs, _planner);
            foreach (var member in _members)
            {
                Coverage.TrimsDiscarding += member.Stats.TrimsDiscarding;
                Coverage.ProposalsAdopted += member.Stats.ProposalsAdopted;
                Coverage.BatchedAdmissions += member.Stats.BatchedAdmissions;
            }
        }
        catch (Exception e) when (e is not SimulationFailure)
        {
            throw new SimulationFailure($"seed {_seed} (replay with DERECHO_SEED={_seed}): {e}");
        }
        catch (SimulationFailure e)
        {
            throw new SimulationFailure($"seed {_seed} (replay with DERECHO_SEED={_seed}): {e.Message}", e.NoProgress);
        }
    }

    private void RunSchedule()
    {
        var initial = _random.Next(3, 6);
        Start(1, join: false);
        for (uint id = 2; id <= initial; id++)
        {
            var node = id;
            At(_random.Next(1, 80) * Ms, () => Start(node, join: true));
        }
        var next = 200 * Ms;
        while (next < FaultsEnd)
        {
            At(next, Fault);
            next += _random.Next(20, 150) * Ms;
        }
        At(FaultsEnd, EndFaults);
        var converged = false;
        var finalSent = false;
        var finalKeys = new List<(string Key, int Shard)>();
        var budget = 3_000_000;
        while (_events.TryDequeue(out var action, out var when))
        {
            if (--budget == 0)
            {
                throw new SimulationFailure($"more than 3,000,000 events by {_now / 1000} ms: a storm or a loop");
            }
            if (when.Time > Deadline)
            {
                break;
            }
            _now = when.Time;
            _time.SetUtcNow(Epoch + TimeSpan.FromTicks(_now * 10));
            action();
            if (!_faultsOver || _now < FaultsEnd + (300 * Ms))
            {
                continue;
            }
            if (!converged && Converged())
            {
                converged = true;
                foreach (var node in _current.Values)
                {
                    var id = node.Member.Send(Payload(node, $"final{node.NodeId}", large: false, out var key));
                    node.Log.Sent[id] = key;
                    node.Log.SentTo[key] = Member.WholeGroup;
                    finalKeys.Add((key, Member.WholeGroup));
                    Drain(node);
                }
                finalSent = true;
            }
            if (finalSent && _current.Values.All(n => finalKeys.All(k => Delivered(n, k.Key) || !n.Member.IsShardMember(k.Shard)))
                && !SendShardFinals(finalKeys))
            {
                _replicas?.CheckFinal(_current.Values.Select(n => (n.NodeId, n.Replicas)), _current.Values.First().Member.View!);
                Coverage.PartitionsHealed += _partitionsHealedPending;
                return;
            }
        }
        var states = string.Join("; ", _current.Values.Select(n => $"{n.Log} {n.Member.Status} {n.Member.StopReason} {n.Member.View} wedged={n.Member.IsWedged}"));
        throw new SimulationFailure($"no progress after the faults ended (converged={converged}): {states}", noProgress: true);
    }

    /// <summary>
    /// Once: every member sends a last message in each shard it is in, so that once they are delivered everywhere
    /// (each after its sender's earlier messages) the shards are quiescent. True when it sent them.
    /// </summary>
    private bool SendShardFinals(List<(string Key, int Shard)> finalKeys)
    {
        if (_planner is null || _shardFinalsSent)
        {
            return false;
        }
        _shardFinalsSent = true;
        foreach (var node in _current.Values)
        {
            for (var shard = 0; shard < node.Member.ShardCount; shard++)
            {
                if (node.Member.IsShardMember(shard))
                {
                    var id = node.Member.Send(shard, Payload(node, $"final{node.NodeId}s{shard}", large: false, out var key));
                    node.Log.Sent[id] = key;
                    node.Log.SentTo[key] = shard;
                    finalKeys.Add((key, shard));
                }
            }
            Drain(node);
        }
        return true;
    }

    private static bool Delivered(Node node, string key) => node.Log.Deliveries.Values.Any(d => d.Exists(x => x.Key == key));

    private bool Converged()
    {
        var nodes = _current.Values.ToList();
        if (nodes.Any(n => n.Crashed || n.Member.Status != MemberStatus.Active || n.Member.IsWedged))
        {
            return false;
        }
        var view = nodes[0].Member.View!;
        return nodes.All(n => n.Member.View!.Id == view.Id) && view.Count == nodes.Count
            && nodes.All(n => view.Members.Any(m => m.NodeId == n.NodeId && m.Incarnation == n.Incarnation));
    }

    private void At(long time, Action action) => _events.Enqueue(action, (time, _sequence++));

    private void Log(string line)
    {
        if (_verbose)
        {
            _trace.Add($"{_now / 1000.0,9:F3} {line}");
        }
    }

    private MemberOptions Options(uint id, ulong incarnation) => new()
    {
        ShardPlanner = _planner,
        NodeId = id,
        Incarnation = incarnation,
        Endpoint = $"n{id}",
        HeartbeatInterval = TimeSpan.FromMilliseconds(20),
        SuspicionTimeout = TimeSpan.FromMilliseconds(150),
        JoinRetryInterval = TimeSpan.FromMilliseconds(60),
        WindowSize = 8,
        MaxSmcPayloadSize = MaxSmc,
        MaxPayloadSize = 4096,
        BlockSize = 40,
        // Both schedules of large messages, without drawing from the seed's random sequence: the binomial one on a
        // third of the seeds (unsharded ones; MemberTests relays large messages in shards along it).
        BulkSchedule = _seed % 3 == 1 ? BulkSchedule.Binomial : BulkSchedule.Chain,
    };

    private void Start(uint id, bool join)
    {
        var incarnation = _current.TryGetValue(id, out var earlier) ? earlier.Incarnation + 1 : 1;
        Member member;
        var contacts = _current.Values.Where(n => !n.Crashed && n.NodeId != id && n.Member.Status == MemberStatus.Active).ToList();
        if (join && id == 1)
        {
            // The contact restarts as the product's does with its view file: it rejoins through the members of the
            // last view with others it installed, and starts a group alone once none of them has answered for a few
            // suspicion timeouts (a total failure, say after a safe but unlucky adoption of a proposal that left no
            // majority alive, or the group died while it asked); without such a view, at once. The group is numbered
            // past every view so far, with a restart's margin for views a dying group installs meanwhile.
            var options = Options(id, incarnation) with
            {
                FirstViewId = _logs.SelectMany(l => l.Views).Max(v => v.Id) + RestartState.RestartViewMargin,
            };
            var known = _logs.Where(l => l.NodeId == id).SelectMany(l => l.Views).LastOrDefault(v => v.Count > 1)?.Members
                .Where(m => m.NodeId != id).Select(m => m.Endpoint).ToList() ?? [];
            member = known.Count > 0 ? Member.Rejoin(options, known, 4 * options.SuspicionTimeout, _time) : Member.StartGroup(options, _time);
            Log($"contact rejoins through [{string.Join(',', known)}], alone from view {options.FirstViewId}");
        }
        else if (join)
        {
            var contact = contacts.Count > 0 ? contacts[_random.Next(contacts.Count)].NodeId : 1u;
            member = Member.Join(Options(id, incarnation), $"n{contact}", _time);
        }
        else
        {
            member = Member.StartGroup(Options(id, incarnation), _time);
        }
        var node = new Node(id, incarnation, member);
        _current[id] = node;
        _logs.Add(node.Log);
        _members.Add(member);
        Log($"start {node.Log} join={join}");
        Drain(node);
        ScheduleWorkload(node);
    }

    private void ScheduleWorkload(Node node) => At(_now + (_random.Next(4, 20) * Ms), () =>
    {
        if (node.Crashed || node.Member.Status == MemberStatus.Stopped || _faultsOver && _now > FaultsEnd + (200 * Ms))
        {
            return;
        }
        var burst = _random.Next(8) == 0 ? _random.Next(2, 12) : 1;
        for (var i = 0; i < burst && !node.Leaving; i++)
        {
            var large = _random.Next(10) == 0;
            var shards = Enumerable.Range(0, node.Member.ShardCount).Where(node.Member.IsShardMember).Prepend(Member.WholeGroup).ToList();
            var shard = shards[_random.Next(shards.Count)];
            var id = node.Member.Send(shard, Payload(node, $"{node.Counter++}", large, out var key));
            node.Log.Sent[id] = key;
            node.Log.SentTo[key] = shard;
        }
        Drain(node);
        ScheduleWorkload(node);
    });

    private static byte[] Payload(Node node, string suffix, bool large, out string key)
    {
        key = $"{node.NodeId}.{node.Incarnation}.{suffix}";
        var text = Encoding.UTF8.GetBytes(key);
        var payload = new byte[large ? 4 + text.Length + 150 : 4 + text.Length];
        BinaryPrimitives.WriteInt32LittleEndian(payload, text.Length);
        text.CopyTo(payload, 4);
        for (var i = 4 + text.Length; i < payload.Length; i++)
        {
            payload[i] = (byte)(i * 31);
        }
        return payload;
    }

    private static string KeyOf(ReadOnlySpan<byte> payload)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload);
        for (var i = 4 + length; i < payload.Length; i++)
        {
            if (payload[i] != (byte)(i * 31))
            {
                throw new SimulationFailure("a delivered payload was corrupted");
            }
        }
        return Encoding.UTF8.GetString(payload.Slice(4, length));
    }

    private void Drain(Node node)
    {
        if (node.Crashed)
        {
            return;
        }
        node.Member.DrainOutputs(_outputs);
        if (_verbose && node.Member.SuspectsForTrace != node.LastTrace)
        {
            node.LastTrace = node.Member.SuspectsForTrace;
            Log($"{node.Log} suspects [{node.LastTrace}] leader={node.Member.IsLeader}");
        }
        foreach (var output in _outputs)
        {
            switch (output)
            {
                case SendToPeer send:
                    Transmit(node, send);
                    break;
                case SendToJoiner joiner:
                    Transmit(node, joiner.ToPeer());
                    break;
                case Delivery delivery:
                    var key = KeyOf(delivery.Payload.Span);
                    if (!node.Log.Deliveries.TryGetValue((delivery.ViewId, delivery.Shard), out var list))
                    {
                        node.Log.Deliveries[(delivery.ViewId, delivery.Shard)] = list = [];
                    }
                    list.Add((delivery.Sender, key));
                    if (delivery.Shard >= 0)
                    {
                        ShardReplicas.OnDelivery(node.Replicas, node.NodeId, delivery.Shard, key);
                    }
                    Coverage.ShardDeliveries += delivery.Shard >= 0 ? 1 : 0;
                    if (delivery.Payload.Length > MaxSmc)
                    {
                        Coverage.LargeMessagesDelivered++;
                    }
                    break;
                case ViewInstalled installed:
                    OnView(node, installed.View);
                    _replicas?.OnView(node.Replicas, node.NodeId, installed.View);
                    break;
                case SendCompleted completed:
                    node.Log.Completed[node.Log.Sent[completed.MessageId]] = completed.ViewId;
                    break;
                case MemberStopped stopped:
                    Log($"{node.Log} stopped: {stopped.Reason}");
                    if (!node.RestartScheduled)
                    {
                        node.RestartScheduled = true;
                        var id = node.NodeId;
                        At(_now + (_random.Next(20, 200) * Ms), () => Start(id, join: true));
                    }
                    break;
            }
        }
        _outputs.Clear();
        ScheduleTick(node);
    }

    private void OnView(Node node, View view)
    {
        Log($"{node.Log} installs {view} joined [{string.Join(',', view.Joined)}] departed [{string.Join(',', view.Departed)}]");
        if (node.Log.Views.Count == 0 || node.Log.Views[^1].Id < view.Id)
        {
            node.Log.Views.Add(view);
        }
        if (_logs.Count(l => l.Views.Any(v => v.Id == view.Id)) == 1)
        {
            Coverage.ViewChanges++;
            if (view.Id > 0 && view.Joined.Count > 0 && view.Departed.Count > 0)
            {
                Coverage.JoinsRacingFailures++;
            }
            if (_planner is not null && node.Log.Views.Count > 1 && _planner.PlanShards(view).Count < _planner.PlanShards(node.Log.Views[^2]).Count)
            {
                Coverage.ShardsDropped++;
            }
        }
    }

    private void ScheduleTick(Node node)
    {
        if (node.Member.Status == MemberStatus.Stopped)
        {
            return;
        }
        var deadline = node.Member.NextDeadline;
        var at = Math.Max(_now, ((deadline - Epoch).Ticks + 9) / 10);
        if (at >= node.ScheduledTick)
        {
            return;
        }
        node.ScheduledTick = at;
        At(at, () =>
        {
            if (node.ScheduledTick != at || node.Crashed)
            {
                return;
            }
            node.ScheduledTick = long.MaxValue;
            node.Member.Tick();
            Drain(node);
            CheckArmedCrash();
        });
    }

    private Link LinkOf(uint a, uint b)
    {
        var key = a < b ? (a, b) : (b, a);
        if (!_links.TryGetValue(key, out var link))
        {
            _links[key] = link = new Link();
        }
        return link;
    }

    private void Transmit(Node from, SendToPeer send)
    {
        var to = send.To ?? uint.Parse(send.Endpoint.AsSpan(1), provider: null);
        if (to == from.NodeId)
        {
            return;
        }
        var link = LinkOf(from.NodeId, to);
        if (_now < link.DownUntil)
        {
            return;
        }
        var body = send.WholeBody();
        if (link.Partitioned)
        {
            link.Held.Add((from, to, body, send.Bulk));
            return;
        }
        Schedule(from, to, link.Epoch, body, send.Bulk);
    }

    /// <summary>Per link two FIFO lanes, like the transport's: bulk bodies (blocks of large messages) and the rest may overtake each other.</summary>
    private void Schedule(Node from, uint to, int epoch, ReadOnlyMemory<byte> body, bool bulk)
    {
        var delay = _random.Next(10) == 0 ? _random.Next(1000, 8000) : _random.Next(50, 1500);
        var arrival = Math.Max(_now + delay, _lastArrival.GetValueOrDefault((from.NodeId, to, bulk)) + 1);
        _lastArrival[(from.NodeId, to, bulk)] = arrival;
        At(arrival, () =>
        {
            var link = LinkOf(from.NodeId, to);
            if (link.Epoch != epoch || from.Crashed || !_current.TryGetValue(to, out var target) || target.Crashed)
            {
                return;
            }
            target.Member.Receive(from.NodeId, body);
            Drain(target);
            CheckArmedCrash();
        });
    }

    private void Fault()
    {
        var live = _current.Values.Where(n => !n.Crashed && n.Member.Status == MemberStatus.Active).ToList();
        var roll = _random.Next(100);
        if (roll < 20)
        {
            Crash(live.Count > 0 ? live[_random.Next(live.Count)] : null);
        }
        else if (roll < 35)
        {
            Crash(live.FirstOrDefault(n => n.Member.IsLeader));
        }
        else if (roll < 55)
        {
            _armLeaderCrash = true;
        }
        else if (roll < 67 && live.Count >= 2)
        {
            var a = live[_random.Next(live.Count)];
            var b = live[_random.Next(live.Count)];
            if (a != b && CanLose(2))
            {
                BreakLink(a.NodeId, b.NodeId);
            }
        }
        else if (roll < 80)
        {
            Partition(live);
        }
        else if (roll < 85)
        {
            var leaver = live.Count > 0 ? live[_random.Next(live.Count)] : null;
            if (leaver is not null && CanLose(1))
            {
                Log($"{leaver.Log} leaves");
                leaver.Leaving = true;
                leaver.Member.Leave();
                Drain(leaver);
            }
        }
        else if (_current.Count < MaxNodes)
        {
            Start((uint)(_current.Keys.Max() + 1), join: true);
        }
    }

    /// <summary>Arms a crash of the leader: it fires the next time some live member is wedged (a view change is under way).</summary>
    private void CheckArmedCrash()
    {
        if (!_armLeaderCrash || _faultsOver)
        {
            return;
        }
        var live = _current.Values.Where(n => !n.Crashed && n.Member.Status == MemberStatus.Active).ToList();
        if (live.Any(n => n.Member.IsWedged) && live.FirstOrDefault(n => n.Member.IsLeader) is { } leader)
        {
            _armLeaderCrash = false;
            var delay = _random.Next(0, 3000);
            At(_now + delay, () =>
            {
                // Not once the faults ended: EndFaults restarted whoever was down then, and nothing would restart it.
                if (!_faultsOver && !leader.Crashed && leader.Member.Status == MemberStatus.Active && leader.Member.IsLeader)
                {
                    Crash(leader);
                }
            });
        }
    }

    /// <summary>
    /// Whether <paramref name="count"/> more members may be lost while, in the latest view and in every view a live
    /// member is still in, a majority stays alive, active and connected (when the group must make progress).
    /// </summary>
    private bool CanLose(int count)
    {
        var latest = _logs.SelectMany(l => l.Views).MaxBy(v => v.Id);
        if (latest is null)
        {
            return false;
        }
        var views = _current.Values.Where(n => !n.Crashed && n.Member.Status == MemberStatus.Active).Select(n => n.Member.View!).Append(latest);
        foreach (var view in views)
        {
            var healthy = view.Members.Count(m => _current.TryGetValue(m.NodeId, out var n) && n.Incarnation == m.Incarnation
                && !n.Crashed && !n.Leaving && !n.Damaged && n.Member.Status == MemberStatus.Active && !_minority.Contains(m.NodeId));
            if (healthy - count < view.Majority)
            {
                return false;
            }
        }
        return true;
    }

    private void Crash(Node? node)
    {
        if (node is null || node.Crashed || !CanLose(1))
        {
            return;
        }
        if (node.Member.IsLeader && _current.Values.Any(n => !n.Crashed && n.Member.Status == MemberStatus.Active && n.Member.IsWedged))
        {
            Coverage.LeaderLostMidChange++;
        }
        Log($"crash {node.Log} leader={node.Member.IsLeader}");
        node.Crashed = true;
        var reset = _random.Next(2) == 0;
        foreach (var other in _current.Values.Where(n => n != node))
        {
            LinkOf(node.NodeId, other.NodeId).Epoch++;
            if (reset && !other.Crashed)
            {
                var peer = node.NodeId;
                At(_now + (_random.Next(1, 5) * Ms), () => Lost(other, peer));
            }
        }
        if (_random.Next(5) > 0)
        {
            node.RestartScheduled = true;
            var id = node.NodeId;
            At(_now + (_random.Next(30, 300) * Ms), () => Start(id, join: true));
        }
    }

    private void Lost(Node node, uint peer)
    {
        if (!node.Crashed)
        {
            node.Member.ConnectionLost(peer);
            Drain(node);
        }
    }

    private void BreakLink(uint a, uint b)
    {
        Log($"connection {a}-{b} reset");
        _current[a].Damaged = true;
        _current[b].Damaged = true;
        var link = LinkOf(a, b);
        link.Epoch++;
        var notify = _random.Next(1, 5) * Ms;
        link.DownUntil = _now + notify;
        At(_now + notify, () =>
        {
            Lost(_current[a], b);
            Lost(_current[b], a);
        });
    }

    private void Partition(List<Node> live)
    {
        if (_minority.Count > 0 || live.Count < 3)
        {
            return;
        }
        var size = _random.Next(1, ((live.Count - 1) / 2) + 1);
        var side = live.OrderBy(_ => _random.Next()).Take(size).Select(n => n.NodeId).ToList();
        if (!CanLose(side.Count))
        {
            return;
        }
        Log($"partition [{string.Join(',', side)}] from the rest");
        foreach (var id in side)
        {
            _minority.Add(id);
            _current[id].Damaged = true;
        }
        foreach (var id in side)
        {
            foreach (var other in _current.Keys.Where(k => !_minority.Contains(k)))
            {
                LinkOf(id, other).Partitioned = true;
            }
        }
        At(_now + (_random.Next(50, 400) * Ms), Heal);
    }

    private void Heal()
    {
        if (_minority.Count == 0)
        {
            return;
        }
        Log("partition heals");
        _minority.Clear();
        _partitionsHealedPending++;
        foreach (var link in _links.Values.Where(l => l.Partitioned))
        {
            link.Partitioned = false;
            var held = link.Held.ToList();
            link.Held.Clear();
            foreach (var (from, to, body, bulk) in held)
            {
                Schedule(from, to, link.Epoch, body, bulk);
            }
        }
    }

    private void EndFaults()
    {
        _faultsOver = true;
        Heal();
        foreach (var node in _current.Values.ToList())
        {
            if ((node.Crashed || node.Member.Status == MemberStatus.Stopped) && !node.RestartScheduled)
            {
                node.RestartScheduled = true;
                var id = node.NodeId;
                At(_now + (_random.Next(0, 50) * Ms), () => Start(id, join: true));
            }
        }
    }

    private sealed class Node(uint nodeId, ulong incarnation, Member member)
    {
        public uint NodeId { get; } = nodeId;

        public ulong Incarnation { get; } = incarnation;

        public Member Member { get; } = member;

        public InstanceLog Log { get; } = new(nodeId, incarnation);

        public bool Crashed { get; set; }

        public bool Leaving { get; set; }

        /// <summary>An end of a reset connection or a partitioned member: the group may remove it.</summary>
        public bool Damaged { get; set; }

        public bool RestartScheduled { get; set; }

        public long ScheduledTick { get; set; } = long.MaxValue;

        public int Counter { get; set; }

        public string LastTrace { get; set; } = "";

        /// <summary>In sharded runs: this instance's replica of each shard it is in.</summary>
        public Dictionary<int, ShardReplicas.Replica> Replicas { get; } = [];
    }

    /// <summary>
    /// Three shards per view: the odd node ids, the even ones, and the first three ranks (overlapping both). With
    /// <paramref name="varying"/> their number follows the view, as a layout's does: none below three members (an
    /// inadequate view, so a leader alone holds joiners back until there are three), from three on the odd and the
    /// even ids, and the third from five on. A view change that drops shards is where a leader once crashed: its
    /// commit installed the next view in the middle of the ending view's predicates, which then read the new view's
    /// columns.
    /// </summary>
    private sealed class OverlappingShards(bool varying) : IShardPlanner
    {
        public IReadOnlyList<IReadOnlyList<uint>> PlanShards(View view)
        {
            var ids = view.Members.Select(m => m.NodeId).ToList();
            return varying && view.Count < 3 ? []
                : varying && view.Count < 5 ? [[.. ids.Where(id => id % 2 == 1)], [.. ids.Where(id => id % 2 == 0)]]
                : [[.. ids.Where(id => id % 2 == 1)], [.. ids.Where(id => id % 2 == 0)], [.. ids.Take(3)]];
        }

        /// <summary>Below three members a varying layout is inadequate: a leader alone holds joiners until there are three.</summary>
        public bool IsAdequate(View view) => !varying || view.Count >= 3;
    }

    private sealed class Link
    {
        public int Epoch { get; set; }

        public long DownUntil { get; set; }

        public bool Partitioned { get; set; }

        public List<(Node From, uint To, ReadOnlyMemory<byte> Body, bool Bulk)> Held { get; } = [];
    }
}
