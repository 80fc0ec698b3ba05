using Derecho.Membership;
using Derecho.Persistence;
using Derecho.Restart;
using Derecho.Tests.Persistence;

namespace Derecho.Tests.Restart;

/// <summary>
/// A seeded simulation of one persistent shard of three members through rounds of load, failures, partial restarts
/// and total restarts, each member's log and restart record on its own <see cref="SimulatedDisk"/> (a crash loses
/// every unsynced write). The production pieces run as they do in a member: <see cref="PersistentLog"/> (append,
/// group commit, truncate, recovery), <see cref="RestartState"/> (a record per view with its trims), and
/// <see cref="ShardLogSummary"/> with <see cref="RestartRule"/> (whose log leads a total restart); the simulation
/// plays the group around them: deliveries in the shard's order, ragged trims at view changes, state transfer as a
/// suffix transfer (truncate what the leader lacks, append what is missing, commit).
/// </summary>
/// <remarks>
/// Faults: a member's disk crashes at a random step of appending, committing, logging a view, truncating or catching
/// up; a failing member sometimes logs updates of its own that no survivor delivered (beyond the trim); a member
/// comes back while the others run (partial restart); at a total restart members come back with some left out
/// (they come back later), and members crash during the restart, the leader among them, after which the restart
/// starts over from the disks. After each total restart: every version reported durable everywhere is at every
/// replica, every replica holds the same versions with the same bytes, and they are a prefix of what the shard
/// delivered (no update beyond a trim, none reordered).
/// </remarks>
internal sealed class RestartSimulation
{
    private const int Size = 3;
    private static readonly PersistenceOptions Options = new() { FilePath = "/pers", SyncsInFlight = 1, SegmentSize = 4096 };

    private readonly Random _random;
    private readonly Node[] _nodes;
    private readonly List<string> _trace = [];

    /// <summary>The versions the shard delivered, in order, since the last total restart kept the prefix before them.</summary>
    private readonly List<long> _delivered = [];

    /// <summary>Every version up to this one that the shard delivered was reported durable everywhere.</summary>
    private long _durable = Versions.None;

    private List<uint> _members = [0, 1, 2];
    private int _viewId = 1;
    private uint _sequence;

    public RestartSimulation(int seed)
    {
        _random = new Random(seed);
        _nodes = [.. Enumerable.Range(0, Size).Select(id => new Node((uint)id))];
        foreach (var node in _nodes)
        {
            node.Open();
            node.State.Record(View(_viewId, _members), []);
        }
    }

    /// <summary>What happened, for a failure's message.</summary>
    public string Trace => string.Join(Environment.NewLine, _trace.TakeLast(60));

