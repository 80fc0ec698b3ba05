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
        private readonly FakeTimeProvider _time = new(Epoch);
        private readonly Dictionary<uint, Queue<(uint From, ReadOnlyMemory<byte> Body)>> _inboxes = [];
        private readonly List<MemberOutput> _outputs = [];
        private readonly List<string> _log = [];

        public Dictionary<uint, Member> Members { get; } = [];

        public Dictionary<uint, long> StoppedAt { get; } = [];

        /// <summary>When a member last read a message from another: (from, to) to milliseconds.</summary>
        public Dictionary<(uint From, uint To), long> LastReceived { get; } = [];

        public void Run()
        {
            Add(Member.StartGroup(Options(1), _time), 0);
            Add(Member.Join(Options(2), "n1", _time), 0);
            for (long now = 0; now <= RunMs; now += StepMs)
            {
                _time.SetUtcNow(Epoch + TimeSpan.FromMilliseconds(now));
                if (now == JoinAtMs)
                {
                    Add(Member.Join(Options(3), "n1", _time), now);
                }
                foreach (var (id, member) in Members.ToList())
                {
                    if (id == stalled && now >= stallStartMs && now < stallStartMs + stallMs)
                    {
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

        private static MemberOptions Options(uint id) => new() { NodeId = id, Incarnation = 1, Endpoint = $"n{id}" };

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
                switch (output)
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
