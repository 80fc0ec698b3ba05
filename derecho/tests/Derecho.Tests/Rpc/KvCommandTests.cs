using System.Net;
using System.Net.Sockets;
using Derecho.External;
using Derecho.Kv;

namespace Derecho.Tests.Rpc;

/// <summary>The key-value store's CLI with real member processes.</summary>
public sealed class KvCommandTests
{
    [Fact(Timeout = 180_000)]
    [Integration]
    public async Task Put_get_remove_and_list_through_any_member()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = FreePort.Next(6);
        var members = new List<ChildProcess>();
        try
        {
            for (var id = 0; id < 3; id++)
            {
                var member = ChildProcess.StartDotnet("Derecho.Cli",
                [
                    "kv", "serve", $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                    $"--DERECHO/contact_port={ports[0]}", "--DERECHO/heartbeat_ms=100", "--DERECHO/sst_poll_cq_timeout_ms=3000",
                ]);
                members.Add(member);
                await member.WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal), ct);
            }
            await members[0].WaitForLineAsync(l => l.EndsWith(":0,1,2", StringComparison.Ordinal), ct);
            string Contact(int id) => $"127.0.0.1:{ports[2 * id]}";
            async Task<(int Code, string Out, string Err)> Kv(params string[] args) => await ChildProcess.RunDotnetAsync("Derecho.Cli", ["kv", .. args, "--timeout", "30"], ct);

            Assert.Equal(0, (await Kv("put", "--contact", Contact(1), "color", "blue")).Code);
            var got = await Kv("get", "--contact", Contact(2), "color");
            Assert.True((0, "blue") == (got.Code, got.Out.Trim()), $"get: exit {got.Code}, out '{got.Out}', err '{got.Err}'");
            var missing = await Kv("get", "--contact", Contact(0), "shape");
            Assert.Equal((1, ""), (missing.Code, missing.Out));
            Assert.Contains("not found", missing.Err, StringComparison.Ordinal);
            Assert.Equal(0, (await Kv("put", "--contact", Contact(0), "shape", "round")).Code);
            Assert.Equal("color\nshape", (await Kv("list", "--contact", Contact(2))).Out.Trim().ReplaceLineEndings("\n"));
            Assert.Equal(0, (await Kv("remove", "--contact", Contact(2), "color")).Code);
            Assert.Equal(1, (await Kv("remove", "--contact", Contact(2), "color")).Code);
            Assert.Equal("shape", (await Kv("list", "--contact", Contact(1))).Out.Trim());

            // The value from standard input, byte for byte, with VALUE '-' or none (as etcdctl put KEY < FILE).
            var binary = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\r\n\0"u8.ToArray()).ToArray();
            var fromStdin = await PutFromStandardInputAsync(["--contact", Contact(1), "bytes"], binary, ct);
            Assert.True(fromStdin.Code == 0, fromStdin.Err);
            fromStdin = await PutFromStandardInputAsync(["--contact", Contact(2), "dash", "-"], [.. Enumerable.Reverse(binary)], ct);
            Assert.True(fromStdin.Code == 0, fromStdin.Err);
            await using (var client = await ExternalClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ports[0]), cancellationToken: ct))
            {
                var kv = new KvClient(client, () => client.View.Allocation);
                Assert.Equal(binary, await kv.GetAsync("bytes", ct));
                Assert.Equal(Enumerable.Reverse(binary), await kv.GetAsync("dash", ct));
            }
            // A value too large for the members is refused at once, naming its size and the limit (it used to time out).
            var tooLarge = await PutFromStandardInputAsync(["--contact", Contact(0), "big"], new byte[2 << 20], ct);
            Assert.True(tooLarge.Code == 1 && tooLarge.Err.Contains("max_payload_size (1048576 bytes)", StringComparison.Ordinal), $"exit {tooLarge.Code}: {tooLarge.Err}");
            Assert.Equal("bytes\ndash\nshape", (await Kv("list", "--contact", Contact(1))).Out.Trim().ReplaceLineEndings("\n"));
            Assert.Equal(0, (await Kv("remove", "--contact", Contact(1), "bytes")).Code);
            Assert.Equal(0, (await Kv("remove", "--contact", Contact(1), "dash")).Code);

            var unreachable = await Kv("get", "--contact", $"127.0.0.1:{FreePort.Next(1)[0]}", "x");
            Assert.Equal(1, unreachable.Code);
            Assert.Contains("cannot reach", unreachable.Err, StringComparison.Ordinal);
            var bad = await Kv("get", "--contact", "nowhere", "x");
            Assert.Equal(2, bad.Code);
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary><c>derecho kv put ARGUMENTS</c> with <paramref name="value"/> as its standard input.</summary>
    private static async Task<(int Code, string Err)> PutFromStandardInputAsync(string[] arguments, byte[] value, CancellationToken ct)
    {
        await using var put = ChildProcess.StartDotnet("Derecho.Cli", ["kv", "put", .. arguments, "--timeout", "30"]);
        await put.StandardInput.BaseStream.WriteAsync(value, ct);
        put.StandardInput.Close();
        var code = await put.WaitForExitAsync(ct);
        return (code, put.StandardError);
    }

    /// <summary>A contact that accepts the connection and then says nothing (not a Derecho member, or a stopped one).</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_contact_that_never_answers_exits_3_once_the_timeout_passes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var contact = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        foreach (var args in new[] { new[] { "get", "--contact", contact, "key" }, ["put", "--contact", contact, "key", "value"] })
        {
            var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Derecho.Cli", ["kv", .. args, "--timeout", "1"], ct);
            Assert.True(code == 3, $"{args[0]}: exit {code}, err '{stderr}'");
            Assert.Equal("", stdout);
            Assert.Contains($"no answer from {contact} within 1 s", stderr, StringComparison.Ordinal);
        }
    }
}
