using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Derecho.External;
using Derecho.Kv;
using Derecho.Rpc;

namespace Derecho.Tests.Integration;

/// <summary>
/// <c>derecho kv serve</c> processes in two shards of two to three members each, under a stream of puts (each to a
/// fresh key) while members are killed with SIGKILL and others join (a killed one restarted as a new incarnation,
/// or a fresh node id): every put's replies agree, and afterwards every key lives on exactly its shard's members,
/// those members hold identical state (digests of their maps taken at the same point of the shard's order), and
/// every acknowledged put is there.
/// </summary>
public sealed class ShardedKvProcessTests
{
    private const string Layout = """[{"type_alias":"KvStore","layout":[{"min_nodes_by_shard":[2,2],"max_nodes_by_shard":[3,3]}]}]""";
    private const int Shards = 2;
    private const int MaxNodeId = 8;

    [Fact(Timeout = 240_000)]
    [Integration]
    public Task A_kill_and_a_join_leave_every_shard_identical_and_in_place() =>
        RunAsync(seed: 0, steps: 2, TestContext.Current.CancellationToken);

    [Theory(Timeout = 1_200_000)]
    [Slow]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public Task Random_kills_and_joins_leave_every_shard_identical_and_in_place(int seed) =>
        RunAsync(seed, steps: 10, TestContext.Current.CancellationToken);

