using System.Globalization;

namespace Derecho.Tests.Integration;

/// <summary>
/// A group of real <c>derecho node</c> processes on 127.0.0.1, each streaming messages. Tests wait on the lines the
/// members print (views, delivery counts, per-view digests), never on fixed sleeps.
/// </summary>
internal sealed class MemberCluster : IAsyncDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(40);
    private readonly int[] _ports;
    private readonly Dictionary<int, ChildProcess> _members = [];
    private readonly List<ChildProcess> _all = [];
    private readonly Dictionary<ChildProcess, ViewLine> _latest = [];
    private readonly TempDirectory _viewFiles = new("derecho-views");

    private readonly int _suspicionMs;

    /// <summary>Ports for <paramref name="capacity"/> members; a member is suspected after <paramref name="suspicionMs"/> of silence.</summary>
    public MemberCluster(int capacity, int suspicionMs = 3000)
    {
        _ports = FreePort.Next(2 * capacity);
        _suspicionMs = suspicionMs;
    }

    public ChildProcess this[int id] => _members[id];

    public IEnumerable<ChildProcess> All => _all;

    /// <summary>Starts member <paramref name="id"/>; member 0 is the contact that starts the group.</summary>
    public ChildProcess Start(int id) => Start(id, portsOf: id);

    /// <summary>Starts member <paramref name="id"/> on the ports set aside for member <paramref name="portsOf"/> (a restart elsewhere).</summary>
    public ChildProcess Start(int id, int portsOf)
    {
        var member = ChildProcess.StartDotnet("Derecho.Cli",
        [
            "node", "--send", "-1", "--size", "100", "--window", "16", "--rate", "400", "--report-every", "200",
            $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={_ports[2 * portsOf]}", $"--DERECHO/sst_port={_ports[(2 * portsOf) + 1]}",
            $"--DERECHO/contact_port={_ports[0]}", "--DERECHO/heartbeat_ms=100", $"--DERECHO/sst_poll_cq_timeout_ms={_suspicionMs}",
            "--view-file", _viewFiles.Combine($"member{id}.view"),
        ]);
        _members[id] = member;
        _all.Add(member);
        return member;
    }

    /// <summary>Where member <paramref name="id"/> listens for member traffic (its <c>sst_port</c>).</summary>
    public string SstEndpoint(int id) => $"127.0.0.1:{_ports[(2 * id) + 1]}";

    /// <summary>
    /// Runs another <c>derecho node</c> configured with member <paramref name="id"/>'s node id but ports of its own,
    /// joining through the member whose gms port is <paramref name="contactPort"/>, until it exits (at most 30 s).
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithIdOfAsync(int id, int contactPort, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        var ports = FreePort.Next(2);
        return await ChildProcess.RunDotnetAsync("Derecho.Cli",
        [
            "node", $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[0]}", $"--DERECHO/sst_port={ports[1]}",
            $"--DERECHO/contact_port={contactPort}", "--DERECHO/heartbeat_ms=100", "--DERECHO/sst_poll_cq_timeout_ms=3000",
        ], limit.Token);
    }

    /// <summary>Sends <paramref name="process"/> a signal by name (<c>STOP</c>, <c>CONT</c>) with <c>kill</c>.</summary>
    public static void Signal(ChildProcess process, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Member <paramref name="id"/>'s contact port (its <c>gms_port</c>).</summary>
    public int GmsPort(int id) => _ports[2 * id];

    /// <summary>Starts members one by one, each waiting until it is in a view, then waits until all see all.</summary>
    public async Task StartAllAsync(int count, CancellationToken ct)
    {
        for (var id = 0; id < count; id++)
        {
            await WaitForViewAsync(Start(id), v => v.Members.Contains(id), ct);
        }
        foreach (var id in Enumerable.Range(0, count))
        {
            await WaitForViewAsync(_members[id], v => v.Members.Count == count, ct);
        }
    }

    public async Task<ViewLine> WaitForViewAsync(ChildProcess member, Func<ViewLine, bool> match, CancellationToken ct)
    {
        // Views seen while waiting for something else count: the condition is on the latest view, not the next one.
        if (_latest.TryGetValue(member, out var latest) && match(latest))
        {
            return latest;
        }
        await WithinAsync(member.WaitForLineAsync(l => Observe(member, l) is { } view && match(view), ct), "a view");
        return _latest[member];
    }

    private ViewLine? Observe(ChildProcess member, string line)
    {
        if (ViewLine.Parse(line) is not { } view)
        {
            return null;
        }
        lock (_latest)
        {
            _latest[member] = view;
        }
        return view;
    }

    /// <summary>Waits for <paramref name="task"/>; when it takes too long, fails with every member's output.</summary>
    private async Task<T> WithinAsync<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(WaitLimit);
        }
        catch (TimeoutException)
        {
        }
        var outputs = string.Join("\n", _all.Select((m, i) => $"--- process #{i} (pid {m.Id})\n{Tail(m.StandardOutput)}\n{Tail(m.StandardError)}"));
        throw new TimeoutException($"no {what} within {WaitLimit.TotalSeconds} s\n{outputs}");
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("delivered", StringComparison.Ordinal)).TakeLast(30));

    /// <summary>Waits until <paramref name="member"/> reports at least <paramref name="more"/> further deliveries.</summary>
    public async Task WaitForDeliveriesAsync(ChildProcess member, int more, CancellationToken ct)
    {
        var reports = (more + 199) / 200;
        for (var i = 0; i < reports; i++)
        {
            await WithinAsync(member.WaitForLineAsync(l => Observe(member, l) is null && l.StartsWith("delivered ", StringComparison.Ordinal), ct), "deliveries");
        }
    }

    /// <summary>
    /// Virtual synchrony on the delivery logs: for every view two members both finished, they delivered the same
    /// number of messages with the same digest (senders, indices and payloads in order).
    /// </summary>
    public static void AssertDigestsAgree(IEnumerable<ChildProcess> members)
    {
        var byView = new Dictionary<int, List<(string Digest, int Member)>>();
        var index = 0;
        foreach (var member in members)
        {
            foreach (var line in member.StandardOutput.Split('\n'))
            {
                var parts = line.Trim().Split(' ');
                if (parts.Length == 4 && parts[0] == "digest")
                {
                    var view = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    (byView.TryGetValue(view, out var list) ? list : byView[view] = []).Add((parts[2] + " " + parts[3], index));
                }
            }
            index++;
        }
        Assert.NotEmpty(byView);
        foreach (var (view, digests) in byView)
        {
            Assert.True(digests.Select(d => d.Digest).Distinct().Count() == 1,
                $"members disagree on view {view}: {string.Join("; ", digests.Select(d => $"member #{d.Member}: {d.Digest}"))}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _all)
        {
            await member.DisposeAsync();
        }
        _viewFiles.Dispose();
    }
}

/// <summary>A parsed <c>view VID members ID,ID,… leader ID</c> line.</summary>
internal sealed record ViewLine(int Id, IReadOnlyList<int> Members, int Leader)
{
    /// <summary>The view a line announces, or null for any other line.</summary>
    public static ViewLine? Parse(string line)
    {
        var parts = line.Trim().Split(' ');
        if (parts.Length != 6 || parts[0] != "view" || parts[2] != "members" || parts[4] != "leader")
        {
            return null;
        }
        return new ViewLine(int.Parse(parts[1], CultureInfo.InvariantCulture),
            [.. parts[3].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
            int.Parse(parts[5], CultureInfo.InvariantCulture));
    }
}
