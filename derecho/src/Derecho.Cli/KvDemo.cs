using System.Net;
using System.Text;
using Derecho.External;
using Derecho.Kv;

namespace Derecho.Cli;

/// <summary>
/// The key-value part of <c>derecho demo</c>: three <c>derecho kv serve</c> processes, an external client that
/// writes through one member and reads through another, then SIGKILLs the leader and keeps being answered.
/// </summary>
internal static class KvDemo
{
    public static async Task<bool> RunAsync(CancellationToken ct)
    {
        const int count = 3;
        var ports = SelfProcess.FreePorts(2 * count);
        await Console.Out.WriteLineAsync($"Key-value store: {count} 'derecho kv serve' members, one shard of all of them.");
        var processes = new List<SelfProcess>();
        try
        {
            for (var id = 0; id < count; id++)
            {
                processes.Add(SelfProcess.Start(
                [
                    "kv", "serve", $"--DERECHO/local_id={id}", $"--DERECHO/gms_port={ports[2 * id]}", $"--DERECHO/sst_port={ports[(2 * id) + 1]}",
                    $"--DERECHO/contact_port={ports[0]}", "--DERECHO/heartbeat_ms=50", "--DERECHO/sst_poll_cq_timeout_ms=2000",
                ]));
                await processes[id].WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal), ct);
            }
            var layout = await processes[0].WaitForLineAsync(l => l.StartsWith("layout ", StringComparison.Ordinal) && l.EndsWith(":0,1,2", StringComparison.Ordinal), ct);
            await Console.Out.WriteLineAsync($"  {layout}");
            var contact = new IPEndPoint(IPAddress.Loopback, ports[0]);
            await using var client = await ExternalClient.ConnectAsync(contact, new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(20) }, ct);
            var kv = new KvClient(client, () => client.View.Allocation);
            await kv.PutAsync("color", Encoding.UTF8.GetBytes("blue"), ct);
            await Console.Out.WriteLineAsync($"  put color=blue through node {client.ConnectedTo} (every replica applied it, in the shard's order)");
            var value = await kv.GetAsync("color", ct);
            await Console.Out.WriteLineAsync($"  get color from one replica: {Encoding.UTF8.GetString(value ?? [])}");
            processes[0].Kill();
            await Console.Out.WriteLineAsync($"SIGKILL node 0 (pid {processes[0].Id}), the leader and the client's member.");
            await kv.PutAsync("shape", Encoding.UTF8.GetBytes("round"), ct);
            await Console.Out.WriteLineAsync($"  put shape=round: the client moved to node {client.ConnectedTo} and was answered");
            var keys = await kv.ListKeysAsync(ct);
            var color = await kv.GetAsync("color", ct);
            await Console.Out.WriteLineAsync($"  keys: {string.Join(", ", keys)}; color is still {Encoding.UTF8.GetString(color ?? [])}");
            var ok = keys.SequenceEqual(["color", "shape"]) && color is not null;
            await Console.Out.WriteLineAsync(ok
                ? "The store kept every write across the leader's failure."
                : "MISMATCH: the store lost a write.");
            return ok;
        }
        catch (Exception e) when (e is InvalidOperationException or Rpc.RpcException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"derecho: key-value demo failed: {e.Message}");
            return false;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }
}
