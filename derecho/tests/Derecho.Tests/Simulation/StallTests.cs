using Derecho.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Derecho.Tests.Simulation;

/// <summary>
/// One member does not run for a while (starved of the CPU, paused by the collector) at group formation, while a
/// third member joins a group of two: in 10 ms steps of simulated time, with the defaults (heartbeat 50 ms,
/// suspicion timeout 1 s), the stall starting at every step of the join. A stall shorter than the suspicion timeout
/// must cost nobody; a longer one is a failure as far as the others can tell, and in a view of two, partition
/// safety stops both sides (the silent one when it hears it was suspected).
/// </summary>
public sealed class StallTests
{
    private const long StepMs = 10;
    private const long RunMs = 10_000;
    private const long JoinAtMs = 100;

    /// <summary>
    /// The others hear a stalled member's last row up to a heartbeat interval before its stall begins (and a step
    /// later here): a stall shorter than the suspicion timeout by both is shorter than the silence they see.
    /// </summary>
    private const int MaxHarmlessStallMs = 1000 - 50 - (int)StepMs - 10;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void A_stall_shorter_than_the_suspicion_timeout_during_a_join_costs_nobody(uint stalled) =>
        AssertNobodyLost(stalled, starts: Steps(0, 400, 20), stalls: [300, 600, MaxHarmlessStallMs]);

    [Theory]
    [Slow]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void A_stall_shorter_than_the_suspicion_timeout_at_any_step_of_formation_costs_nobody(uint stalled) =>
        AssertNobodyLost(stalled, starts: Steps(0, 1000, 10), stalls: Steps(100, MaxHarmlessStallMs, 20).Append(MaxHarmlessStallMs));

