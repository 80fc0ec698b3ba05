using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Derecho.Kv;
using Derecho.Rpc;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho bench kv</c>: ordered puts/s and P2P gets/s of the key-value store with 1 KB values, for 3 members in
/// one shard and 6 members in two shards (member processes on 127.0.0.1, every member loading its own shard),
/// beside the raw multicast throughput of as many members measured in the same run; one row per number of calls in
/// flight, each with the CPU time and bytes allocated per put of all members together.
/// </summary>
internal static class KvBenchCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Measurement time per phase.", DefaultValueFactory = _ => 3 };
        var size = new Option<int>("--value-size") { Description = "Value size in bytes.", DefaultValueFactory = _ => 1024 };
        var window = new Option<int[]>("--window")
        {
            Description = "Calls each member keeps in flight; several values measure a row each (the raw row keeps up to 1,024 messages in flight per sender).",
            DefaultValueFactory = _ => [64, 1024],
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("kv", "Ordered puts/s and P2P gets/s of the key-value store (3 members in 1 shard, 6 in 2 shards) beside raw multicast throughput.")
        {
            seconds, size, window,
        };
        command.SetAction((parse, ct) => RunAsync(TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(size),
            parse.GetValue(window) ?? [], ct));
        return command;
    }

    private static async Task<int> RunAsync(TimeSpan duration, int size, int[] windows, CancellationToken ct)
    {
        if (duration <= TimeSpan.Zero || size is < 1 or > 1 << 20 || windows.Length == 0 || windows.Any(w => w < 1))
        {
            throw new UsageException("--seconds and --window must be positive and --value-size between 1 and 1048576");
        }
        await Console.Out.WriteLineAsync($"per put: CPU time and bytes allocated of all member processes together, during the put phase; {BenchCommand.YoungGeneration()}");
        await Console.Out.WriteLineAsync("members  shards  in flight  raw msgs/s  ordered puts/s  puts/raw  P2P gets/s  put CPU us  put alloc B");
        foreach (var (members, shards) in new[] { (3, 1), (6, 2) })
        {
            try
            {
                var (raw, _, _, _) = await BenchCommand.MeasureAsync(size + 32, members, BenchCommand.Window(size), duration, ct, members);
                foreach (var window in windows)
                {
                    var row = await MeasureAsync(members, shards, size, window, duration, ct);
                    await Console.Out.WriteLineAsync(FormattableString.Invariant(
                        $"{members,-8} {shards,-7} {window,-10} {raw,-11:F0} {row.Puts,-15:F0} {row.Puts / raw,8:P1}  {row.Gets,-11:F0} {row.CpuPerPut,-11:F1} {row.AllocatedPerPut:F0}"));
                }
            }
            catch (InvalidOperationException e)
            {
                await Console.Out.WriteLineAsync($"{members,-8} {shards,-7} failed: a member process ended early ({e.Message.Split('\n')[0]})");
            }
        }
        return ExitCode.Success;
    }

    private static async Task<KvRow> MeasureAsync(int members, int shards, int size, int window, TimeSpan duration, CancellationToken ct)
    {
        var ports = SelfProcess.FreePorts(2 * members);
        var layout = $$"""[{"type_alias":"KvStore","layout":[{"min_nodes_by_shard":[{{string.Join(',', Enumerable.Repeat(members / shards, shards))}}],"max_nodes_by_shard":[{{string.Join(',', Enumerable.Repeat(members / shards, shards))}}]}]}]""";
        var processes = new List<SelfProcess>();
        try
        {
            for (var id = 0; id < members; id++)
            {
                processes.Add(SelfProcess.Start(
                [
                    "kv", "serve", "--bench-seconds", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                    "--bench-value-size", size.ToString(CultureInfo.InvariantCulture), "--bench-members", members.ToString(CultureInfo.InvariantCulture),
                    "--bench-window", window.ToString(CultureInfo.InvariantCulture),
                    $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                    $"--DERECHO/contact_port={ports[0]}", $"--LAYOUT/json_layout={layout}",
                    // Starting six processes on a loaded machine can pause one for seconds: do not remove it for that.
                    "--DERECHO/sst_poll_cq_timeout_ms=5000",
                ]));
                await processes[id].WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal), ct);
            }
            double puts = 0, gets = 0, completed = 0, cpu = 0, allocated = 0;
            foreach (var process in processes)
            {
                var put = BenchCommand.ResultFields(await process.WaitForLineAsync(l => l.StartsWith("result kind put ", StringComparison.Ordinal), ct));
                puts += put["completed"] / put["seconds"];
                completed += put["completed"];
                cpu += put["cpu_ms"];
                allocated += put["alloc_bytes"];
                var get = BenchCommand.ResultFields(await process.WaitForLineAsync(l => l.StartsWith("result kind get ", StringComparison.Ordinal), ct));
                gets += get["completed"] / get["seconds"];
            }
            return new KvRow(puts, gets, cpu * 1000 / completed, allocated / completed);
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
        }
    }

    /// <summary>
    /// The load one member generates once <paramref name="adequateWithMembers"/> completes: ordered puts of
    /// <paramref name="size"/>-byte values to its own shard, then (unless <paramref name="putsOnly"/>) P2P gets from
    /// the other members of its shard, <paramref name="window"/> calls in flight, each phase for
    /// <paramref name="duration"/> after a warm-up of puts (a fresh process still compiles its hot paths for
    /// seconds). Prints <c>result kind put node ID completed N seconds S p50_ms P p99_ms Q</c> and the same for
    /// <c>get</c>.
    /// </summary>
    public static async Task RunLoadAsync(ReplicatedGroup group, Task adequateWithMembers, int size, int window, TimeSpan duration, bool putsOnly, CancellationToken ct)
    {
        await adequateWithMembers.WaitAsync(ct);
        var allocation = group.Allocation!;
        var shard = allocation.ShardOf(0, 0, group.NodeId);
        var shardCount = allocation.Types[0].Subgroups[0].Count;
        var keys = Enumerable.Range(0, int.MaxValue).Select(i => $"n{group.NodeId}-{i}").Where(k => KvStore.ShardOf(k, shardCount) == shard).Take(256).ToArray();
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        var ordered = new KvStore.OrderedCalls(group, 0, shard);
        Task PutAsync(int i) => ordered.Put(keys[i % keys.Length], value, ct).GetAllAsync();
        await RunForAsync(TimeSpan.FromSeconds(Math.Min(2, duration.TotalSeconds)), window, PutAsync, ct);
        await PrintAsync("put", await RunForAsync(duration, window, PutAsync, ct));
        if (putsOnly)
        {
            return;
        }
        var members = allocation.Shard(0, 0, shard)!.Members;
        var readers = members.Count > 1 ? [.. members.Where(m => m != group.NodeId)] : members.ToArray();
        await PrintAsync("get", await RunForAsync(duration, window, i => new KvStore.P2PCalls(group, readers[i % readers.Length]).GetAsync(keys[i % keys.Length], ct), ct));

        Task PrintAsync(string kind, LoadResult result) => Console.Out.WriteLineAsync(FormattableString.Invariant(
            $"result kind {kind} node {group.NodeId} completed {result.Completed} seconds {duration.TotalSeconds:F3} p50_ms {result.P50:F3} p99_ms {result.P99:F3} cpu_ms {result.CpuMilliseconds:F0} alloc_bytes {result.AllocatedBytes} gcs {result.Collections}"));
    }

    /// <summary>
    /// Runs calls <paramref name="window"/> at a time for <paramref name="duration"/>; returns how many completed
    /// within it, their latency percentiles, and what this process spent meanwhile (CPU time of all its threads,
    /// bytes allocated, garbage collections): measures of the cost per call that a loaded machine distorts less
    /// than the rate.
    /// </summary>
    private static async Task<LoadResult> RunForAsync(TimeSpan duration, int window, Func<int, Task> call, CancellationToken ct)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var collections = GC.CollectionCount(0);
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        var latencies = new List<double>[window];
        await Task.WhenAll(Enumerable.Range(0, window).Select(async lane =>
        {
            var mine = latencies[lane] = [];
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var begun = Stopwatch.GetTimestamp();
                await call(Interlocked.Increment(ref next));
                if (Stopwatch.GetElapsedTime(started) <= duration)
                {
                    mine.Add(Stopwatch.GetElapsedTime(begun).TotalMilliseconds);
                }
            }
        }));
        self.Refresh();
        var spent = new LoadResult(0, 0, 0, (self.TotalProcessorTime - cpu).TotalMilliseconds, GC.GetTotalAllocatedBytes() - allocated,
            GC.CollectionCount(0) - collections);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return spent with { Completed = all.Length, P50 = Percentile(all, 0.50), P99 = Percentile(all, 0.99) };
    }

    /// <summary>The value below which a fraction <paramref name="p"/> of the sorted <paramref name="sorted"/> lies (NaN when empty).</summary>
    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private sealed record KvRow(double Puts, double Gets, double CpuPerPut, double AllocatedPerPut);

    private sealed record LoadResult(long Completed, double P50, double P99, double CpuMilliseconds, long AllocatedBytes, int Collections);
}