    /// <summary>
    /// Six members (0 is the contact and stays up), then <paramref name="steps"/> seeded steps: kill a random member
    /// while more than four live, otherwise (or by chance) let one join while fewer than six live; each step waits
    /// until the layout holds exactly the live members.
    /// </summary>
    private static async Task RunAsync(int seed, int steps, CancellationToken ct)
    {
        var random = new Random(seed);
        var ports = FreePort.Next(2 * MaxNodeId);
        var members = new Dictionary<int, ChildProcess>();
        var all = new List<ChildProcess>();
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var diverged = new ConcurrentQueue<string>();
        var schedule = new List<string>();
        var next = 0;
        try
        {
            Start(members, all, ports, 0);
            await members[0].WaitForLineAsync(l => l.StartsWith("serving node", StringComparison.Ordinal), ct);
            for (var id = 1; id < 6; id++)
            {
                Start(members, all, ports, id);
            }
            await using var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[0]),
                new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(20), ConnectTimeout = TimeSpan.FromSeconds(20) }, ct);
            await WaitForLayoutAsync(client, members.Keys, ct);
            using var load = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => WriteAsync(client, acknowledged, diverged, () => Interlocked.Increment(ref next), load.Token), ct)).ToArray();
            var fresh = 6;
            var dead = new List<int>();
            for (var step = 0; step < steps; step++)
            {
                var target = acknowledged.Count + random.Next(5, 30);
                await WaitUntilAsync(() => acknowledged.Count >= target, "acknowledged puts", ct);
                var live = members.Keys.Where(id => id != 0).ToList();
                if (members.Count > 4 && (members.Count == 6 || random.Next(2) == 0))
                {
                    var victim = live[random.Next(live.Count)];
                    schedule.Add($"kill {victim}");
                    members[victim].Kill();
                    members.Remove(victim);
                    dead.Add(victim);
                }
                else
                {
                    var joiner = fresh < MaxNodeId && (dead.Count == 0 || random.Next(2) == 0) ? fresh++ : dead[random.Next(dead.Count)];
                    dead.Remove(joiner);
                    schedule.Add($"join {joiner}");
                    Start(members, all, ports, joiner);
                }
                await WaitForLayoutAsync(client, members.Keys, ct);
            }
            await load.CancelAsync();
            await Task.WhenAll(writers);
            await WaitForLayoutAsync(client, members.Keys, ct);
            Assert.True(diverged.IsEmpty, $"members replied differently to the same put: {string.Join("; ", diverged.Take(5))}");
            await CheckShardsAsync(client, [.. acknowledged.Keys], ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            foreach (var member in all)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"pid {member.Id} stdout:\n{member.StandardOutput}\nstderr:\n{member.StandardError}");
            }
            throw new InvalidOperationException($"seed {seed}, schedule: {string.Join(", ", schedule)}", e);
        }
        finally
        {
            foreach (var member in all)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Per shard: every member holds the same keys and values, each key belongs to that shard, and every acknowledged
    /// put is in its shard. The members are compared through ordered calls (<see cref="KvStore.Digest"/>, then
    /// <see cref="KvStore.ListKeys"/>): each member answers at the same point of the shard's order, which the
    /// digests' versions show, so calls still in flight when the load stopped cannot make agreeing members look
    /// different, and a difference is a divergence (read once, never again until it goes away).
    /// </summary>
    private static async Task CheckShardsAsync(ExternalClient client, string[] acknowledged, CancellationToken ct)
    {
        var shards = client.View.Allocation!.Types[0].Subgroups[0];
        Assert.Equal(Shards, shards.Count);
        for (var shard = 0; shard < Shards; shard++)
        {
            var calls = new KvStore.OrderedCalls(client, 0, shard);
            string[] keys;
            KvDigest digest;
            var attempts = 0;
            while (true)
            {
                var digests = await calls.Digest(ct).GetAllAsync();
                Assert.Equal(shards[shard].Members.Order(), digests.Keys.Order());
                Assert.True(digests.Values.Distinct().Count() == 1,
                    $"shard {shard}: its members hold different states at the same point of its order: {string.Join(", ", digests.Select(d => $"{d.Key}: version {d.Value.Version:x}, {d.Value.Count} keys, hash {d.Value.Hash:x16}"))}");
                var lists = await calls.ListKeys(ct).GetAllAsync();
                keys = lists.Values.First();
                Assert.All(lists.Values, list => Assert.Equal(keys, list));
                digest = digests.Values.First();
                // A put canceled by the client when the load stopped (or resent after a failover) may still be
                // ordered between the digest and the listing: compare them once a second digest shows none was.
                var after = (await calls.Digest(ct).GetAllAsync()).Values.First();
                if ((after.Count, after.Hash) == (digest.Count, digest.Hash) || ++attempts == 10)
                {
                    break;
                }
                await Task.Delay(200, ct);
            }
            Assert.Equal(digest.Count, keys.Length);
            Assert.All(keys, key => Assert.Equal(shard, KvStore.ShardOf(key, Shards)));
            var held = keys.ToHashSet(StringComparer.Ordinal);
            var missing = acknowledged.Where(k => KvStore.ShardOf(k, Shards) == shard && !held.Contains(k)).ToList();
            Assert.True(missing.Count == 0, $"shard {shard} lost {missing.Count} acknowledged puts, e.g. {string.Join(", ", missing.Take(5))}");
        }
    }

    /// <summary>Waits until the client's layout is adequate and its shards hold exactly <paramref name="live"/>.</summary>
    private static async Task WaitForLayoutAsync(ExternalClient client, IEnumerable<int> live, CancellationToken ct)
    {
        var expected = live.Select(id => (uint)id).Order().ToList();
        await WaitUntilAsync(() => client.View.Allocation is { } allocation && allocation.Types[0].Subgroups[0].Count == Shards
            && allocation.Types[0].Subgroups[0].SelectMany(s => s.Members).Order().SequenceEqual(expected)
            && client.View.Members.Select(m => m.NodeId).Order().SequenceEqual(expected),
            $"a layout of exactly members {string.Join(',', expected)}", ct);
    }

    /// <summary>
    /// Puts fresh keys until cancelled. A put is acknowledged once every member that replied said the key was new;
    /// members that replied differently to the same ordered call diverged, which goes into <paramref name="diverged"/>.
    /// </summary>
    private static async Task WriteAsync(ExternalClient client, ConcurrentDictionary<string, bool> acknowledged, ConcurrentQueue<string> diverged,
        Func<int> next, CancellationToken ct)
    {
        var kv = new KvClient(client, () => client.View.Allocation);
        while (!ct.IsCancellationRequested)
        {
            var key = "k" + next().ToString(CultureInfo.InvariantCulture);
            try
            {
                var replies = await new KvStore.OrderedCalls(client, 0, kv.Shard(key)).Put(key, Encoding.UTF8.GetBytes(key), ct);
                var added = new List<(uint Node, bool Added)>();
                foreach (var (node, reply) in replies)
                {
                    try
                    {
                        added.Add((node, await reply));
                    }
                    catch (MemberRemovedException)
                    {
                        // It left before replying; the others still answer for the shard.
                    }
                }
                if (added.Any(a => !a.Added))
                {
                    diverged.Enqueue($"put {key}: {string.Join(", ", added.Select(a => $"{a.Node} added={a.Added}"))}");
                }
                else if (added.Count > 0)
                {
                    acknowledged[key] = true;
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Not acknowledged (a shard member left mid-call, or the layout is changing): it may or may not be there.
                if (!ct.IsCancellationRequested)
                {
                    await Task.Delay(20, CancellationToken.None);
                }
            }
        }
    }

    private static void Start(Dictionary<int, ChildProcess> members, List<ChildProcess> all, int[] ports, int id)
    {
        var member = ChildProcess.StartDotnet("Derecho.Cli",
        [
            "kv", "serve", $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
            $"--DERECHO/contact_port={ports[0]}", "--DERECHO/heartbeat_ms=100", "--DERECHO/sst_poll_cq_timeout_ms=3000",
            $"--LAYOUT/json_layout={Layout}",
        ]);
        members[id] = member;
        all.Add(member);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 120 s for {what}");
            await Task.Delay(20, ct);
        }
    }
}
