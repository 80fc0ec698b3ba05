using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Derecho.External;
using Derecho.Kv;
using Derecho.Rpc;
using Derecho.Tests.Persistence;

namespace Derecho.Tests.Integration;

/// <summary>
/// The chaos harness (opt-in: <c>[Slow]</c>; <c>DERECHO_CHAOS_SEEDS=1,2,…</c> and <c>DERECHO_CHAOS_STEPS=N</c> make a
/// soak of <see cref="Seeded_faults_lose_no_acknowledged_put_and_leave_identical_replicas"/>): three or five
/// persistent <c>kv serve</c> processes in one shard under an external client that puts fresh keys and reads
/// acknowledged ones back, while seeded steps inject SIGKILL with a restart on the same ports or on others, a
/// SIGSTOP and SIGCONT, a minority killed at once, and total restarts. Checked: every acknowledged put is readable
/// (during the run, at whichever replica answers, and at the end at every replica at the same version); the
/// replicas hold the same keys; the group makes progress after every step once a majority runs again; no process
/// dies of an unhandled exception, and a member that stops by itself says why on stderr.
/// </summary>
public sealed class ChaosTests
{
    public static TheoryData<int> Seeds()
    {
        var seeds = Environment.GetEnvironmentVariable("DERECHO_CHAOS_SEEDS") is { Length: > 0 } list
            ? list.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            : [1, 2, 3];
        var data = new TheoryData<int>();
        foreach (var seed in seeds)
        {
            data.Add(seed);
        }
        return data;
    }

    [Theory(Timeout = 3_600_000)]
    [Slow]
    [MemberData(nameof(Seeds))]
    public async Task Seeded_faults_lose_no_acknowledged_put_and_leave_identical_replicas(int seed)
    {
        var steps = int.TryParse(Environment.GetEnvironmentVariable("DERECHO_CHAOS_STEPS"), CultureInfo.InvariantCulture, out var n) ? n : 8;
        await using var chaos = new Chaos(seed, members: seed % 2 == 0 ? 5 : 3);
        await chaos.RunAsync(steps, TestContext.Current.CancellationToken);
    }

    /// <summary>One seeded run: its processes, the client's load, the schedule so far and the violations seen.</summary>
    private sealed class Chaos(int seed, int members) : IAsyncDisposable
    {
        private readonly Random _random = new(seed);
        private readonly TempDirectory _directory = new("derecho-chaos");

        /// <summary>
        /// Two pairs of ports (gms, sst) per member: its own and the other address it may restart at, as on another
        /// host (with a log directory of its own there, which holds whatever that member logged there last, if anything).
        /// </summary>
        private readonly int[] _ports = FreePort.Next(4 * members);

        private readonly ChildProcess?[] _members = new ChildProcess?[members];
        private readonly bool[] _moved = new bool[members];
        private readonly List<ChildProcess> _all = [];
        private readonly HashSet<ChildProcess> _killed = [];
        private readonly ConcurrentDictionary<int, bool> _acknowledged = new();
        private readonly ConcurrentQueue<string> _violations = new();
        private readonly List<string> _schedule = [];
        private int _next;

