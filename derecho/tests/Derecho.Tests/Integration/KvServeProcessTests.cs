using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Derecho.External;
using Derecho.Kv;
using Derecho.Transport;

namespace Derecho.Tests.Integration;

/// <summary>
/// <c>derecho kv serve</c> as a user runs it: three persistent members from one group file and a node file each,
/// history read through the CLI, garbage on every port a member listens on, and the contact killed with SIGKILL and
/// started again with the same configuration. One group serves every check, to keep the default tier short. And an
/// in-memory contact restarted with <c>--view-file</c>, which rejoins the group it was in.
/// </summary>
[Integration]
public sealed class KvServeProcessTests
{
    [Fact(Timeout = 180_000)]
    public async Task Persistent_members_read_history_drop_garbage_connections_and_come_back_after_SIGKILL()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory("derecho-kv-serve");
        var ports = FreePort.Next(6);
        var members = new ChildProcess?[3];
        try
        {
            var Serve = await StartThreePersistentAsync(members, directory, ports, ct);

            // A second member on the same logs is refused before it touches them.
            var twin = await ChildProcess.RunDotnetAsync("Derecho.Cli", [.. Serve(1), $"--DERECHO/gms_port={FreePort.Next(1)[0]}"], ct, directory.Path);
            Assert.True(twin.ExitCode == 2 && twin.Stderr.Contains("PERS/file_path", StringComparison.Ordinal), $"exit {twin.ExitCode}: {twin.Stderr}");

            await using (var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[2]), cancellationToken: ct))
            {
                var kv = new KvClient(client, () => client.View.Allocation);
                await kv.PutAsync("color", "blue"u8.ToArray(), ct);
                var blue = await kv.GetAtVersionAsync("color", long.MaxValue, ct);
                await kv.PutAsync("shape", "round"u8.ToArray(), ct);
                await kv.PutAsync("color", "red"u8.ToArray(), ct);

                async Task<(int Code, string Out, string Err)> Kv(params string[] args) =>
                    await ChildProcess.RunDotnetAsync("Derecho.Cli", ["kv", .. args, "--contact", $"127.0.0.1:{ports[4]}", "--timeout", "30"], ct, directory.Path);
                var latest = await Kv("get", "color");
                Assert.True((0, "red\n") == (latest.Code, latest.Out.ReplaceLineEndings("\n")), $"get: exit {latest.Code}, out '{latest.Out}', err '{latest.Err}'");
                var byVersion = await Kv("get", "color", "--version", blue.Version.ToString(CultureInfo.InvariantCulture));
                Assert.True((0, "blue") == (byVersion.Code, byVersion.Out.Trim()), $"get --version: exit {byVersion.Code}, out '{byVersion.Out}', err '{byVersion.Err}'");
                Assert.Contains($"version {blue.Version} time {blue.Microseconds}.{blue.Logical} stable", byVersion.Err, StringComparison.Ordinal);
                var byTime = await Kv("get", "color", "--time", $"{blue.Microseconds}.{blue.Logical}");
                Assert.True((0, "blue") == (byTime.Code, byTime.Out.Trim()), $"get --time: exit {byTime.Code}, out '{byTime.Out}', err '{byTime.Err}'");
                var before = await Kv("get", "color", "--version", (blue.Version - 1).ToString(CultureInfo.InvariantCulture));
                Assert.Equal((1, ""), (before.Code, before.Out));
                Assert.Contains("not found", before.Err, StringComparison.Ordinal);
                var several = await Kv("multi-get", "shape", "nothing", "color");
                Assert.Equal((1, "shape=round\nnothing missing\ncolor=red"), (several.Code, several.Out.Trim().ReplaceLineEndings("\n")));

                // Garbage on every port of every member drops that connection only; the group goes on serving.
                var random = new Random(20191027);
                foreach (var (port, garbage) in ports.SelectMany(p => Garbage(random).Select(g => (p, g))))
                {
                    await SendGarbageAsync(port, garbage, ct);
                }
                await kv.PutAsync("after-garbage", "yes"u8.ToArray(), ct);
                for (uint node = 0; node < 3; node++)
                {
                    Assert.Equal("yes"u8.ToArray(), await new KvStore.P2PCalls(client, node).GetAsync("after-garbage", ct));
                }
                Assert.All(members, m => Assert.False(m!.HasExited, m.StandardError));
                Assert.Equal(3, client.View.Members.Count);

                // The contact, killed and started again with the same configuration, rejoins the group with its data.
                members[0]!.Kill();
                await members[1]!.WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal) && l.Contains(" members 1,2 ", StringComparison.Ordinal), ct);
                await kv.PutAsync("while-down", "1"u8.ToArray(), ct);
            }
            await members[0]!.DisposeAsync();
            members[0] = ChildProcess.StartDotnet("Derecho.Cli", Serve(0), directory.Path);
            var rejoined = await members[0]!.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal), ct);
            Assert.Equal(["0", "1", "2"], rejoined.Split(':')[^1].Split(',').Order(StringComparer.Ordinal));
            await using (var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[0]), cancellationToken: ct))
            {
                var back = new KvStore.P2PCalls(client, 0);
                Assert.Equal("red"u8.ToArray(), await back.GetAsync("color", ct));
                Assert.Equal("1"u8.ToArray(), await back.GetAsync("while-down", ct));
                Assert.Equal(["after-garbage", "color", "shape", "while-down"], await new KvClient(client, () => client.View.Allocation).ListKeysAsync(ct));
            }
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task An_in_memory_contact_restarted_with_a_view_file_rejoins_the_group_and_gets_the_state()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory("derecho-kv-view-file");
        var ports = FreePort.Next(6);
        var serve = await ConfigureAsync(directory, ports, "", _ => "", ct);
        string[] Serve(int id) => serve(id, id == 0 ? ["--view-file", directory.Combine("contact.view")] : []);
        var members = new ChildProcess?[3];
        try
        {
            await StartThreeAsync(members, Serve, directory, ct);
            await using (var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[2]), cancellationToken: ct))
            {
                var kv = new KvClient(client, () => client.View.Allocation);
                await kv.PutAsync("before", "1"u8.ToArray(), ct);
                members[0]!.Kill();
                await members[1]!.WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal) && l.Contains(" members 1,2 ", StringComparison.Ordinal), ct);
                await kv.PutAsync("while-down", "2"u8.ToArray(), ct);
            }
            await members[0]!.DisposeAsync();

            // Without the view file the contact would found a group of its own (layout ":0"); with it, it asks the
            // members it recorded and is admitted to theirs, with the store's state.
            members[0] = ChildProcess.StartDotnet("Derecho.Cli", Serve(0), directory.Path);
            var rejoined = await members[0]!.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal), ct);
            Assert.Equal(["0", "1", "2"], rejoined.Split(':')[^1].Split(',').Order(StringComparer.Ordinal));
            await members[1]!.WaitForLineAsync(l => l.StartsWith("view ", StringComparison.Ordinal) && l.Contains(" members 1,2,0 ", StringComparison.Ordinal), ct);
            await using (var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[0]), cancellationToken: ct))
            {
                var back = new KvStore.P2PCalls(client, 0);
                Assert.Equal("1"u8.ToArray(), await back.GetAsync("before", ct));
                Assert.Equal("2"u8.ToArray(), await back.GetAsync("while-down", ct));
                Assert.Equal(3, client.View.Members.Count);
            }
            Assert.All(members, m => Assert.False(m!.HasExited, m.StandardError));
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    /// <summary>
    /// A persistent contact restarted after the whole group was killed is the contact itself: it used to say it was
    /// "still trying the contact" (its own address), and then waited for a majority of its logged view in silence.
    /// It says whom it asks, then how many members of how many it has and needs, and carries on once one more comes.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_contact_restarted_alone_says_how_many_members_of_its_logged_view_it_waits_for()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory("derecho-kv-restart-notice");
        var ports = FreePort.Next(6);
        var members = new ChildProcess?[3];
        try
        {
            var Serve = await StartThreePersistentAsync(members, directory, ports, ct);
            foreach (var member in members)
            {
                member!.Kill();
            }
            await DisposeAllAsync(members);
            Array.Clear(members);
            members[0] = ChildProcess.StartDotnet("Derecho.Cli", Serve(0), directory.Path);
            var restarted = members[0]!;
            await Rpc.RpcCluster.WaitUntilAsync(() => restarted.StandardError.Contains("1 of 3 here, 2 needed", StringComparison.Ordinal) || restarted.HasExited,
                "the restarted contact to say what it waits for", ct, () => restarted.StandardError);
            Assert.Contains("waits for a majority of the members of logged view", restarted.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("still trying the contact", restarted.StandardError, StringComparison.Ordinal);
            members[1] = ChildProcess.StartDotnet("Derecho.Cli", Serve(1), directory.Path);
            await restarted.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal) && !l.EndsWith("inadequate", StringComparison.Ordinal), ct);
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    /// <summary>
    /// The replica reads its trim's checkpoint only when it opens its log, in the group: a damaged one let the member
    /// join and print "serving", then every call of its shard failed there (puts through the others timed out).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_persistent_member_whose_checkpoint_is_damaged_refuses_to_start_naming_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory("derecho-kv-checkpoint");
        var ports = FreePort.Next(2);
        string[] serve =
        [
            "kv", "serve", "--DERECHO/local_id=0", $"--DERECHO/gms_port={ports[0]}", $"--DERECHO/sst_port={ports[1]}",
            $"--DERECHO/contact_port={ports[0]}", "--KV/persistent=true", $"--PERS/file_path={directory.Combine("n0")}",
        ];
        var contact = $"127.0.0.1:{ports[0]}";
        await using (var member = ChildProcess.StartDotnet("Derecho.Cli", serve, directory.Path))
        {
            await member.WaitForLineAsync(l => l.StartsWith("serving ", StringComparison.Ordinal), ct);
            foreach (var args in new[] { new[] { "put", "--contact", contact, "color", "blue" }, ["put", "--contact", contact, "shape", "round"], ["trim", "--contact", contact, "9223372036854775807"] })
            {
                var (code, _, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["kv", .. args, "--timeout", "30"], ct);
                Assert.True(code == 0, $"{args[0]}: exit {code}, err '{stderr}'");
            }
            member.Kill();
        }
        var checkpoint = Assert.Single(Directory.GetFiles(directory.Combine("n0"), "*.checkpoint"));
        var bytes = await File.ReadAllBytesAsync(checkpoint, ct);
        await File.WriteAllBytesAsync(checkpoint, bytes[..(bytes.Length / 2)], ct);

        var (exit, stdout, error) = await ChildProcess.RunDotnetAsync("Derecho.Cli", serve, ct, directory.Path);
        Assert.True(exit == 1, $"exit {exit}, out '{stdout}', err '{error}'");
        Assert.Contains(checkpoint, error, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes the group file (member 0 the contact, a 3 s suspicion timeout, then <paramref name="groupExtra"/>) and
    /// returns what serves member <c>id</c> with its own node file (ending in <paramref name="nodeExtra"/>) and more arguments.
    /// </summary>
    private static async Task<Func<int, string[], string[]>> ConfigureAsync(TempDirectory directory, int[] ports, string groupExtra,
        Func<int, string> nodeExtra, CancellationToken ct)
    {
        var config = directory.Combine("derecho.cfg");
        await File.WriteAllTextAsync(config, $"""
            [DERECHO]
            contact_ip = 127.0.0.1
            contact_port = {ports[0]}
            heartbeat_ms = 100
            sst_poll_cq_timeout_ms = 3000

            """ + groupExtra, ct);
        return (id, more) =>
        {
            var node = directory.Combine($"node{id}.cfg");
            File.WriteAllText(node, $"[DERECHO]\nlocal_id = {id}\ngms_port = {ports[2 * id]}\nsst_port = {ports[(2 * id) + 1]}\n{nodeExtra(id)}");
            return ["kv", "serve", "--config", config, "--node-config", node, .. more];
        };
    }

    /// <summary>
    /// Configures three persistent members (member N logging under nN), starts them (<see cref="StartThreeAsync"/>)
    /// and returns what serves member <c>id</c>.
    /// </summary>
    private static async Task<Func<int, string[]>> StartThreePersistentAsync(ChildProcess?[] members, TempDirectory directory, int[] ports, CancellationToken ct)
    {
        var serve = await ConfigureAsync(directory, ports, "[KV]\npersistent = true\n", id => $"[PERS]\nfile_path = n{id}\n", ct);
        string[] Serve(int id) => serve(id, []);
        await StartThreeAsync(members, Serve, directory, ct);
        return Serve;
    }

    /// <summary>Starts members 0, 1 and 2 one after another and waits until the contact's layout holds all three.</summary>
    private static async Task StartThreeAsync(ChildProcess?[] members, Func<int, string[]> serve, TempDirectory directory, CancellationToken ct)
    {
        for (var id = 0; id < 3; id++)
        {
            members[id] = ChildProcess.StartDotnet("Derecho.Cli", serve(id), directory.Path);
            await members[id]!.WaitForLineAsync(l => l.StartsWith("serving node", StringComparison.Ordinal), ct);
        }
        await members[0]!.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal) && l.EndsWith(":0,1,2", StringComparison.Ordinal), ct);
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

    /// <summary>Connects, sends <paramref name="garbage"/>, and waits until the member drops the connection.</summary>
    private static async Task SendGarbageAsync(int port, byte[] garbage, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await socket.SendAsync(garbage, SocketFlags.None, ct);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    /// <summary>Random bytes, then a well-formed frame header announcing a gigabyte.</summary>
    private static IEnumerable<byte[]> Garbage(Random random)
    {
        var noise = new byte[4096];
        random.NextBytes(noise);
        yield return noise;
        var oversized = Frame.Encode(FrameType.Protocol, new byte[16]);
        BinaryPrimitives.WriteUInt32LittleEndian(oversized.AsSpan(4), 1 << 30);
        yield return oversized;
    }
}
