using System.CommandLine;
using System.Globalization;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho demo</c>: three member processes on 127.0.0.1 stream messages; one is killed with SIGKILL; the
/// survivors install a new view, and their delivered sequences in the view the victim died in are compared by digest.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var members = new Option<int>("--members") { Description = $"Member processes to start (3 to {MaxMembers}).", DefaultValueFactory = _ => 3 };
        var seconds = new Option<double>("--seconds") { Description = "How long to stream before the kill.", DefaultValueFactory = _ => 2 };
        var command = new Command("demo", "Start a group of real member processes on 127.0.0.1, stream messages, SIGKILL one, and show that the survivors agree; then run the key-value store through a leader failure.")
        {
            members, seconds,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(members), parse.GetValue(seconds), ct));
        return command;
    }

    /// <summary>The most members the demo starts: each is a process with its threads, on one host.</summary>
    private const int MaxMembers = 16;

    private static async Task<int> RunAsync(int count, double seconds, CancellationToken ct)
    {
        // Checked before any process starts: a count in the thousands used to exhaust the host and abort the
        // demo (exit 134), and a bad --seconds failed only once the members were running.
        if (count is < 3 or > MaxMembers)
        {
            throw new UsageException($"--members must be between 3 and {MaxMembers}, not {count}");
        }
        if (seconds is not (>= 0 and <= 3600))
        {
            throw new UsageException($"--seconds must be between 0 and 3600, not {seconds}");
        }
        var code = await RunGroupAsync(count, seconds, ct);
        return code == ExitCode.Success && !await KvDemo.RunAsync(ct) ? ExitCode.Negative : code;
    }

    private static async Task<int> RunGroupAsync(int count, double seconds, CancellationToken ct)
    {
        var ports = SelfProcess.FreePorts(2 * count);
        await Console.Out.WriteLineAsync($"Starting {count} members on 127.0.0.1 (contact: node 0 at port {ports[0]}); each multicasts 64-byte messages.");
        var processes = new List<SelfProcess>();
        try
        {
            for (var id = 0; id < count; id++)
            {
                processes.Add(SelfProcess.Start(
                [
                    "node", "--send", "-1", "--size", "64", "--window", "32", "--wait-members", count.ToString(CultureInfo.InvariantCulture),
                    $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                    $"--DERECHO/contact_port={ports[0]}", "--DERECHO/heartbeat_ms=50", "--DERECHO/sst_poll_cq_timeout_ms=2000",
                ]));
                // Members join one at a time, so the view ids are easy to follow.
                var view = await processes[id].WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal) && Members(l).Contains(id), ct);
                await Console.Out.WriteLineAsync($"  node {id} (pid {processes[id].Id}): {view}");
            }
            var full = await processes[0].WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal) && Members(l).Count == count, ct);
            var fullViewId = ViewId(full);
            await Console.Out.WriteLineAsync($"All {count} members are in view {fullViewId}; streaming for {seconds} s…");
            await Task.Delay(TimeSpan.FromSeconds(seconds), ct);

            var victim = count - 1;
            processes[victim].Kill();
            await Console.Out.WriteLineAsync($"SIGKILL node {victim} (pid {processes[victim].Id}).");
            var digests = new List<(int Node, string Digest)>();
            for (var id = 0; id < victim; id++)
            {
                var digest = await processes[id].WaitForLineAsync(l => l.StartsWith($"digest {fullViewId} ", StringComparison.Ordinal), ct);
                var next = await processes[id].WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal), ct);
                await Console.Out.WriteLineAsync($"  node {id}: {next}");
                digests.Add((id, digest));
            }
            await Console.Out.WriteLineAsync($"What each survivor delivered in view {fullViewId} (count and XxHash3 of senders, indices and payloads):");
            foreach (var (node, digest) in digests)
            {
                var parts = digest.Split(' ');
                await Console.Out.WriteLineAsync($"  node {node}: {parts[2]} messages, digest {parts[3]}");
            }
            var agree = digests.Select(d => d.Digest).Distinct().Count() == 1;
            await Console.Out.WriteLineAsync(agree
                ? "The survivors delivered the same messages in the same order: virtual synchrony held."
                : "MISMATCH: the survivors' deliveries differ.");
            return agree ? ExitCode.Success : ExitCode.Negative;
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"derecho: demo failed: {e.Message}");
            return ExitCode.Negative;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    internal static List<int> Members(string viewLine)
    {
        var parts = viewLine.Split(' ');
        return [.. parts[3].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
    }

    internal static int ViewId(string viewLine) => int.Parse(viewLine.Split(' ')[1], CultureInfo.InvariantCulture);
}
