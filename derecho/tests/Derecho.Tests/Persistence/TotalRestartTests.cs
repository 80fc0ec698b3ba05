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
                    await WaitUntilAsync(() => acknowledged.Count >= start + 60, "40 more acknowledged writes without the contact", ct);
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
            }
        }
        finally
        {
            foreach (var member in members)
            {
                if (member is not null)
                {
                    await member.DisposeAsync();
                }
            }
        }
    }

    private static async Task WriteAsync(KvClient kv, ConcurrentDictionary<int, bool> acknowledged, Func<int> next, CancellationToken ct)
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

    private static async Task CheckEveryReplicaAsync(int port, int[] acknowledged, CancellationToken ct)
    {
        await using var client = await ConnectAsync(port, ct);
        var nodes = client.View.Allocation!.Types[0].Subgroups[0][0].Members;
        Assert.Equal(3, nodes.Count);
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

    private static async Task StartAllAsync(ChildProcess?[] members, int[] ports, string directory, CancellationToken ct)
    {
        for (var id = 0; id < members.Length; id++)
        {
            members[id] = ChildProcess.StartDotnet("Derecho.Cli",
            [
                "kv", "serve", "--KV/persistent=true", $"--PERS/file_path={Path.Combine(directory, "n" + id.ToString(CultureInfo.InvariantCulture))}",
                $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                $"--DERECHO/contact_port={ports[0]}", "--DERECHO/heartbeat_ms=100", "--DERECHO/sst_poll_cq_timeout_ms=3000",
            ]);
        }
        await members[0]!.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal) && l.Split(':')[^1].Split(',').Length == 3, ct);
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

    private static string Key(int n) => "w" + n.ToString(CultureInfo.InvariantCulture);
}
