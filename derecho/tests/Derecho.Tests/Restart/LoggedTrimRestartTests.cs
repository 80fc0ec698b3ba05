using System.Buffers.Binary;
using System.Text;
using Derecho.Kv;
using Derecho.Membership;
using Derecho.Persistence;
using Derecho.Restart;
using Derecho.Rpc;

namespace Derecho.Tests.Restart;

/// <summary>
/// A total restart of key-value members in this process (real sockets, real files) from logs and restart records
/// written as a crash would leave them: the longest log holds a failed sender's updates beyond the last logged
/// ragged trim, and must not lead.
/// </summary>
public sealed class LoggedTrimRestartTests
{
    private static readonly ReplicatedType[] PersistentStore = [ReplicatedType.Of(context => new KvStore(context, persistent: true))];

    /// <summary>
    /// View 5 held members 0, 1 and 2, and delivered versions 5.0 to 5.3; member 2 failed, and its log also holds
    /// 5.4 and 5.5, its own updates that no survivor delivered. Members 0 and 1 installed view 6 and logged the
    /// trim of view 5 (5.3); member 1 had synced only up to 5.2. All crash, all restart: member 2's log is the
    /// longest, but the trim excludes its tail, so member 0's log leads, member 2 truncates 5.4 and 5.5, member 1
    /// takes 5.3, and the restarted group goes on from there. (Taking the longest log, as the rule was before,
    /// spreads "ghost" to every replica.)
    /// </summary>
    [Fact(Timeout = 120_000)]
    [Integration]
    public async Task The_longest_log_is_truncated_when_it_holds_updates_beyond_the_last_logged_trim()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var trim = new ShardTrim(0, 0, 0, 6, Versions.Of(5, 3));
        Seed(directory.Path, 0, new View(6, Members(0, 1), [], []), [trim], 4);
        Seed(directory.Path, 1, new View(6, Members(0, 1), [], []), [trim], 3);
        Seed(directory.Path, 2, new View(5, Members(0, 1, 2), [], []), [new ShardTrim(0, 0, 0, 5, Versions.Of(4, 7))], 6);

        var contact = FreePort.Next(1)[0];
        var members = new List<ReplicatedGroup>();
        try
        {
            // Member 2 before member 1: the view of 0 and 2 lacks a majority of view 6, so the first view the restart
            // goes on in holds all three, and all three start the shard from their own logs.
            foreach (var id in new uint[] { 0, 2, 1 })
            {
                members.Add(await JoinAsync(directory.Path, id, contact, ct));
            }
            var subgroup = KvClient.Subgroup();
            await RpcClusterWait(members, ct);
            foreach (var member in members)
            {
                await member.WaitForReplicaIdleAsync(subgroup, ct);
            }
            foreach (var member in members)
            {
                foreach (var node in new uint[] { 0, 1, 2 })
                {
                    var calls = new KvStore.P2PCalls(member, node);
                    Assert.Equal(Versions.Of(5, 3), (await calls.LatestVersionAsync(ct)).Version);
                    Assert.Null((await calls.GetAtVersionAsync("ghost", long.MaxValue, ct)).Value);
                    Assert.Equal([3], (await calls.GetAtVersionAsync("k3", long.MaxValue, ct)).Value!);
                }
            }
            Assert.Single(members.Select(m => m.LocalStateHash(subgroup)).Distinct());

            // The restarted group goes on above every logged view, at every replica alike.
            var kv = new KvClient(members[1], () => members[1].Allocation);
            await kv.PutAsync("after", [9], ct);
            var after = await new KvStore.P2PCalls(members[0], 2).GetAtVersionAsync("after", long.MaxValue, ct);
            Assert.True(Versions.ViewOf(after.Version) > 6, $"version {after.Version} after the restart");
            foreach (var member in members)
            {
                await member.WaitForReplicaIdleAsync(subgroup, ct);
            }
            Assert.Single(members.Select(m => m.LocalStateHash(subgroup)).Distinct());
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
            members.Clear();
            // Every member logged where the restarted shard's history before it ends: 5.4 and 5.5 cannot come back.
            foreach (var id in new uint[] { 0, 1, 2 })
            {
                Assert.Contains(RestartState.Load(Pers(directory.Path, id)).TrimsOf(0, 0, 0), t => t.Last == Versions.Of(5, 3) && t.ViewId > 6);
            }
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    private static ViewMember[] Members(params uint[] ids) => [.. ids.Select(id => new ViewMember(id, 1, $"127.0.0.1:{1000 + id}"))];

    private static PersistenceOptions Pers(string root, uint id) => new() { FilePath = Path.Combine(root, $"n{id}") };

    /// <summary>Member <paramref name="id"/>'s restart record and a log of versions 5.0 to 5.(count-1): keys k0…k3, then "ghost".</summary>
    private static void Seed(string root, uint id, View view, ShardTrim[] trims, int count)
    {
        var pers = Pers(root, id);
        RestartState.Load(pers).Record(view, trims);
        using var log = PersistentLog.OpenField(pers, KvStore.LogName(0, 0));
        for (var seq = 0u; seq < count; seq++)
        {
            var key = seq < 4 ? $"k{seq}" : "ghost";
            log.Append(Versions.Of(5, seq), new HlcTimestamp(1_000_000 + seq, 0), PutRecord(key, [(byte)seq]));
        }
        log.Commit();
    }

    /// <summary>A put as the key-value store logs it: kind 1, the key's length and UTF-8 bytes, the value.</summary>
    private static byte[] PutRecord(string key, byte[] value)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var record = new byte[5 + keyBytes.Length + value.Length];
        record[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(1), keyBytes.Length);
        keyBytes.CopyTo(record, 5);
        value.CopyTo(record, 5 + keyBytes.Length);
        return record;
    }

    private static Task<ReplicatedGroup> JoinAsync(string root, uint id, int contact, CancellationToken ct)
    {
        var pers = Pers(root, id);
        var restart = RestartState.Load(pers);
        var options = new GroupOptions
        {
            LocalId = id,
            GmsPort = id == 0 ? contact : 0,
            SstPort = 0,
            ContactPort = contact,
            HeartbeatInterval = TimeSpan.FromMilliseconds(50),
            SuspicionTimeout = TimeSpan.FromMilliseconds(3000),
            Persistence = pers,
            FirstViewId = restart.LastViewId + RestartState.RestartViewMargin,
        };
        return ReplicatedGroup.JoinAsync(options, null, PersistentStore,
            new ReplicatedGroupOptions { DefaultTimeout = TimeSpan.FromSeconds(20), RestartState = restart }, ct);
    }

    private static Task RpcClusterWait(List<ReplicatedGroup> members, CancellationToken ct) =>
        Derecho.Tests.Rpc.RpcCluster.WaitUntilAsync(
            () => members.All(m => m.Group.CurrentView.Count == 3 && m.Allocation?.ViewId == m.Group.CurrentView.Id)
                && members.Select(m => m.Group.CurrentView.Id).Distinct().Count() == 1,
            "a restarted view of 3 members", ct);
}
