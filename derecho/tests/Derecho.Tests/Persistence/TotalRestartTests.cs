using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Derecho.External;
using Derecho.Kv;
using Derecho.Persistence;
using Derecho.Rpc;

namespace Derecho.Tests.Persistence;

/// <summary>
/// <c>derecho kv serve</c> processes in persistent mode killed with SIGKILL under load, then restarted: every write
/// reported durable must be at every replica, at the same version (so in the same order).
/// </summary>
public sealed class TotalRestartTests
{
    [Fact(Timeout = 300_000)]
    [Integration]
    public Task Writes_acknowledged_before_every_member_is_killed_survive_a_total_restart() =>
        RunAsync(rounds: 1, TestContext.Current.CancellationToken);

    [Fact(Timeout = 1_200_000)]
    [Slow]
    public Task Rounds_of_kills_and_total_restarts_lose_nothing_acknowledged() =>
        RunAsync(rounds: 4, TestContext.Current.CancellationToken);

    /// <summary>
    /// Each round: three members under a stream of puts (each to a fresh key, through member 1); the contact (member
    /// 0) is killed first, so the others go on without it and its log falls behind; then the other two are killed at
    /// once, mid-load. All three restart together: the contact must wait for a majority of the last view and take the
    /// longest log, not serve its own.
    /// </summary>
    private static async Task RunAsync(int rounds, CancellationToken ct)
    {
        using var directory = new TempDirectory();
        var ports = FreePort.Next(6);
        var members = new ChildProcess?[3];
        var acknowledged = new ConcurrentDictionary<int, bool>();
        var next = 0;
        try
        {
            await StartAllAsync(members, ports, directory.Path, ct);
            for (var round = 0; round < rounds; round++)
            {
                using var load = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await using (var client = await ConnectAsync(ports[2], ct))
                {
                    var kv = new KvClient(client, () => client.View.Allocation);
                    var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => WriteAsync(kv, acknowledged, () => Interlocked.Increment(ref next), load.Token), ct)).ToArray();
                    var start = acknowledged.Count;
                    await WaitUntilAsync(() => acknowledged.Count >= start + 20, "20 acknowledged writes", ct);
                    members[0]!.Kill();
                    // Counted from the kill's return, not from before it: the kill takes a while (it walks the
                    // process tree first), and the contact goes on logging and replying meanwhile; counted from
                    // before, all 40 could be acknowledged by the contact itself, no view would remove it, and no
                    // member would log a view later than the contact's.
                    var killed = acknowledged.Count;
                    await WaitUntilAsync(() => acknowledged.Count >= killed + 40, "40 more acknowledged writes without the contact", ct);
                    // More writes than in flight at the kill were acknowledged without the contact's reply: only a
                    // view without it (logged by both others before they delivered anything in it) allows that.
                    await members[1]!.WaitForLineAsync(l => IsLayout(l, 2), ct);
                    members[1]!.Kill();
                    members[2]!.Kill();
                    await load.CancelAsync();
                    await Task.WhenAll(writers);
                }
                foreach (var member in members)
                {
                    await member!.DisposeAsync();
                }
                await StartAllAsync(members, ports, directory.Path, ct);
                await CheckEveryReplicaAsync(ports[2], [.. acknowledged.Keys], ct);
                // The contact logged only the view before its crash: the others told it of their later one.
                Assert.Contains("later than this restart leader's", members[0]!.StandardOutput + members[0]!.StandardError, StringComparison.Ordinal);
            }
        }
        catch (Exception) when (Report(members))
        {
            throw;
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    /// <summary>
    /// Restart leaders (<c>restart_leaders</c> = members 0 and 1, backups on): the group is loaded and killed; then
    /// member 0, the first restart leader, stays down and the second leads the restart of members 1 and 2. Then
    /// both are killed again and restarted, and leader 1 is killed again as soon as its restarted group shows its
    /// first (inadequate) view, in the middle of the restart; it comes back and the restart completes. After each
    /// restart every acknowledged write is at every replica, at the same version.
    /// </summary>
    [Fact(Timeout = 600_000)]
    [Slow]
    public async Task The_next_restart_leader_takes_over_and_a_crash_during_the_restart_is_survived()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var ports = FreePort.Next(6);
        string[] leaders =
        [
            "--DERECHO/restart_leaders=127.0.0.1,127.0.0.1", $"--DERECHO/restart_leader_ports={ports[0]},{ports[2]}",
            "--DERECHO/enable_backup_restart_leaders=true", "--DERECHO/restart_timeout_ms=1000",
        ];
        var members = new ChildProcess?[3];
        var acknowledged = new ConcurrentDictionary<int, bool>();
        var next = 0;
        try
        {
            await StartAllAsync(members, ports, directory.Path, ct, leaders);
            using (var load = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await using var client = await ConnectAsync(ports[2], ct);
                var kv = new KvClient(client, () => client.View.Allocation);
                var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => WriteAsync(kv, acknowledged, () => Interlocked.Increment(ref next), load.Token), ct)).ToArray();
                await WaitUntilAsync(() => acknowledged.Count >= 30, "30 acknowledged writes", ct);
                foreach (var member in members)
                {
                    member!.Kill();
                }
                await load.CancelAsync();
                await Task.WhenAll(writers);
            }
            foreach (var member in members)
            {
                await member!.DisposeAsync();
            }
            members[0] = null;

            // The first restart leader is down: the second starts the restarted group, member 2 finds it.
            Start(members, ports, directory.Path, [1, 2], leaders);
            await members[1]!.WaitForLineAsync(l => IsLayout(l, 2), ct);
            await CheckEveryReplicaAsync(ports[2], [.. acknowledged.Keys], ct, replicas: 2);

            // Killed again; restarted, with the restart leader killed at its first view, before the restart is done.
            members[1]!.Kill();
            members[2]!.Kill();
            await members[1]!.DisposeAsync();
            await members[2]!.DisposeAsync();
            Start(members, ports, directory.Path, [1, 2], leaders);
            await members[1]!.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal), ct);
            members[1]!.Kill();
            await members[1]!.DisposeAsync();
            Start(members, ports, directory.Path, [1], leaders);
            // Member 2 goes on asking the restart leaders; if it had joined the killed leader's group just before,
            // and that group was already adequate, it stopped with it (no majority left) and is started again.
            var restarted = members[1]!.WaitForLineAsync(l => IsLayout(l, 2), ct);
            if (await Task.WhenAny(restarted, members[2]!.WaitForExitAsync(ct)) != restarted)
            {
                await members[2]!.DisposeAsync();
                Start(members, ports, directory.Path, [2], leaders);
            }
            await restarted;
            await CheckEveryReplicaAsync(ports[2], [.. acknowledged.Keys], ct, replicas: 2);
        }
        catch (Exception) when (Report(members))
        {
            throw;
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    /// <summary>
    /// Seeded random schedules (the seed and the schedule are in the failure message): three members under load,
    /// every member a restart leader (backups on), so that they may come back in any order. Each round kills
    /// members with SIGKILL at random points: sometimes one alone, restarted while the other two go on (a partial
    /// restart); then all of them, one after another at random gaps; then a total restart, the members started in
    /// a random order at random gaps, one of them sometimes killed again in the middle of the restart and started
    /// once more. After every total restart every write reported durable is at every replica, at the same version
    /// (so in the same order).
    /// </summary>
    [Theory(Timeout = 1_800_000)]
    [Slow]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public Task Members_killed_at_random_points_and_restarted_in_any_order_lose_nothing_reported_durable(int seed) =>
        RunRandomScheduleAsync(seed, rounds: 3, TestContext.Current.CancellationToken);

    private static async Task RunRandomScheduleAsync(int seed, int rounds, CancellationToken ct)
    {
        var random = new Random(seed);
        using var directory = new TempDirectory();
        var ports = FreePort.Next(6);
        string[] leaders =
        [
            "--DERECHO/restart_leaders=127.0.0.1,127.0.0.1,127.0.0.1", $"--DERECHO/restart_leader_ports={ports[0]},{ports[2]},{ports[4]}",
            "--DERECHO/enable_backup_restart_leaders=true", "--DERECHO/restart_timeout_ms=1000",
        ];
        var members = new ChildProcess?[3];
        var acknowledged = new ConcurrentDictionary<int, bool>();
        var next = 0;
        var schedule = new List<string>();
        try
        {
            await StartAllAsync(members, ports, directory.Path, ct, leaders);
            for (var round = 0; round < rounds; round++)
            {
                schedule.Add($"round {round}");
                using var load = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var live = members.Select((m, id) => (m, id)).Where(p => p.m is { HasExited: false }).Select(p => p.id).ToList();
                await using (var client = await ConnectAsync(ports[2 * live[random.Next(live.Count)]], ct))
                {
                    var kv = new KvClient(client, () => client.View.Allocation);
                    var writers = Enumerable.Range(0, 6).Select(_ => Task.Run(() => WriteAsync(kv, acknowledged, () => Interlocked.Increment(ref next), load.Token), ct)).ToArray();
                    await WaitForMoreAsync(acknowledged, random.Next(5, 40), ct);
                    var order = Enumerable.Range(0, 3).OrderBy(_ => random.Next()).ToArray();
                    if (random.Next(2) == 0)
                    {
                        // One member alone: the others go on, and it comes back while they run.
                        schedule.Add($"kill {order[0]}, restart it under load");
                        members[order[0]]!.Kill();
                        await WaitForMoreAsync(acknowledged, random.Next(1, 30), ct);
                        await members[order[0]]!.DisposeAsync();
                        Start(members, ports, directory.Path, [order[0]], leaders);
                        await members[order[0]]!.WaitForLineAsync(l => IsLayout(l, 3), ct);
                        await WaitForMoreAsync(acknowledged, random.Next(1, 30), ct);
                    }
                    // All of them, one by one: the two last go on after the first; the last one alone stops.
                    var gap = random.Next(0, 30);
                    var pause = random.Next(0, 500);
                    schedule.Add($"kill {string.Join(',', order)}, {gap} writes after the first, {pause} ms after the second");
                    members[order[0]]!.Kill();
                    await WaitForMoreAsync(acknowledged, gap, ct);
                    members[order[1]]!.Kill();
                    await Task.Delay(pause, ct);
                    members[order[2]]!.Kill();
                    await load.CancelAsync();
                    await Task.WhenAll(writers);
                }
                await DisposeAllAsync(members);

                var restartOrder = Enumerable.Range(0, 3).OrderBy(_ => random.Next()).ToArray();
                var victim = random.Next(2) == 0 ? restartOrder[random.Next(3)] : -1;
                var victimDelay = random.Next(0, 3000);
                schedule.Add($"restart {string.Join(',', restartOrder)}" + (victim >= 0 ? $", kill {victim} {victimDelay} ms into the restart and start it again" : ""));
                foreach (var id in restartOrder)
                {
                    Start(members, ports, directory.Path, [id], leaders);
                    await Task.Delay(random.Next(0, 1000), ct);
                }
                if (victim >= 0)
                {
                    await Task.Delay(victimDelay, ct);
                    await members[victim]!.DisposeAsync();
                    Start(members, ports, directory.Path, [victim], leaders);
                }
                await WaitForWholeGroupAsync(members, ports, directory.Path, leaders, schedule, ct);
                await CheckEveryReplicaAsync(ports[2 * restartOrder[0]], [.. acknowledged.Keys], ct);
                schedule.Add($"{acknowledged.Count} acknowledged writes checked");
            }
        }
        catch (Exception) when (Report(members))
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"seed {seed}, schedule: {string.Join("; ", schedule)}", e);
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    /// <summary>Waits until every member shows an adequate layout of all three, starting again any that exited meanwhile.</summary>
    private static async Task WaitForWholeGroupAsync(ChildProcess?[] members, int[] ports, string directory, string[] extra, List<string> schedule, CancellationToken ct)
    {
        var whole = new Task<string>?[members.Length];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (true)
        {
            for (var id = 0; id < members.Length; id++)
            {
                if (members[id]!.HasExited)
                {
                    schedule.Add($"member {id} exited during the restart; started again");
                    await members[id]!.DisposeAsync();
                    Start(members, ports, directory, [id], extra);
                    whole[id] = null;
                }
                whole[id] ??= members[id]!.WaitForLineAsync(l => IsLayout(l, 3), ct);
            }
            if (whole.All(t => t!.IsCompletedSuccessfully))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "waited 180 s for the restarted group to hold all three members");
            // A member's wait fails when it exits: the next pass starts it again.
            await Task.WhenAny(whole.Where(t => !t!.IsCompleted).Select(t => (Task)t!).Append(Task.Delay(200, ct)));
        }
    }

    private static async Task WaitForMoreAsync(ConcurrentDictionary<int, bool> acknowledged, int more, CancellationToken ct)
    {
        var target = acknowledged.Count + more;
        await WaitUntilAsync(() => acknowledged.Count >= target, $"{more} more acknowledged writes", ct);
    }

    private static async Task DisposeAllAsync(ChildProcess?[] members)
    {
        foreach (var member in members)
        {
            if (member is not null)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary>Writes what the members printed to the test's output (an exception filter: it never catches).</summary>
    private static bool Report(ChildProcess?[] members)
    {
        for (var id = 0; id < members.Length; id++)
        {
            if (members[id] is { } member)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"member {id} stdout:\n{member.StandardOutput}\nstderr:\n{member.StandardError}");
            }
        }
        return false;
    }

    internal static bool IsLayout(string line, int members) =>
        line.StartsWith("layout ", StringComparison.Ordinal) && !line.EndsWith("inadequate", StringComparison.Ordinal) && line.Split(':')[^1].Split(',').Length == members;

    internal static async Task WriteAsync(KvClient kv, ConcurrentDictionary<int, bool> acknowledged, Func<int> next, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var n = next();
            try
            {
                await kv.PutAsync(Key(n), Encoding.UTF8.GetBytes(Key(n)), ct);
                acknowledged[n] = true;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                // Not acknowledged: it may or may not survive.
                if (!ct.IsCancellationRequested)
                {
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }
    }

    internal static async Task CheckEveryReplicaAsync(int port, int[] acknowledged, CancellationToken ct, int replicas = 3)
    {
        await using var client = await ConnectAsync(port, ct);
        await WaitUntilAsync(() => client.View.Allocation?.Types[0].Subgroups[0][0].Members.Count == replicas, $"a layout of {replicas} replicas", ct);
        var nodes = client.View.Allocation!.Types[0].Subgroups[0][0].Members;
        Assert.Equal(replicas, nodes.Count);
        foreach (var n in acknowledged.Order())
        {
            var answers = await Task.WhenAll(nodes.Select(node =>
                new KvStore.P2PCalls(client, node).GetAtVersionAsync(Key(n), Versions.Of(int.MaxValue, 0), ct)));
            foreach (var answer in answers)
            {
                Assert.True(answer.Value is not null && Encoding.UTF8.GetString(answer.Value) == Key(n),
                    $"acknowledged write {Key(n)} is missing at a replica after the restart");
                Assert.Equal(answers[0].Version, answer.Version);
            }
        }
    }

    private static async Task StartAllAsync(ChildProcess?[] members, int[] ports, string directory, CancellationToken ct, string[]? extra = null)
    {
        Start(members, ports, directory, [0, 1, 2], extra ?? []);
        await members[0]!.WaitForLineAsync(l => IsLayout(l, 3), ct);
    }

    private static void Start(ChildProcess?[] members, int[] ports, string directory, int[] ids, string[] extra)
    {
        foreach (var id in ids)
        {
            members[id] = ChildProcess.StartDotnet("Derecho.Cli",
            [
                "kv", "serve", "--KV/persistent=true", $"--PERS/file_path={Path.Combine(directory, "n" + id.ToString(CultureInfo.InvariantCulture))}",
                $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                $"--DERECHO/contact_port={ports[0]}", "--DERECHO/heartbeat_ms=100", "--DERECHO/sst_poll_cq_timeout_ms=3000", .. extra,
            ]);
        }
    }

    private static async Task<ExternalClient> ConnectAsync(int port, CancellationToken ct) =>
        await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port),
            new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(20), ConnectTimeout = TimeSpan.FromSeconds(20) }, ct);

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 120 s for {what}");
            await Task.Delay(20, ct);
        }
    }

    internal static string Key(int n) => "w" + n.ToString(CultureInfo.InvariantCulture);
}
