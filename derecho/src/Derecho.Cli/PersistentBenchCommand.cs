using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Derecho.External;
using Derecho.Kv;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho bench persistent</c> (the counterpart of Derecho's <c>persistent_bw_test</c>): durable ordered puts/s
/// and put latency of the key-value store in persistent mode, 3 member processes on 127.0.0.1 in one shard, driven by
/// an external client through one member (a put returns once every replica synced it), at each in-flight count and
/// value size; beside etcd and ZooKeeper 3-member clusters driven by <c>derecho/bench/peers</c> in the same run.
/// </summary>
internal static partial class PersistentBenchCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Measurement time per run.", DefaultValueFactory = _ => 5 };
        var sizes = new Option<string>("--sizes") { Description = "Value sizes in bytes, comma-separated.", DefaultValueFactory = _ => "100,1024" };
        var inflight = new Option<string>("--inflight") { Description = "Puts in flight, comma-separated (the best of them is reported too).", DefaultValueFactory = _ => "1,16,64,256,1024,2048,4096" };
        var memberWindow = new Option<int>("--member-window") { Description = "Puts each member keeps in flight in the member-driven row (0: no such row).", DefaultValueFactory = _ => 64 };
        var pers = new Option<string>("--pers") { Description = "Extra [PERS] settings for the members, comma-separated KEY=VALUE (e.g. preallocate_segments=false).", DefaultValueFactory = _ => "" };
        var peers = new Option<string>("--peers") { Description = "Peer systems to run beside, comma-separated (etcd, zookeeper), or 'none'.", DefaultValueFactory = _ => "etcd,zookeeper" };
        var command = new Command("persistent", "Durable ordered puts/s and p50/p99 latency (3 members, persistent mode) beside etcd and ZooKeeper measured in the same run.")
        {
            seconds, sizes, inflight, memberWindow, peers, pers,
        };
        command.SetAction((parse, ct) => RunAsync(TimeSpan.FromSeconds(parse.GetValue(seconds)), ParseList(parse.GetValue(sizes)!, "--sizes"),
            ParseList(parse.GetValue(inflight)!, "--inflight"), parse.GetValue(memberWindow), parse.GetValue(peers)!, PersArguments(parse.GetValue(pers)!), ct));
        return command;
    }

    private static int[] ParseList(string text, string option)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = values.Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1 << 20 ? n : -1).ToArray();
        return parsed.Length > 0 && parsed.All(n => n > 0) ? parsed : throw new UsageException($"{option} '{text}' is not a comma-separated list of positive numbers");
    }

    /// <summary>The members' arguments for <c>--pers KEY=VALUE,...</c>.</summary>
    private static string[] PersArguments(string text)
    {
        var settings = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (settings.FirstOrDefault(s => s.IndexOf('=', StringComparison.Ordinal) <= 0) is { } bad)
        {
            throw new UsageException($"--pers: '{bad}' is not KEY=VALUE");
        }
        return [.. settings.Select(s => "--PERS/" + s)];
    }

    private static async Task<int> RunAsync(TimeSpan duration, int[] sizes, int[] inflight, int memberWindow, string peers, string[] pers, CancellationToken ct)
    {
        if (duration <= TimeSpan.Zero || memberWindow < 0)
        {
            throw new UsageException("--seconds must be positive and --member-window not negative");
        }
        var peerNames = peers == "none" ? [] : peers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (peerNames.FirstOrDefault(p => p is not ("etcd" or "zookeeper")) is { } unknown)
        {
            throw new UsageException($"--peers: unknown system '{unknown}' (etcd, zookeeper or none)");
        }
        var loads = await File.ReadAllTextAsync("/proc/loadavg", ct);
        await Console.Out.WriteLineAsync($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; nproc {Environment.ProcessorCount}; load average {string.Join(' ', loads.Split(' ').Take(3))}; {BenchCommand.YoungGeneration()}");
        var rows = new List<Row>();
        foreach (var size in sizes)
        {
            try
            {
                rows.AddRange(await MeasureDerechoAsync(size, inflight, duration, pers, ct));
                if (memberWindow > 0)
                {
                    rows.Add(await MeasureMembersAsync(size, memberWindow, duration, pers, ct));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or Rpc.RpcException or IOException or TimeoutException)
            {
                await Console.Out.WriteLineAsync($"derecho size={size} failed: {e.Message.Trim()}");
            }
        }
        foreach (var peer in peerNames)
        {
            rows.AddRange(await MeasurePeerAsync(peer, sizes, inflight, duration, ct));
        }
        await Console.Out.WriteLineAsync();
        await Console.Out.WriteLineAsync("system     size  in-flight  writes/s   p50 ms   p99 ms  member CPU us/put  client CPU us/put");
        foreach (var row in rows)
        {
            await Console.Out.WriteLineAsync(FormattableString.Invariant(
                $"{row.System,-10} {row.Size,5}  {row.InFlight,9}  {row.WritesPerSecond,8:F0}  {row.P50,7:F2}  {row.P99,7:F2}  {Micros(row.CpuPerPut),17}  {Micros(row.ClientCpuPerPut),17}"));
        }

        static string Micros(double value) => double.IsNaN(value) ? "" : value.ToString("F1", CultureInfo.InvariantCulture);
        await Console.Out.WriteLineAsync();
        await Console.Out.WriteLineAsync("derecho over each peer (throughput ratio; p50 latency at 1 in flight, peer / derecho):");
        foreach (var size in sizes)
        {
            var ours = rows.Where(r => r.System == "derecho" && r.Size == size).ToList();
            var members = rows.Where(r => r.System == MembersRow && r.Size == size).ToList();
            foreach (var peer in peerNames)
            {
                var theirs = rows.Where(r => r.System == peer && r.Size == size).ToList();
                if (ours.Count == 0 || theirs.Count == 0)
                {
                    continue;
                }
                var best = ours.Max(r => r.WritesPerSecond) / theirs.Max(r => r.WritesPerSecond);
                var at64 = Ratio(ours, theirs, 64, r => r.WritesPerSecond, flip: false);
                var p50 = Ratio(ours, theirs, 1, r => r.P50, flip: true);
                var memberBest = members.Count == 0 ? "n/a" : (members.Max(r => r.WritesPerSecond) / theirs.Max(r => r.WritesPerSecond)).ToString("F1", CultureInfo.InvariantCulture) + "x";
                await Console.Out.WriteLineAsync(FormattableString.Invariant(
                    $"size {size,5} vs {peer,-10} best {best,6:F1}x  at 64 {at64}  p50 at 1 {p50}  member-driven {memberBest}"));
            }
        }
        return ExitCode.Success;
    }

    private static string Ratio(List<Row> ours, List<Row> theirs, int inFlight, Func<Row, double> measure, bool flip)
    {
        var a = ours.FirstOrDefault(r => r.InFlight == inFlight);
        var b = theirs.FirstOrDefault(r => r.InFlight == inFlight);
        if (a is null || b is null)
        {
            return "n/a";
        }
        var ratio = flip ? measure(b) / measure(a) : measure(a) / measure(b);
        return ratio.ToString("F1", CultureInfo.InvariantCulture) + "x";
    }

    /// <summary>The row of puts issued by the members themselves (Derecho's <c>persistent_bw_test</c>, every member sending).</summary>
    private const string MembersRow = "derecho-m";

    private const int Members = 3;

    /// <summary>Starts 3 persistent members (with <paramref name="extra"/> arguments each) and waits for the layout of all three.</summary>
    private static async Task<int[]> StartMembersAsync(List<SelfProcess> processes, DirectoryInfo logs, string[] extra, CancellationToken ct)
    {
        var ports = SelfProcess.FreePorts(2 * Members);
        for (var id = 0; id < Members; id++)
        {
            processes.Add(SelfProcess.Start(
            [
                "kv", "serve", "--KV/persistent=true", $"--PERS/file_path={Path.Combine(logs.FullName, $"n{id}")}", "--PERS/reset=true",
                $"--PERS/max_log_entry={1L << 40}", $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}",
                $"--DERECHO/sst_port={ports[(2 * id) + 1]}", $"--DERECHO/contact_port={ports[0]}", .. extra,
            ]));
            await processes[id].WaitForLineAsync(l => l.StartsWith("serving node", StringComparison.Ordinal), ct);
        }
        await processes[0].WaitForLineAsync(l => l.StartsWith($"layout ", StringComparison.Ordinal) && l.Split(':')[^1].Split(',').Length == Members, ct);
        return ports;
    }

    /// <summary>
    /// Every member issues durable puts itself, <paramref name="window"/> in flight each (no external client):
    /// writes/s summed over the members, latency percentiles of member 0.
    /// </summary>
    private static async Task<Row> MeasureMembersAsync(int size, int window, TimeSpan duration, string[] pers, CancellationToken ct)
    {
        var logs = Directory.CreateTempSubdirectory("derecho-persistent-");
        var processes = new List<SelfProcess>();
        try
        {
            await StartMembersAsync(processes, logs,
            [
                "--bench-seconds", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--bench-value-size", size.ToString(CultureInfo.InvariantCulture),
                "--bench-members", Members.ToString(CultureInfo.InvariantCulture), "--bench-window", window.ToString(CultureInfo.InvariantCulture), "--bench-puts-only",
                .. pers,
            ], ct);
            var results = new List<Dictionary<string, double>>();
            foreach (var process in processes)
            {
                results.Add(BenchCommand.ResultFields(await process.WaitForLineAsync(l => l.StartsWith("result kind put ", StringComparison.Ordinal), ct)));
            }
            var row = new Row(MembersRow, size, Members * window, results.Sum(r => r["completed"] / r["seconds"]), results[0]["p50_ms"], results[0]["p99_ms"])
            {
                CpuPerPut = results.Sum(r => r["cpu_ms"]) * 1000 / Math.Max(1, results.Sum(r => r["completed"])),
            };
            await Console.Out.WriteLineAsync(FormattableString.Invariant(
                $"{MembersRow} inflight={row.InFlight} size={size} writes/s={row.WritesPerSecond:F0} p50_ms={row.P50:F2} p99_ms={row.P99:F2} member_cpu_us_per_put={row.CpuPerPut:F1} alloc_bytes_per_put={results.Sum(r => r["alloc_bytes"]) / Math.Max(1, results.Sum(r => r["completed"])):F0}"));
            return row;
        }
        finally
        {
            foreach (var process in processes)
            {
                process.CloseInput();
            }
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
            logs.Delete(recursive: true);
        }
    }

    /// <summary>Starts 3 persistent members, then runs the client at each in-flight count (after a warm-up).</summary>
    private static async Task<List<Row>> MeasureDerechoAsync(int size, int[] inflight, TimeSpan duration, string[] pers, CancellationToken ct)
    {
        var logs = Directory.CreateTempSubdirectory("derecho-persistent-");
        var processes = new List<SelfProcess>();
        var rows = new List<Row>();
        try
        {
            var ports = await StartMembersAsync(processes, logs, pers, ct);
            await using var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[0]),
                new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(60) }, ct);
            var kv = new KvClient(client, () => client.View.Allocation);
            var value = new byte[size];
            Random.Shared.NextBytes(value);
            await kv.PutAsync("warm-up", value, ct);
            // A fresh process compiles its hot paths for seconds: warm them before measuring.
            await DriveAsync(kv, value, 64, TimeSpan.FromSeconds(Math.Min(2, duration.TotalSeconds)), processes, ct);
            foreach (var count in inflight)
            {
                var row = await DriveAsync(kv, value, count, duration, processes, ct) with { Size = size };
                rows.Add(row);
                await Console.Out.WriteLineAsync(FormattableString.Invariant(
                    $"derecho inflight={count} size={size} writes/s={row.WritesPerSecond:F0} p50_ms={row.P50:F2} p99_ms={row.P99:F2} member_cpu_us_per_put={row.CpuPerPut:F1} client_cpu_us_per_put={row.ClientCpuPerPut:F1}"));
            }
            return rows;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
            logs.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Keeps <paramref name="inFlight"/> durable puts going for <paramref name="duration"/>; latency of each completed in
    /// time, and the CPU time the <paramref name="members"/> spent per put meanwhile (a cost the machine's load distorts less).
    /// </summary>
    private static async Task<Row> DriveAsync(KvClient kv, byte[] value, int inFlight, TimeSpan duration, IReadOnlyList<SelfProcess> members, CancellationToken ct)
    {
        var cpu = MembersCpu(members);
        var clientCpu = ClientCpu();
        var started = Stopwatch.GetTimestamp();
        var latencies = new List<double>[inFlight];
        var next = 0L;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async lane =>
        {
            latencies[lane] = [];
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var key = Keys[(int)(Interlocked.Increment(ref next) % Keys.Length)];
                var begun = Stopwatch.GetTimestamp();
                await kv.PutAsync(key, value, ct);
                if (Stopwatch.GetElapsedTime(started) <= duration)
                {
                    latencies[lane].Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
                }
            }
        }));
        var spent = MembersCpu(members) - cpu;
        var clientSpent = ClientCpu() - clientCpu;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        // Every put issued counts for the CPU, also those completed after the time (their latency is not measured).
        return new Row("derecho", 0, inFlight, all.Length / duration.TotalSeconds, KvBenchCommand.Percentile(all, 0.50), KvBenchCommand.Percentile(all, 0.99))
        {
            CpuPerPut = spent.TotalMicroseconds / Math.Max(1, next),
            ClientCpuPerPut = clientSpent.TotalMicroseconds / Math.Max(1, next),
        };
    }

    /// <summary>The keys the client's puts go to, in turn.</summary>
    private static readonly string[] Keys = [.. Enumerable.Range(0, 4096).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>The CPU time this process (the client) used so far.</summary>
    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>The CPU time the member processes used so far (user and system, all threads).</summary>
    private static TimeSpan MembersCpu(IReadOnlyList<SelfProcess> members)
    {
        var total = TimeSpan.Zero;
        foreach (var member in members)
        {
            try
            {
                using var process = Process.GetProcessById(member.Id);
                total += process.TotalProcessorTime;
            }
            catch (ArgumentException)
            {
                // Exited: its puts fail, and the run reports that.
            }
        }
        return total;
    }

    /// <summary>Runs <c>derecho/bench/peers/NAME.sh</c> and reads its result lines.</summary>
    private static async Task<List<Row>> MeasurePeerAsync(string peer, int[] sizes, int[] inflight, TimeSpan duration, CancellationToken ct)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "derecho", "bench", "peers", peer + ".sh")))
        {
            directory = directory.Parent;
        }
        if (directory is null)
        {
            await Console.Out.WriteLineAsync($"{peer}: derecho/bench/peers/{peer}.sh not found above {AppContext.BaseDirectory}; skipped");
            return [];
        }
        var script = Path.Combine(directory.FullName, "derecho", "bench", "peers", peer + ".sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory.FullName,
        };
        start.Environment["INFLIGHT"] = string.Join(' ', inflight);
        start.Environment["SIZES"] = string.Join(' ', sizes);
        start.Environment["RUN_SECONDS"] = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {script}");
        var errors = process.StandardError.ReadToEndAsync(ct);
        var rows = new List<Row>();
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            await Console.Out.WriteLineAsync(line);
            var match = ResultLine().Match(line);
            if (match.Success)
            {
                rows.Add(new Row(match.Groups[1].Value, int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture),
                    int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture),
                    double.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[6].Value, CultureInfo.InvariantCulture)));
            }
        }
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            await Console.Out.WriteLineAsync($"{peer}: the peer script failed (exit {process.ExitCode}): {(await errors).Trim().Split('\n')[^1]}");
        }
        return rows;
    }

    [GeneratedRegex(@"^(\w+) inflight=(\d+) size=(\d+) writes/s=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+)")]
    private static partial Regex ResultLine();

    private sealed record Row(string System, int Size, int InFlight, double WritesPerSecond, double P50, double P99)
    {
        /// <summary>CPU time of the Derecho members per put, µs (NaN for the peers).</summary>
        public double CpuPerPut { get; init; } = double.NaN;

        /// <summary>CPU time of the external client per put, µs (NaN for the peers and the member-driven row).</summary>
        public double ClientCpuPerPut { get; init; } = double.NaN;
    }
}