    [Fact]
    public void A_leader_silent_past_the_suspicion_timeout_in_a_view_of_two_stops_both_and_only_after_the_timeout()
    {
        // The leader of {1,2} stalls from 50 ms, before the joiner 3 is admitted, for 1.5 s.
        var run = new StalledRun(stalled: 1, stallStartMs: 50, stallMs: 1500, tickFirst: false);
        run.Run();
        Assert.Equal(StopReason.LostMajority, run.Members[2].StopReason);
        Assert.Equal(StopReason.LostMajority, run.Members[1].StopReason);
        var stoppedAt = run.StoppedAt[2];
        var lastHeard = run.LastReceived[(1, 2)];
        Assert.True(stoppedAt - lastHeard >= 1000, $"member 2 stopped {stoppedAt - lastHeard} ms after it last heard the leader");
        Assert.True(run.StoppedAt[1] >= 1550, "the leader stops only once it runs again");
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void A_member_whose_loop_is_busy_but_whose_keep_alives_go_out_costs_nobody(uint stalled)
    {
        // The whole member stalls (no ticks, no reads, no rows) but its host's keep-alive thread runs: the stall that
        // stops a view of two without it (see the test above) costs nobody, at every step of the join.
        var failures = new List<string>();
        foreach (var start in Steps(0, 400, 50))
        {
            foreach (var stall in new[] { 1500, 2500 })
            {
                var run = new StalledRun(stalled, start, stall, tickFirst: false) { AliveDuringStall = true };
                run.Run();
                if (run.Outcome() is { } failure)
                {
                    failures.Add($"member {stalled} stalled {stall} ms from {start} ms with keep-alives: {failure}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(5)));
    }

    [Fact]
    public void Keep_alives_end_so_a_member_stuck_for_good_is_still_suspected()
    {
        // Member 3 stops running at 3 s, in a view of three; its keep-alives stop after MaxUnreadDiscount timeouts, and
        // a suspicion timeout later the others remove it.
        var run = new StalledRun(stalled: 3, stallStartMs: 3000, stallMs: RunMs, tickFirst: false) { AliveDuringStall = true };
        run.Run();
        var view = run.Members[1].View!;
        Assert.Equal("1,2", string.Join(',', view.Members.Select(m => m.NodeId)));
        var removedAt = run.InstalledAt[1][^1];
        Assert.InRange(removedAt - 3000, (Member.MaxUnreadDiscount + 1) * 1000, ((Member.MaxUnreadDiscount + 1) * 1000) + 500);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void A_member_whose_reader_lags_while_it_ticks_suspects_nobody_for_it(uint stalled)
    {
        // Once all three are in one view (from 120 ms), the member's loop runs (its heartbeats go out) but its reader is
        // busy and reads nothing: silence it could not have observed is not counted against the others, up to
        // MaxUnreadDiscount suspicion timeouts. (A joiner that does not read its welcome is silent in the new view:
        // that is genuine silence, as a whole stall.)
        var failures = new List<string>();
        foreach (var start in Steps(200, 600, 50))
        {
            foreach (var stall in new[] { 1500, 2500, 2900 })
            {
                var run = new StalledRun(stalled, start, stall, tickFirst: false) { ReaderOnly = true };
                run.Run();
                if (run.Outcome() is { } failure)
                {
                    failures.Add($"member {stalled}'s reader stalled {stall} ms from {start} ms: {failure}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(5)));
    }

    [Fact]
    public void A_member_whose_reader_is_stuck_for_good_still_suspects_the_others_once_the_discount_runs_out()
    {
        // Member 3's reader stops at 3 s, with all three in one view, and never reads again: it stops (it cannot see a
        // majority) once the unread silence exceeds the timeout plus the discount, not before.
        var run = new StalledRun(stalled: 3, stallStartMs: 3000, stallMs: RunMs, tickFirst: false) { ReaderOnly = true };
        run.Run();
        Assert.Equal(StopReason.LostMajority, run.Members[3].StopReason);
        var silence = run.StoppedAt[3] - 3000;
        Assert.True(silence >= (Member.MaxUnreadDiscount + 1) * 1000 - 100, $"member 3 stopped after {silence} ms unread");
        Assert.True(silence <= (Member.MaxUnreadDiscount + 1) * 1000 + 200, $"member 3 stopped only after {silence} ms unread");
    }

    [Fact]
    public void Without_the_reader_lag_a_member_whose_reader_stalls_suspects_the_others_after_the_timeout()
    {
        // The same lagging reader, its host not telling the member how far it read (a plain Tick): the member blames the
        // others for its own reader's silence, and in a view of three it stops alone.
        var run = new StalledRun(stalled: 3, stallStartMs: 3000, stallMs: 1500, tickFirst: false) { ReaderOnly = true, ReportReadLag = false };
        run.Run();
        Assert.Equal(StopReason.LostMajority, run.Members[3].StopReason);
        Assert.InRange(run.StoppedAt[3] - 3000, 900, 1100);
    }

    [Fact]
    public void A_leader_alone_admits_joiners_only_once_they_make_an_adequate_view_and_all_in_one_view()
    {
        // The layout needs three members: joiners 2 and 3 asking 700 ms apart are admitted together, so the group
        // never runs as a view of two (where one silent member stops the other).
        var run = new StalledRun(stalled: 1, stallStartMs: 0, stallMs: 0, tickFirst: false)
        {
            Joins = new Dictionary<uint, long> { [2] = 0, [3] = 700 },
            Planner = new MinimumMembers(3),
        };
        run.Run();
        Assert.Null(run.Outcome());
        var leaderViews = run.Installed[1].Select(v => v.Count).ToList();
        Assert.Equal([1, 3], leaderViews);
        Assert.Equal([3], run.Installed[2].Select(v => v.Count));
        Assert.Equal(run.Installed[1][1].Id, run.Installed[3][0].Id);
    }

    [Fact]
    public void A_joiner_alone_is_admitted_after_the_formation_wait_even_if_the_view_stays_inadequate()
    {
        // A member that awaits its own admission before the next one starts must not wait forever.
        var run = new StalledRun(stalled: 1, stallStartMs: 0, stallMs: 0, tickFirst: false)
        {
            Joins = new Dictionary<uint, long> { [2] = 0 },
            Planner = new MinimumMembers(3),
        };
        run.Run();
        Assert.Equal([1, 2], run.Installed[1].Select(v => v.Count));
        var admittedAt = run.InstalledAt[2][0];
        Assert.InRange(admittedAt, new MemberOptions { NodeId = 0, Incarnation = 0, Endpoint = "x" }.FormationWait.TotalMilliseconds, 2500);
    }

    [Fact]
    public void Without_an_adequacy_rule_the_first_joiner_is_admitted_at_once()
    {
        var run = new StalledRun(stalled: 1, stallStartMs: 0, stallMs: 0, tickFirst: false)
        {
            Joins = new Dictionary<uint, long> { [2] = 0, [3] = 700 },
        };
        run.Run();
        Assert.Null(run.Outcome());
        Assert.Equal([1, 2, 3], run.Installed[1].Select(v => v.Count));
    }

    [Fact]
    public void A_held_joiner_that_crashes_is_not_admitted_with_the_others()
    {
        // Joiner 2 asks, then crashes while the leader waits (longer than by default) for a third; 3 and 4 come later:
        // the first view is {1,3,4}.
        var run = new StalledRun(stalled: 1, stallStartMs: 0, stallMs: 0, tickFirst: false)
        {
            Joins = new Dictionary<uint, long> { [2] = 0, [3] = 8000, [4] = 8200 },
            Crashes = new Dictionary<uint, long> { [2] = 300 },
            Planner = new MinimumMembers(3),
            FormationWait = TimeSpan.FromSeconds(30),
        };
        run.Run();
        var second = run.Installed[1][1];
        Assert.Equal("1,3,4", string.Join(',', second.Members.Select(m => m.NodeId)));
        Assert.True(run.Members[3].Status == MemberStatus.Active && run.Members[4].Status == MemberStatus.Active);
        Assert.Equal(2, run.Installed[1].Count);
    }

    /// <summary>A layout that is adequate from <paramref name="minimum"/> members on: one shard of all members.</summary>
    private sealed class MinimumMembers(int minimum) : IShardPlanner
    {
        public IReadOnlyList<IReadOnlyList<uint>> PlanShards(Membership.View view) =>
            view.Count >= minimum ? [[.. view.Members.Select(m => m.NodeId)]] : [];

        public bool IsAdequate(Membership.View view) => view.Count >= minimum;
    }

    private static IEnumerable<int> Steps(int from, int to, int step) => Enumerable.Range(0, ((to - from) / step) + 1).Select(i => from + (i * step));

    private static void AssertNobodyLost(uint stalled, IEnumerable<int> starts, IEnumerable<int> stalls)
    {
        var failures = new List<string>();
        foreach (var tickFirst in new[] { true, false })
        {
            foreach (var start in starts)
            {
                foreach (var stall in stalls)
                {
                    var run = new StalledRun(stalled, start, stall, tickFirst);
                    run.Run();
                    if (run.Outcome() is { } failure)
                    {
                        failures.Add($"member {stalled} stalled {stall} ms from {start} ms (tick first: {tickFirst}): {failure}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(5)));
    }

    /// <summary>
    /// Members 1 (starts the group) and 2 join at 0 ms, member 3 at <see cref="JoinAtMs"/>; a message sent in one
    /// step arrives in the next, in order per link. The stalled member neither ticks nor reads while stalled; when
    /// it wakes it either ticks first or reads first (which the host does first depends on its threads).
    /// </summary>
    private sealed class StalledRun(uint stalled, long stallStartMs, long stallMs, bool tickFirst)
    {
        /// <summary>Only the member's reader stalls: it ticks on (its rows go out) but reads nothing meanwhile.</summary>
        public bool ReaderOnly { get; init; }

        /// <summary>
        /// Whether a stalled member's host sends keep-alives meanwhile (every 50 ms for up to
        /// <see cref="Member.MaxUnreadDiscount"/> suspicion timeouts; an empty body stands for one here).
        /// </summary>
        public bool AliveDuringStall { get; init; }

        /// <summary>Whether a reader-only stall is told to the member (<see cref="Member.Tick(DateTimeOffset)"/>).</summary>
        public bool ReportReadLag { get; init; } = true;

        private readonly FakeTimeProvider _time = new(Epoch);
        private readonly Dictionary<uint, Queue<(uint From, ReadOnlyMemory<byte> Body)>> _inboxes = [];
        private readonly List<MemberOutput> _outputs = [];
        private readonly List<string> _log = [];

        public Dictionary<uint, Member> Members { get; } = [];

        public Dictionary<uint, long> StoppedAt { get; } = [];

        /// <summary>When a member last read a message from another: (from, to) to milliseconds.</summary>
        public Dictionary<(uint From, uint To), long> LastReceived { get; } = [];

        /// <summary>When each member after the first asks to join (milliseconds): 2 at once, 3 at <see cref="JoinAtMs"/>.</summary>
        public Dictionary<uint, long> Joins { get; init; } = new Dictionary<uint, long> { [2] = 0, [3] = JoinAtMs };

        /// <summary>Members that crash (stop running for good) at the given millisecond.</summary>
        public Dictionary<uint, long> Crashes { get; init; } = new Dictionary<uint, long>();

        /// <summary>Every member's shard planner (none by default).</summary>
        public IShardPlanner? Planner { get; init; }

        /// <summary>The views each member installed, in order.</summary>
        public Dictionary<uint, List<Membership.View>> Installed { get; } = [];

        /// <summary>When each member installed them (milliseconds).</summary>
        public Dictionary<uint, List<long>> InstalledAt { get; } = [];

        public void Run()
        {
            Add(Member.StartGroup(Options(1), _time), 0);
            for (long now = 0; now <= RunMs; now += StepMs)
            {
                _time.SetUtcNow(Epoch + TimeSpan.FromMilliseconds(now));
                foreach (var (joiner, at) in Joins)
                {
                    if (at == now)
                    {
                        Add(Member.Join(Options(joiner), "n1", _time), now);
                    }
                }
                foreach (var (id, member) in Members.ToList())
                {
                    if (Crashes.TryGetValue(id, out var crashAt) && now >= crashAt)
                    {
                        _inboxes[id].Clear();
                        continue;
                    }
                    if (id == stalled && now >= stallStartMs && now < stallStartMs + stallMs)
                    {
                        if (AliveDuringStall && (now - stallStartMs) % 50 == 0 && now - stallStartMs <= Member.MaxUnreadDiscount * 1000)
                        {
                            foreach (var other in Members.Keys.Where(o => o != id))
                            {
                                _inboxes[other].Enqueue((id, ReadOnlyMemory<byte>.Empty));
                            }
                        }
                        if (ReaderOnly && member.Status != MemberStatus.Stopped && _time.GetUtcNow() >= member.NextDeadline)
                        {
                            var readUntil = Epoch + TimeSpan.FromMilliseconds(stallStartMs);
                            if (ReportReadLag)
                            {
                                member.Tick(readUntil);
                            }
                            else
                            {
                                member.Tick();
                            }
                            Drain(id, now);
                        }
                        continue;
                    }
                    if (member.Status == MemberStatus.Stopped)
                    {
                        _inboxes[id].Clear();
                        continue;
                    }
                    if (id == stalled && now == stallStartMs + stallMs && tickFirst)
                    {
                        member.Tick();
                        Drain(id, now);
                    }
                    var inbox = _inboxes[id];
                    for (var waiting = inbox.Count; waiting > 0; waiting--)
                    {
                        var (from, body) = inbox.Dequeue();
                        if (body.IsEmpty)
                        {
                            member.Alive(from);
                            continue;
                        }
                        LastReceived[(from, id)] = now;
                        member.Receive(from, body);
                        Drain(id, now);
                    }
                    if (member.Status != MemberStatus.Stopped && _time.GetUtcNow() >= member.NextDeadline)
                    {
                        member.Tick();
                        Drain(id, now);
                    }
                }
            }
        }

        /// <summary>Null when all three are active in one view of three, else what happened.</summary>
        public string? Outcome()
        {
            var views = Members.Values.Select(m => m.Status == MemberStatus.Active ? m.View!.ToString() : $"{m.NodeId} {m.Status} {m.StopReason}");
            return Members.Values.All(m => m.Status == MemberStatus.Active && m.View!.Count == 3) && views.Distinct().Count() == 1
                ? null
                : $"{string.Join(" | ", views.Distinct())}; {string.Join("; ", _log)}";
        }

        /// <summary>How long a leader alone holds joiners that do not make an adequate view (the default unless set).</summary>
        public TimeSpan? FormationWait { get; init; }

        private MemberOptions Options(uint id)
        {
            var options = new MemberOptions { NodeId = id, Incarnation = 1, Endpoint = $"n{id}", ShardPlanner = Planner };
            return FormationWait is { } wait ? options with { FormationWait = wait } : options;
        }

        private void Add(Member member, long now)
        {
            Members[member.NodeId] = member;
            _inboxes[member.NodeId] = new();
            Drain(member.NodeId, now);
        }

        private void Drain(uint id, long now)
        {
            _outputs.Clear();
            Members[id].DrainOutputs(_outputs);
            foreach (var output in _outputs)
            {
                switch (output is SendToJoiner joiner ? joiner.ToPeer() : output)
                {
                    case SendToPeer send:
                        var to = send.To ?? uint.Parse(send.Endpoint.AsSpan(1), provider: null);
                        if (_inboxes.TryGetValue(to, out var inbox))
                        {
                            inbox.Enqueue((id, send.WholeBody()));
                        }
                        break;
                    case ViewInstalled installed:
                        _log.Add($"{now} ms {id} installs {installed.View}");
                        (Installed.TryGetValue(id, out var views) ? views : Installed[id] = []).Add(installed.View);
                        (InstalledAt.TryGetValue(id, out var times) ? times : InstalledAt[id] = []).Add(now);
                        break;
                    case MemberStopped stopped:
                        StoppedAt[id] = now;
                        _log.Add($"{now} ms {id} stops: {stopped.Reason}");
                        break;
                }
            }
        }
    }
}
