using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho bench</c>: the counterpart of Derecho's <c>bandwidth_test</c> and <c>latency_test</c>. For each
/// message size, three member processes on 127.0.0.1 multicast for a fixed time with all, half or one of them
/// sending (after a warm-up second); each row gives delivered messages/s (each message counted once), MB/s, send-to-delivery latency, and
/// the ratio to a raw TCP blast from one process to two others measured in the same run. A low-load latency row
/// (1 KB, one sender, one message in flight) stands beside the raw loopback round trip measured in the same run.
/// </summary>
internal static class BenchCommand
{
    private const int Members = 3;

    /// <summary>How long members send before a row's measurement starts: fresh processes compile their code and fill their buffer pools first.</summary>
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var sizes = new Option<string>("--sizes") { Description = "Message sizes in bytes, comma-separated.", DefaultValueFactory = _ => "100,1024,10240,102400,1048576" };
        var modes = new Option<string>("--modes") { Description = "Sender modes: all, half (2 of 3), one.", DefaultValueFactory = _ => "all,half,one" };
        var seconds = new Option<double>("--seconds") { Description = "Measurement time per row.", DefaultValueFactory = _ => 3 };
        var command = new Command("bench", "Throughput and latency of 3 member processes on 127.0.0.1 beside the raw loopback ceiling.")
        {
            sizes, modes, seconds,
        };
        command.SetAction((parse, ct) => RunAsync(ParseSizes(parse.GetValue(sizes)!), ParseModes(parse.GetValue(modes)!), parse.GetValue(seconds), ct));
        command.Subcommands.Add(KvBenchCommand.Create());
        command.Subcommands.Add(PersistentBenchCommand.Create());
        return command;
    }

    private static int[] ParseSizes(string text) =>
        [.. text.Split(',').Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var n) && n is >= 16 and <= 1 << 24
            ? n : throw new UsageException($"--sizes: '{s}' is not a size between 16 and {1 << 24}"))];

    private static string[] ParseModes(string text) =>
        [.. text.Split(',').Select(s => s is "all" or "half" or "one" ? s : throw new UsageException($"--modes: '{s}' is not all, half or one"))];

    private static async Task<int> RunAsync(int[] sizes, string[] modes, double seconds, CancellationToken ct)
    {
        var duration = TimeSpan.FromSeconds(seconds);
        await Console.Out.WriteLineAsync($"load average at the start: {LoadAverage()}; {YoungGeneration()}");
        var rtt = await RoundTripAsync(1024, ct);
        await Console.Out.WriteLineAsync(FormattableString.Invariant($"raw loopback round trip, 1 KB: p50 {rtt:F0} us"));
        var (lowRate, lowP50, lowP99, lowMax) = await MeasureAsync(1024, 1, 1, duration, ct);
        await Console.Out.WriteLineAsync(FormattableString.Invariant(
            $"low load, 1 KB, one sender, one message in flight: p50 {lowP50:F0} us ({lowP50 / rtt:F1}x the round trip), p99 {lowP99:F0} us, max {lowMax:F0} us, {lowRate:F0} msgs/s"));
        await Console.Out.WriteLineAsync("size      senders  msgs/s      MB/s     p50 ms   p99 ms   max ms   ceiling msgs/s  ratio");
        foreach (var size in sizes)
        {
            var ceiling = await CeilingAsync(size, duration, ct);
            foreach (var mode in modes)
            {
                var senders = mode switch { "all" => Members, "half" => 2, _ => 1 };
                var (rate, p50, p99, max) = await MeasureAsync(size, senders, Window(size), duration, ct);
                await Console.Out.WriteLineAsync(FormattableString.Invariant(
                    $"{size,-9} {mode,-8} {rate,-11:F0} {rate * size / 1e6,-8:F1} {p50 / 1000,-8:F2} {p99 / 1000,-8:F2} {max / 1000,-8:F2} {ceiling,-15:F0} {rate / ceiling,5:P1}"));
            }
        }
        await Console.Out.WriteLineAsync($"load average at the end: {LoadAverage()}");
        return ExitCode.Success;
    }

    /// <summary>The machine's 1, 5 and 15-minute load averages (other work sharing the cores skews every number here).</summary>
    /// <summary>
    /// The young generation's budget the processes run with (<c>bin/derecho</c> sets <c>DOTNET_GCgen0size</c>,
    /// which the member processes inherit): results move with it by a third on a machine that reports no cache size.
    /// </summary>
    internal static string YoungGeneration() =>
        Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is { Length: > 0 } size
            ? $"young generation DOTNET_GCgen0size={size}"
            : "young generation sized by .NET (DOTNET_GCgen0size unset)";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The numbers of a <c>result NAME VALUE NAME VALUE …</c> line a member prints.</summary>
    internal static Dictionary<string, double> ResultFields(string line)
    {
        var parts = line.Split(' ');
        var fields = new Dictionary<string, double>();
        for (var i = 1; i + 1 < parts.Length; i += 2)
        {
            if (double.TryParse(parts[i + 1], CultureInfo.InvariantCulture, out var value))
            {
                fields[parts[i]] = value;
            }
        }
        return fields;
    }

    /// <summary>Sends each sender keeps in flight: about 4 MB worth, between 4 and 1,024 messages.</summary>
    internal static int Window(int size) => Math.Clamp((4 << 20) / size, 4, 1024);

    internal static async Task<(double Rate, double P50, double P99, double Max)> MeasureAsync(int size, int senders, int window, TimeSpan duration,
        CancellationToken ct, int members = Members)
    {
        var ports = SelfProcess.FreePorts(2 * members);
        var processes = new List<SelfProcess>();
        try
        {
            for (var id = 0; id < members; id++)
            {
                processes.Add(SelfProcess.Start(
                [
                    "node", "--send", id < senders ? "-1" : "0", "--size", size.ToString(CultureInfo.InvariantCulture),
                    "--window", window.ToString(CultureInfo.InvariantCulture), "--wait-members", members.ToString(CultureInfo.InvariantCulture),
                    "--duration", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--warmup", Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                    $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                    $"--DERECHO/contact_port={ports[0]}", $"--SUBGROUP/DEFAULT/max_payload_size={Math.Max(size, 1 << 20)}",
                ]));
                await processes[id].WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal), ct);
            }
            var results = new List<Dictionary<string, double>>();
            foreach (var process in processes)
            {
                results.Add(ResultFields(await process.WaitForLineAsync(l => l.StartsWith("result ", StringComparison.Ordinal), ct)));
            }
            var rate = results.Average(r => r["delivered"] / r["seconds"]);
            var sending = results.Where(r => r["sent"] > 0).ToList();
            return sending.Count == 0
                ? (rate, 0, 0, 0)
                : (rate, sending.Average(r => r["p50us"]), sending.Max(r => r["p99us"]), sending.Max(r => r["maxus"]));
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

    /// <summary>Messages/s per receiver of a raw TCP blast from this process to two sink processes, in 64 KB+ writes.</summary>
    private static async Task<double> CeilingAsync(int size, TimeSpan duration, CancellationToken ct)
    {
        await using var first = SelfProcess.Start(["loopback-sink"]);
        await using var second = SelfProcess.Start(["loopback-sink"]);
        var sinks = new[] { first, second };
        var sockets = new List<Socket>();
        try
        {
            foreach (var sink in sinks)
            {
                var port = int.Parse((await sink.WaitForLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), ct))[5..], CultureInfo.InvariantCulture);
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                sockets.Add(socket);
            }
            var buffer = new byte[Math.Max(size, (64 * 1024 / size) * size)];
            Random.Shared.NextBytes(buffer);
            var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var counts = await Task.WhenAll(sockets.Select(socket => Task.Run(async () =>
            {
                long bytes = 0;
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    bytes += await socket.SendAsync(buffer, SocketFlags.None, ct);
                }
                return bytes;
            }, ct)));
            return counts.Min() / (double)size / duration.TotalSeconds;
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
            foreach (var sink in sinks)
            {
                sink.CloseInput();
            }
        }
    }

    /// <summary>The median round trip, in microseconds, of <paramref name="size"/> bytes to an echoing process.</summary>
    private static async Task<double> RoundTripAsync(int size, CancellationToken ct)
    {
        await using var sink = SelfProcess.Start(["loopback-sink", "--echo"]);
        var port = int.Parse((await sink.WaitForLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), ct))[5..], CultureInfo.InvariantCulture);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        var message = new byte[size];
        var reply = new byte[size];
        var samples = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await socket.SendAsync(message, SocketFlags.None, ct);
            for (var read = 0; read < size;)
            {
                read += await socket.ReceiveAsync(reply.AsMemory(read), SocketFlags.None, ct);
            }
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        sink.CloseInput();
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
