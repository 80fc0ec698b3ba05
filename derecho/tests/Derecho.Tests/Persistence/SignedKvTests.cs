using Derecho.Kv;
using Derecho.Persistence;
using Derecho.Rpc;
using Derecho.Tests.Rpc;

namespace Derecho.Tests.Persistence;

/// <summary>
/// The persistent key-value store with <c>PERS/private_key_file</c>: every change is signed in a chain, the chain is
/// verified when the replica opens its log after a restart and each version when it is read, and a forged version
/// makes the replica refuse to serve rather than answer from it.
/// </summary>
public sealed class SignedKvTests
{
    private static readonly ReplicatedType[] PersistentStore = [ReplicatedType.Of(context => new KvStore(context, persistent: true))];

    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task Signed_changes_survive_a_restart_and_a_forged_version_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var keyFile = directory.Combine("key.pem");
        using (var signer = LogSigner.Generate())
        {
            await File.WriteAllTextAsync(keyFile, signer.ExportPrivateKeyPem(), ct);
        }
        var logs = Path.Combine(directory.Path, "n0", KvStore.LogName(0, 0));
        long last;
        await using (var cluster = await RpcCluster.StartAsync(1, null, PersistentStore, ct, directory.Path, keyFile))
        {
            var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
            await kv.PutAsync("k", [1], ct);
            await kv.PutAsync("k", [2], ct);
            last = (await new KvStore.P2PCalls(cluster[0], 0).LatestVersionAsync(ct)).Version;
        }
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, logs))
        {
            // Signed records: the change, the previous signature and its own.
            Assert.All(log.Enumerate(), e => Assert.True(e.Data.Length > SignatureChain.Overhead));
        }

        await using (var cluster = await RpcCluster.StartAsync(1, null, PersistentStore, ct, directory.Path, keyFile))
        {
            var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
            Assert.Equal([2], await kv.GetAsync("k", ct));
            Assert.Equal([2], (await kv.GetAtVersionAsync("k", last, ct)).Value);
        }

        // A version appended behind the signer's back (its checksums valid, its signatures not).
        using (var log = PersistentLog.Open(DiskFileSystem.Instance, logs))
        {
            var forged = log.Latest!.Value.Data.ToArray();
            forged[^1] ^= 0x40;
            log.Append(last + 1, log.Latest!.Value.Time, forged);
            log.Commit();
        }
        await using (var cluster = await RpcCluster.StartAsync(1, null, PersistentStore, ct, directory.Path, keyFile))
        {
            var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
            var refused = await Assert.ThrowsAsync<RpcException>(() => kv.GetAsync("k", ct));
            Assert.Contains("fails its signature", refused.Message, StringComparison.Ordinal);
        }
    }
}