        public async Task RunAsync(int steps, CancellationToken ct)
        {
            try
            {
                for (var id = 0; id < members; id++)
                {
                    Start(id);
                }
                await WaitForWholeGroupAsync(ct);
                await using var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _ports[0]),
                    new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(20), ConnectTimeout = TimeSpan.FromSeconds(20) }, ct);
                var kv = new KvClient(client, () => client.View.Allocation);
                using var load = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => TotalRestartTests.WriteAsync(kv, _acknowledged, () => Interlocked.Increment(ref _next), load.Token), ct))
                    .Append(Task.Run(() => ReadBackAsync(kv, load.Token), ct)).ToArray();
                for (var step = 0; step < steps; step++)
                {
                    await ProgressAsync(ct);
                    await StepAsync(ct);
                    CheckExits();
                }
                await ProgressAsync(ct);
                await load.CancelAsync();
                await Task.WhenAll(workers);
                await WaitForWholeGroupAsync(ct);
                _schedule.Add($"{_acknowledged.Count} acknowledged puts checked at every replica");
                await TotalRestartTests.CheckEveryReplicaAsync(_ports[MyPorts(0)], [.. _acknowledged.Keys], ct, members);
                await CheckSameKeysAsync(ct);
                CheckExits();
                TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}, {members} members, schedule: {string.Join("; ", _schedule)}");
                Assert.True(_violations.IsEmpty, string.Join("\n", _violations));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException($"seed {seed}, {members} members, schedule: {string.Join("; ", _schedule)}\n{Outputs()}", e);
            }
        }

        /// <summary>One seeded fault, and the restarts it calls for.</summary>
        private async Task StepAsync(CancellationToken ct)
        {
            var victim = _random.Next(members);
            var kind = _random.Next(6);
            switch (Environment.GetEnvironmentVariable("DERECHO_CHAOS_ONLY") is { Length: > 0 } only ? int.Parse(only, CultureInfo.InvariantCulture) : kind)
            {
                case 0:
                    _schedule.Add($"SIGKILL {victim}, restart on its ports");
                    Kill(victim);
                    await Task.Delay(_random.Next(0, 1500), ct);
                    Start(victim);
                    break;
                case 1:
                    // The contact stays where the others' configuration finds it.
                    victim = 1 + _random.Next(members - 1);
                    _moved[victim] = !_moved[victim];
                    _schedule.Add($"SIGKILL {victim}, restart on its {(_moved[victim] ? "second" : "first")} ports and log directory");
                    Kill(victim);
                    Start(victim);
                    break;
                case 2:
                    var pause = _random.Next(200, 4000);
                    _schedule.Add($"SIGSTOP {victim} for {pause} ms");
                    MemberCluster.Signal(_members[victim]!, "STOP");
                    await Task.Delay(pause, ct);
                    MemberCluster.Signal(_members[victim]!, "CONT");
                    break;
                case 3:
                    victim = 1 + _random.Next(members - 1);
                    _schedule.Add($"SIGSTOP {victim}, restart on other ports (and its other log directory), then SIGKILL the old process");
                    var frozen = _members[victim]!;
                    MemberCluster.Signal(frozen, "STOP");
                    _moved[victim] = !_moved[victim];
                    // As on another host: its own ports and disk (the frozen process holds its directory's lock).
                    Start(victim);
                    await Task.Delay(_random.Next(100, 2000), ct);
                    _killed.Add(frozen);
                    frozen.Kill();
                    break;
                case 4:
                    var minority = Enumerable.Range(0, members).OrderBy(_ => _random.Next()).Take((members - 1) / 2).ToArray();
                    _schedule.Add($"SIGKILL {string.Join(',', minority)} at once, restart them");
                    foreach (var id in minority)
                    {
                        Kill(id);
                    }
                    await Task.Delay(_random.Next(0, 2000), ct);
                    foreach (var id in minority)
                    {
                        Start(id);
                    }
                    break;
                default:
                    var order = Enumerable.Range(0, members).OrderBy(_ => _random.Next()).ToArray();
                    _schedule.Add($"SIGKILL all, restart in order {string.Join(',', order)}");
                    foreach (var id in Enumerable.Range(0, members))
                    {
                        Kill(id);
                    }
                    foreach (var id in order)
                    {
                        Start(id);
                        await Task.Delay(_random.Next(0, 500), ct);
                    }
                    break;
            }
            await WaitForWholeGroupAsync(ct);
        }

        /// <summary>Waits until the client's puts go on: 10 more acknowledged within two minutes.</summary>
        private async Task ProgressAsync(CancellationToken ct)
        {
            var target = _acknowledged.Count + 10;
            var deadline = Stopwatch.StartNew();
            while (_acknowledged.Count < target)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"no progress: {_acknowledged.Count} acknowledged puts, waited 2 min for {target}");
                await Task.Delay(50, ct);
            }
        }

        /// <summary>Reads acknowledged keys back while the faults go on: an answer without the value is a lost put.</summary>
        private async Task ReadBackAsync(KvClient kv, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var keys = _acknowledged.Keys.ToArray();
                if (keys.Length > 0)
                {
                    var n = keys[Random.Shared.Next(keys.Length)];
                    try
                    {
                        var value = await kv.GetAsync(TotalRestartTests.Key(n), ct);
                        if (value is null || Encoding.UTF8.GetString(value) != TotalRestartTests.Key(n))
                        {
                            _violations.Enqueue($"acknowledged put {TotalRestartTests.Key(n)} read back as {(value is null ? "missing" : "'" + Encoding.UTF8.GetString(value) + "'")} after: {string.Join("; ", _schedule)}");
                        }
                    }
                    catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or ObjectDisposedException)
                    {
                        // No answer during a failure: not a wrong one.
                    }
                }
                try
                {
                    await Task.Delay(20, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        /// <summary>Every replica lists the same keys (the end of the run, with the load stopped).</summary>
        private async Task CheckSameKeysAsync(CancellationToken ct)
        {
            await using var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _ports[MyPorts(0)]),
                new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(20), ConnectTimeout = TimeSpan.FromSeconds(20) }, ct);
            var nodes = client.View.Allocation!.Types[0].Subgroups[0][0].Members;
            var lists = await Task.WhenAll(nodes.Select(node => new KvStore.P2PCalls(client, node).ListKeysAsync(ct)));
            for (var i = 1; i < lists.Length; i++)
            {
                Assert.True(lists[0].Order(StringComparer.Ordinal).SequenceEqual(lists[i].Order(StringComparer.Ordinal)),
                    $"replicas {nodes[0]} and {nodes[i]} hold different keys: {lists[0].Length} and {lists[i].Length}");
            }
        }

        /// <summary>
        /// Processes that exited without being killed: a crash (an unhandled exception, a signal) is a violation; a
        /// member that stopped and says why (removed after a pause, say) is started again.
        /// </summary>
        private void CheckExits()
        {
            foreach (var process in _all.Where(p => !_killed.Contains(p)))
            {
                if (process.StandardError.Contains("Unhandled exception", StringComparison.Ordinal) || process.StandardError.Contains("   at ", StringComparison.Ordinal))
                {
                    _violations.Enqueue($"a stack trace on the stderr of pid {process.Id}: {Tail(process.StandardError)}");
                    _killed.Add(process);
                }
            }
            for (var id = 0; id < members; id++)
            {
                if (_members[id] is { HasExited: true } exited && !_killed.Contains(exited))
                {
                    var said = exited.StandardError.Trim();
                    _schedule.Add($"member {id} exited by itself ({Tail(said)}); started again");
                    TestContext.Current.TestOutputHelper?.WriteLine($"member {id} exited by itself; the processes:\n{Outputs(lines: 60)}");
                    if (said.Length == 0)
                    {
                        _violations.Enqueue($"member {id} (pid {exited.Id}) exited without a word on stderr");
                    }
                    _killed.Add(exited);
                    Start(id);
                }
            }
        }

        /// <summary>Waits until every member shows an adequate layout of all of them, starting again any that stopped by itself meanwhile.</summary>
        private async Task WaitForWholeGroupAsync(CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                CheckExits();
                var whole = _members.All(m => m is { HasExited: false } && LastLayout(m) is { } line && TotalRestartTests.IsLayout(line, members));
                if (whole)
                {
                    return;
                }
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), "waited 3 min for the group to hold every member again");
                await Task.Delay(100, ct);
            }
        }

        private static string? LastLayout(ChildProcess member) =>
            member.StandardOutput.Split('\n').LastOrDefault(l => l.StartsWith("layout ", StringComparison.Ordinal))?.Trim();

        private int MyPorts(int id) => (2 * id) + (_moved[id] ? 2 * members : 0);

        private void Start(int id)
        {
            var at = MyPorts(id);
            var process = ChildProcess.StartDotnet("Derecho.Cli",
            [
                "kv", "serve", "--KV/persistent=true", $"--PERS/file_path={_directory.Combine($"n{id.ToString(CultureInfo.InvariantCulture)}{(_moved[id] ? "b" : "a")}")}",
                $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={_ports[at]}", $"--DERECHO/sst_port={_ports[at + 1]}",
                $"--DERECHO/contact_port={_ports[0]}", "--DERECHO/heartbeat_ms=100", "--DERECHO/sst_poll_cq_timeout_ms=2000",
            ]);
            _members[id] = process;
            _all.Add(process);
        }

        private void Kill(int id)
        {
            if (_members[id] is { } process)
            {
                _killed.Add(process);
                process.Kill();
            }
        }

        private string Outputs(int lines = 15) => string.Join("\n", _all.Select((m, i) => $"--- process #{i} (pid {m.Id})\n{Tail(m.StandardOutput, lines)}\n{Tail(m.StandardError, lines)}"));

        private static string Tail(string text, int lines = 15) => string.Join('\n', text.Split('\n').TakeLast(lines));

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _all)
            {
                await process.DisposeAsync();
            }
            _directory.Dispose();
        }
    }
}