    /// <summary>Runs <paramref name="rounds"/> rounds, each ending in a total restart checked as the type says.</summary>
    public void Run(int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            _trace.Add($"round {round}");
            for (var step = 0; step < 40 && _members.Count > Size / 2; step++)
            {
                Step();
            }
            _trace.Add("total crash");
            foreach (var node in _nodes.Where(n => n.Alive))
            {
                node.Crash(_random);
            }
            TotalRestart();
        }
    }

    private void Step()
    {
        var roll = _random.Next(100);
        var live = _members.Select(m => _nodes[m]).ToList();
        if (roll < 60)
        {
            Deliver(live);
        }
        else if (roll < 72)
        {
            var victim = live[_random.Next(live.Count)];
            victim.Disk.CrashAtStep = victim.Disk.Steps + _random.Next(8);
            _trace.Add($"member {victim.Id} crashes within 8 disk steps");
        }
        else if (roll < 80 && live.Count - 1 > Size / 2 && live.All(n => n.Disk.CrashAtStep < 0))
        {
            // A failing sender logged updates of its own that reached nobody else: beyond the trim the survivors log.
            // (Only while they keep a majority and log it: with no trim logged, such updates would be
            // indistinguishable from delivered ones, as they are in a group that delivers only stable updates.)
            var victim = live[_random.Next(live.Count)];
            for (uint i = 0, count = (uint)_random.Next(1, 3); i < count; i++)
            {
                victim.Log.Append(Versions.Of(_viewId, _sequence + i), Time(), [0xEE]);
            }
            Attempt(victim, () => victim.Log.Commit());
            _trace.Add($"member {victim.Id} logged updates nobody delivered, then failed");
            Fail(victim);
        }
        else if (roll < 92 && _nodes.FirstOrDefault(n => !n.Alive) is { } back)
        {
            PartialRestart(back);
        }
    }

    private void Deliver(List<Node> live)
    {
        var version = Versions.Of(_viewId, _sequence++);
        _delivered.Add(version);
        foreach (var node in live.Where(n => n.Alive))
        {
            Attempt(node, () =>
            {
                node.Log.Append(version, Time(), BitConverter.GetBytes(version));
                if (_random.Next(2) == 0)
                {
                    node.Log.Commit();
                }
            });
        }
        // Reported durable everywhere: every member of the view synced it (a member that crashed keeps what it synced).
        _durable = Math.Max(_durable, _members.Min(m => _nodes[m].Log.PersistedVersion));
        FailCrashed();
    }

    /// <summary>Runs a disk step of <paramref name="node"/>; a simulated crash takes the member down (its view change follows).</summary>
    private void Attempt(Node node, Action action)
    {
        if (!node.Alive || node.Crashed)
        {
            return;
        }
        try
        {
            action();
        }
        catch (SimulatedCrashException e)
        {
            _trace.Add($"member {node.Id} crashed: {e.Message}");
            node.Crashed = true;
        }
    }

    private void FailCrashed()
    {
        while (_members.Select(m => _nodes[m]).FirstOrDefault(n => n.Crashed) is { } crashed)
        {
            Fail(crashed);
        }
    }

    /// <summary>A member fails: its disk crashes, and the survivors (a majority) install the next view with their trims.</summary>
    private void Fail(Node failed)
    {
        failed.Crash(_random);
        _members = [.. _members.Where(m => m != failed.Id)];
        if (_members.Count <= Size / 2)
        {
            _trace.Add($"member {failed.Id} failed; no majority left");
            return;
        }
        InstallView(joiner: null);
    }

    /// <summary>The next view: every member of the ended view logs its trim (it delivered all the shard delivered since it came), a joiner none.</summary>
    private void InstallView(Node? joiner)
    {
        _viewId++;
        _sequence = 0;
        var members = joiner is null ? _members : [.. _members, joiner.Id];
        var view = View(_viewId, members);
        var last = _delivered.Count > 0 ? _delivered[^1] : Versions.None;
        _trace.Add($"view {_viewId}: {string.Join(',', members)}; trim {Describe(last)}");
        foreach (var node in members.Select(m => _nodes[m]))
        {
            // As a member does: what the shard delivered since its replica started, else where its restart left the shard.
            var known = node != joiner && ((last != Versions.None && Versions.ViewOf(last) >= node.Since) || node.Restarted);
            var fresh = known ? [new ShardTrim(0, 0, 0, _viewId, last)] : Array.Empty<ShardTrim>();
            Attempt(node, () => node.State.Record(view, fresh));
        }
        _members = members;
        if (joiner is not null)
        {
            joiner.Since = _viewId;
            joiner.Restarted = false;
        }
        FailCrashed();
    }

    /// <summary>A failed member comes back while the others run: it takes the log of one of them, then joins the next view.</summary>
    private void PartialRestart(Node back)
    {
        back.Open();
        var source = _nodes[_members[_random.Next(_members.Count)]];
        _trace.Add($"member {back.Id} restarts and catches up from member {source.Id}");
        back.Disk.CrashAtStep = _random.Next(3) == 0 ? back.Disk.Steps + _random.Next(12) : -1;
        try
        {
            CatchUp(back, source);
        }
        catch (SimulatedCrashException e)
        {
            _trace.Add($"member {back.Id} crashed catching up: {e.Message}");
            back.Crash(_random);
            return;
        }
        back.Alive = true;
        InstallView(back);
    }

    /// <summary>
    /// All members crashed. They come back (some maybe later), every present member summarizes its log, the rule
    /// picks the leader, the others catch up from it, and the restarted view is logged; a crash anywhere in it (the
    /// leader's included) starts it over from the disks.
    /// </summary>
    private void TotalRestart()
    {
        for (var attempt = 0; ; attempt++)
        {
            var crashing = attempt < 4 && _random.Next(2) == 0;
            foreach (var node in _nodes)
            {
                node.Open();
            }
            var newest = _nodes.Select(n => n.State).MaxBy(s => s.LastViewId)!;
            var present = _nodes.Where(_ => _random.Next(4) > 0).ToList();
            if (present.Count(n => newest.LastMemberIds.Contains(n.Id)) <= newest.LastMemberIds.Count / 2)
            {
                present = [.. _nodes];
            }
            var summaries = present.Select(n => ShardLogSummary.Of(n.Id, [n.Log], n.State.TrimsOf(0, 0, 0))).ToList();
            var leader = _nodes[RestartRule.ChooseLeader(summaries)];
            _trace.Add($"records: {string.Join(' ', _nodes.Select(n => $"{n.Id}:view {n.State.LastViewId} trims {n.State.LastTrims.Count}"))}");
            _trace.Add($"restart attempt {attempt}: {string.Join(' ', summaries.Select(s => $"{s.NodeId}:{Describe(s.Latest)}"))}; trims {string.Join(' ', RestartRule.PooledTrims(summaries).Select(t => $"{t.ViewId}>{Describe(t.Last)}"))}; leader {leader.Id}");
            var crashAfter = crashing ? _random.Next(present.Count + 1) : -1;
            if (crashing)
            {
                var victim = present[_random.Next(present.Count)];
                victim.Disk.CrashAtStep = victim.Disk.Steps + _random.Next(10);
            }
            try
            {
                var done = 0;
                foreach (var node in present.Where(n => n != leader))
                {
                    if (done++ == crashAfter)
                    {
                        _trace.Add($"leader {leader.Id} crashes mid-restart");
                        throw new SimulatedCrashException("the restart leader");
                    }
                    CatchUp(node, leader);
                }
                var view = View(Math.Max(newest.LastViewId, Versions.ViewOf(summaries.Max(s => s.Latest))) + RestartState.RestartViewMargin, [.. present.Select(n => n.Id)]);
                var restartedAt = new ShardTrim(0, 0, 0, view.Id, summaries.First(s => s.NodeId == leader.Id).Latest);
                foreach (var node in present)
                {
                    node.State.Record(view, []);
                    node.State.AddTrims([restartedAt]);
                }
                _viewId = view.Id;
            }
            catch (SimulatedCrashException e)
            {
                _trace.Add($"crash during the restart: {e.Message}");
                foreach (var node in _nodes)
                {
                    node.Crash(_random);
                }
                continue;
            }
            Check(present, leader);
            foreach (var node in _nodes)
            {
                node.Alive = present.Contains(node);
                node.Crashed = false;
                node.Since = _viewId;
                node.Restarted = node.Alive;
                if (!node.Alive)
                {
                    node.Crash(_random);
                }
            }
            _members = [.. present.Select(n => n.Id)];
            _sequence = 0;
            return;
        }
    }

    /// <summary>After a total restart: nothing durable lost, replicas identical, and a prefix of what was delivered.</summary>
    private void Check(List<Node> present, Node leader)
    {
        var expected = leader.Log.Enumerate().Select(e => (e.Version, Bytes: Convert.ToHexString(e.Data.Span))).ToList();
        foreach (var node in present)
        {
            var held = node.Log.Enumerate().Select(e => (e.Version, Bytes: Convert.ToHexString(e.Data.Span))).ToList();
            Assert.True(expected.SequenceEqual(held), $"member {node.Id} holds {Describe(held.Select(h => h.Version))}, leader {leader.Id} {Describe(expected.Select(h => h.Version))}");
        }
        var versions = expected.Select(e => e.Version).ToList();
        Assert.True(versions.SequenceEqual(_delivered.Take(versions.Count)), $"the restarted log {Describe(versions)} is no prefix of the delivered {Describe(_delivered)}");
        var lost = _delivered.Where(v => v <= _durable).Except(versions).ToList();
        Assert.True(lost.Count == 0, $"durable versions lost: {Describe(lost)} (durable up to {Describe(_durable)})");
        _delivered.RemoveRange(versions.Count, _delivered.Count - versions.Count);
        _trace.Add($"restarted in view {_viewId} with {string.Join(',', present.Select(n => n.Id))}: {versions.Count} versions");
    }

    /// <summary>
    /// A suffix transfer, as a member joining a shard takes the log of one that holds it: what the receiver logged
    /// that the source lacks goes, what it misses comes, and it is synced.
    /// </summary>
    private static void CatchUp(Node receiver, Node source)
    {
        var theirs = source.Log.Enumerate().ToList();
        var versions = theirs.Select(e => e.Version).ToHashSet();
        if (receiver.Log.Enumerate().Select(e => e.Version).FirstOrDefault(v => !versions.Contains(v), Versions.None) is var extra && extra != Versions.None)
        {
            receiver.Log.Truncate(extra - 1);
        }
        var latest = receiver.Log.LatestVersion;
        foreach (var entry in theirs.Where(e => e.Version > latest))
        {
            receiver.Log.Append(entry.Version, entry.Time, entry.Data.Span);
        }
        receiver.Log.Commit();
    }

    private HlcTimestamp Time() => new(1_000_000 + _trace.Count, 0);

    private static View View(int id, IEnumerable<uint> members) =>
        new(id, [.. members.Select(m => new ViewMember(m, 1, $"127.0.0.1:{1000 + m}"))], [], []);

    private static string Describe(long version) => version == Versions.None ? "none" : $"{Versions.ViewOf(version)}.{Versions.SequenceOf(version)}";

    private static string Describe(IEnumerable<long> versions) => $"[{string.Join(' ', versions.Select(Describe))}]";

    private sealed class Node(uint id)
    {
        public uint Id { get; } = id;

        public SimulatedDisk Disk { get; } = new();

        public PersistentLog Log { get; private set; } = null!;

        public RestartState State { get; private set; } = null!;

        /// <summary>Up and in the view.</summary>
        public bool Alive { get; set; } = true;

        /// <summary>Its disk crashed; its view change is due.</summary>
        public bool Crashed { get; set; }

        /// <summary>Its replica started at a total restart, or the group's first start (and knows where the shard's history ended).</summary>
        public bool Restarted { get; set; } = true;

        /// <summary>The view it has been in the shard since.</summary>
        public int Since { get; set; } = 1;

        public void Open()
        {
            Log = PersistentLog.Open(Disk, "/pers/field", Options);
            State = RestartState.Load(Options, Disk);
        }

        /// <summary>The process dies: its disk keeps what was synced (and a random prefix of the rest).</summary>
        public void Crash(Random random)
        {
            try
            {
                Log.Dispose();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // A log that failed refuses even to close; the disk's crash below is what counts.
            }
            Disk.CrashAtStep = -1;
            Disk.Restart(random);
            Alive = false;
            Crashed = false;
        }
    }
}
