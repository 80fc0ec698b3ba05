using Derecho.External;
using Derecho.Kv;
using Derecho.Layout;
using Derecho.Rpc;
using MessagePack;

// Reply tasks complete on the RPC layer's threads; there is no synchronization context to deadlock on.
#pragma warning disable VSTHRD003

namespace Derecho.Tests.Rpc;

/// <summary>Ordered and P2P calls between replicated groups in this process over real loopback sockets.</summary>
[Integration]
public sealed class ReplicatedGroupTests
{
    private static readonly ReplicatedType[] Counters = [ReplicatedType.Of(context => new Counter(context))];
    private static readonly SubgroupId First = ReplicatedGroup.SubgroupOf<Counter>(0);

    /// <summary>Two overlapping subgroups of counters, each with every one of nodes 0-2 reserved.</summary>
    private static GroupLayout TwoOverlappingSubgroups() => new([SubgroupTypeLayout.IdenticalSubgroups(First.TypeName, 2,
        new SubgroupSpec([new ShardSpec(1, 3) { ReservedNodeIds = [0, 1, 2] }]))]);

    [Fact(Timeout = 60_000)]
    public async Task Ordered_replies_agree_and_replicas_end_identical()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, Counters, ct);
        var calls = new List<QueryResults<long>>();
        for (var i = 1; i <= 30; i++)
        {
            calls.Add(new Counter.OrderedCalls(cluster[(uint)(i % 3)]).Add(i, ct));
        }
        var seen = new HashSet<long>();
        foreach (var call in calls)
        {
            var replies = await call.GetAllAsync();
            Assert.Equal([0u, 1u, 2u], replies.Keys.Order());
            Assert.Single(replies.Values.Distinct());
            Assert.True(seen.Add(replies[0]), "two calls saw the same running total");
        }
        Assert.Contains(465L, seen);
        var hashes = await cluster.StateHashesAsync(First, ct);
        Assert.Single(hashes.Values.Distinct());
        for (var node = 0u; node < 3; node++)
        {
            Assert.Equal(465L, await new Counter.P2PCalls(cluster[0], node).ReadAsync(ct));
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Calls_batched_into_one_multicast_run_once_each_in_the_callers_order(bool runCallsInline)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, Counters, ct, runCallsInline: runCallsInline);
        // Far more calls than the multicasts a member keeps undelivered: most leave in batches.
        const int Calls = 400;
        var calls = Enumerable.Range(1, Calls).Select(i => new Counter.OrderedCalls(cluster[0]).Add(i, ct)).ToList();
        for (var i = 1; i <= Calls; i++)
        {
            var replies = await calls[i - 1].GetAllAsync();
            Assert.Equal([0u, 1u, 2u], replies.Keys.Order());
            // Issued one after another by one caller: each sees exactly the calls before it.
            Assert.All(replies.Values, total => Assert.Equal((long)i * (i + 1) / 2, total));
        }
        var hashes = await cluster.StateHashesAsync(First, ct);
        Assert.Single(hashes.Values.Distinct());
        Assert.Equal((long)Calls * (Calls + 1) / 2, await new Counter.P2PCalls(cluster[0], 2).ReadAsync(ct));
    }

    [Fact(Timeout = 60_000)]
    public async Task Calls_of_every_size_around_a_full_batch_are_answered_and_applied_alike()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        // Values from empty to past the shard's small-message size (10 KB): calls share open batches that grow,
        // fill and are sealed, one call fills a batch alone, larger ones go unbatched; all are in flight at once.
        int[] sizes = [0, 1, 100, 1000, 2000, 5000, 9000, 10100, 10150, 10200, 10240, 12000, 30000];
        var values = Enumerable.Range(0, 4 * sizes.Length).Select(i => Enumerable.Repeat((byte)i, sizes[i % sizes.Length]).ToArray()).ToList();
        var calls = values.Select((value, i) => new KvStore.OrderedCalls(cluster[(uint)(i % 3)]).Put($"key{i}", value, ct)).ToList();
        foreach (var call in calls)
        {
            var replies = await call.GetAllAsync();
            Assert.Equal([0u, 1u, 2u], replies.Keys.Order());
            Assert.All(replies.Values, Assert.True);
        }
        var hashes = await cluster.StateHashesAsync(ReplicatedGroup.SubgroupOf<KvStore>(0), ct);
        Assert.Single(hashes.Values.Distinct());
        for (var i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], await new KvStore.P2PCalls(cluster[0], (uint)(i % 3)).GetAsync($"key{i}", ct));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Bad_calls_get_clear_errors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(2, null, Counters, ct);
        var member = cluster[0];
        var unknown = await Assert.ThrowsAsync<RpcException>(() => member.Ordered<long>(First, 0, 0xdeadbeef, Args(), ct).GetAgreedAsync());
        Assert.Equal(RpcError.UnknownMethod, unknown.Error);
        Assert.Contains("no remotely callable method with id 0xdeadbeef", unknown.Message, StringComparison.Ordinal);

        var wrongArguments = await Assert.ThrowsAsync<RpcException>(() => member.Ordered<long>(First, 0, Counter.MethodIds.Add, Args("ten"), ct).GetAgreedAsync());
        Assert.Equal(RpcError.BadArguments, wrongArguments.Error);
        Assert.Contains("'amount'", wrongArguments.Message, StringComparison.Ordinal);

        var tooFew = await Assert.ThrowsAsync<RpcException>(() => member.P2PAsync<string>(First, 1, Counter.MethodIds.Echo, Args("x"), ct));
        Assert.Contains("takes 2 argument(s), not 1", tooFew.Message, StringComparison.Ordinal);

        var notMember = await Assert.ThrowsAsync<RpcException>(() => new Counter.P2PCalls(member, 7).ReadAsync(ct));
        Assert.Equal(RpcError.NotAMember, notMember.Error);
        Assert.Contains("node 7", notMember.Message, StringComparison.Ordinal);

        var orderedOnly = await Assert.ThrowsAsync<RpcException>(() => member.P2PAsync<long>(First, 1, Counter.MethodIds.Add, Args(1L), ct));
        Assert.Contains("not a [P2P] method", orderedOnly.Message, StringComparison.Ordinal);

        var noShard = await Assert.ThrowsAsync<RpcException>(() => new Counter.OrderedCalls(member, 0, 5).Read(ct).GetAgreedAsync());
        Assert.Equal(RpcError.NotAMember, noShard.Error);

        var failed = await Assert.ThrowsAsync<RpcException>(() => new Counter.OrderedCalls(member).Fail("boom", ct).GetAgreedAsync());
        Assert.Equal(RpcError.HandlerFailed, failed.Error);
        Assert.Contains("InvalidOperationException: boom", failed.Message, StringComparison.Ordinal);
        Assert.Equal("abab", await new Counter.P2PCalls(member, 1).EchoAsync("ab", 2, ct));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_handler_calls_another_subgroup_once_and_cannot_deadlock_on_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, TwoOverlappingSubgroups(), Counters, ct);
        // Every replica of subgroup 0 runs Forward, so each makes the nested call; it runs once in subgroup 1.
        var forwarded = await new Counter.OrderedCalls(cluster[1], 0).Forward(1, 5, ct).GetAllAsync();
        Assert.All(forwarded.Values, v => Assert.Equal(5L, v));
        forwarded = await new Counter.OrderedCalls(cluster[2], 0).Forward(1, 7, ct).GetAllAsync();
        Assert.All(forwarded.Values, v => Assert.Equal(12L, v));
        Assert.Equal(12L, await new Counter.OrderedCalls(cluster[0], 1).Read(ct).GetAgreedAsync());
        Assert.Equal(12L, await new Counter.OrderedCalls(cluster[0], 0).ReadOther(1, 2, ct).GetAgreedAsync());

        var own = await Assert.ThrowsAsync<RpcException>(() => new Counter.OrderedCalls(cluster[0], 0).Forward(0, 1, ct).GetAgreedAsync());
        Assert.Contains("would wait on itself", own.Message, StringComparison.Ordinal);
        var ownP2P = await Assert.ThrowsAsync<RpcException>(() => new Counter.OrderedCalls(cluster[0], 0).ReadOther(0, 1, ct).GetAgreedAsync());
        Assert.Contains("own shard", ownP2P.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_member_that_fails_before_replying_yields_member_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stall = Counter.StallOn(2);
        await using var cluster = await RpcCluster.StartAsync(3, null, Counters, ct);
        var replies = await new Counter.OrderedCalls(cluster[0]).Stall(ct);
        Assert.Equal(0L, await replies[0]);
        Assert.Equal(0L, await replies[1]);
        Assert.False(replies[2].IsCompleted);
        await cluster.CrashAsync(2);
        var removed = await Assert.ThrowsAsync<MemberRemovedException>(() => replies[2]);
        Assert.Equal(2u, removed.Node);
        await cluster.WaitForViewAsync(2, ct);
        Assert.Equal(3L, await new Counter.OrderedCalls(cluster[1]).Add(3, ct).GetAgreedAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task Calls_waiting_behind_a_pending_handler_run_after_it_with_their_own_arguments()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stall = Counter.StallOn(0);
        await using var cluster = await RpcCluster.StartAsync(2, null, Counters, ct);
        var stalled = new Counter.OrderedCalls(cluster[1]).Stall(ct).GetAllAsync();
        await Counter.StallEntered.Task.WaitAsync(ct);
        // Node 0's replica waits in Stall: these queue behind it, their arguments encoded one after another in
        // the proxies' shared buffer, and run in order once it completes.
        var first = new Counter.P2PCalls(cluster[0], 0).EchoAsync("first", 1, ct);
        var second = new Counter.P2PCalls(cluster[0], 0).EchoAsync("second", 2, ct);
        var added = new Counter.OrderedCalls(cluster[0]).Add(5, ct).GetAllAsync();
        var read = new Counter.P2PCalls(cluster[0], 0).ReadAsync(ct);
        Assert.False(first.IsCompleted || second.IsCompleted || read.IsCompleted, "a call ran while the handler before it was pending");
        Counter.StallGate.SetResult();
        Assert.All((await stalled).Values, v => Assert.Equal(0L, v));
        Assert.Equal("first", await first);
        Assert.Equal("secondsecond", await second);
        Assert.All((await added).Values, v => Assert.Equal(5L, v));
        Assert.Equal(5L, await new Counter.OrderedCalls(cluster[1]).Read(ct).GetAgreedAsync());
        Assert.InRange(await read, 0L, 5L);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_joiner_receives_the_shard_state_before_it_delivers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        var kv = new KvClient(cluster[0], () => cluster[0].Allocation);
        // About 3 MB of state: the transfer travels in several chunks.
        var big = new byte[100_000];
        Random.Shared.NextBytes(big);
        for (var i = 0; i < 30; i++)
        {
            await kv.PutAsync($"key{i}", [.. big, (byte)i], ct);
        }
        var joiner = await cluster.AddAsync(2, ct);
        await kv.PutAsync("after-join", [1, 2, 3], ct);
        await cluster.WaitForViewAsync(3, ct);
        var hashes = await cluster.StateHashesAsync(KvClient.Subgroup(), ct);
        Assert.Single(hashes.Values.Distinct());
        Assert.NotNull(hashes[2]);
        var replica = joiner.LocalReplica<KvStore>()!;
        Assert.Equal(31, replica.Count);
        Assert.Equal([1, 2, 3], await new KvStore.P2PCalls(cluster[0], 2).GetAsync("after-join", ct));
        Assert.Equal(big.Length + 1, (await new KvStore.P2PCalls(cluster[0], 2).GetAsync("key29", ct))!.Length);
    }

    [Fact(Timeout = 60_000)]
    public async Task Keys_live_on_exactly_their_shards_members()
    {
        var ct = TestContext.Current.CancellationToken;
        var layout = new GroupLayout([SubgroupTypeLayout.OneSubgroup(KvClient.Subgroup().TypeName, SubgroupSpec.FixedEvenShards(2, 2))]);
        await using var cluster = await RpcCluster.StartAsync(4, layout, [ReplicatedType.Of(context => new KvStore(context))], ct);
        var kv = new KvClient(cluster[3], () => cluster[3].Allocation);
        var keys = Enumerable.Range(0, 40).Select(i => $"k{i}").ToArray();
        await Task.WhenAll(keys.Select(k => kv.PutAsync(k, [(byte)k.Length], ct)));
        Assert.Equal(keys.Order(StringComparer.Ordinal), await kv.ListKeysAsync(ct));
        Assert.All(await kv.MultiGetAsync(keys, ct), v => Assert.NotNull(v));
        var allocation = cluster[0].Allocation!;
        for (var shard = 0; shard < 2; shard++)
        {
            var members = allocation.Shard(0, 0, shard)!.Members;
            Assert.Equal(2, members.Count);
            var expected = keys.Where(k => KvStore.ShardOf(k, 2) == shard).Order(StringComparer.Ordinal).ToArray();
            foreach (var node in members)
            {
                Assert.Equal(expected, cluster[node].LocalReplica<KvStore>()!.ListKeys());
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task An_external_client_is_answered_across_a_leader_failure()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, cancellationToken: ct);
        Assert.Equal(3, client.View.Members.Count);
        var notifications = new List<string>();
        client.Subscribe(KvClient.Subgroup(), 0, n =>
        {
            lock (notifications)
            {
                notifications.Add(System.Text.Encoding.UTF8.GetString(n.Span));
            }
        });
        var kv = new KvClient(client, () => client.View.Allocation);
        await kv.PutAsync("before", [1], ct);
        Assert.Equal(0u, client.ConnectedTo);
        await cluster.CrashAsync(0);
        await kv.PutAsync("after", [2], ct);
        Assert.NotEqual(0u, client.ConnectedTo);
        Assert.Equal([1], await kv.GetAsync("before", ct));
        Assert.Equal([2], await kv.GetAsync("after", ct));
        Assert.Equal(["after", "before"], await kv.ListKeysAsync(ct));
        await RpcCluster.WaitUntilAsync(() => client.View.Members.Count == 2, "the client to see the new view", ct);
        await cluster.WaitForViewAsync(2, ct);
        var hashes = await cluster.StateHashesAsync(KvClient.Subgroup(), ct);
        Assert.Single(hashes.Values.Distinct());
        lock (notifications)
        {
            Assert.Contains("put before", notifications);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Notifications_are_wanted_once_a_client_subscribes_not_when_one_merely_connects()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, cancellationToken: ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        await kv.PutAsync("unseen", [1], ct);
        Assert.False(cluster[0].NotificationsWanted(0, 0, 0), "a connected client that subscribed to nothing made puts build notifications");
        var notified = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Subscribe(KvClient.Subgroup(), 0, n => notified.TrySetResult(System.Text.Encoding.UTF8.GetString(n.Span)));
        await RpcCluster.WaitUntilAsync(() => cluster[0].NotificationsWanted(0, 0, 0), "the member to count the subscription", ct);
        await kv.PutAsync("seen", [2], ct);
        Assert.Equal("put seen", await notified.Task.WaitAsync(ct));
    }

    /// <summary>
    /// The connection a failover makes can drop before the failover is over (the member crashes or refuses the
    /// client right after sending its view). The failover used to return all the same, so the client was left
    /// without a connection and its unanswered call timed out. Member 0 drops the client once its put is under way;
    /// members 1 and 2, which the failover tries next, each drop it right after the view; the failover must go on to
    /// the contact and the put complete there, long before its timeout. (This used to be triggered by a call too
    /// large for the member, which is now refused before it leaves.)
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task An_external_client_whose_new_connection_drops_during_the_failover_connects_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint,
            new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(20) }, ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        await kv.PutAsync("before", [1], ct);
        var dropped = new int[3];
        Func<RpcKind, bool> DropOnce(uint id, RpcKind kind) => k => k == kind && Interlocked.Exchange(ref dropped[id], 1) == 0;
        cluster[0].ClientFault = DropOnce(0, RpcKind.ClientOrdered);
        cluster[1].ClientFault = DropOnce(1, RpcKind.ClientHello);
        cluster[2].ClientFault = DropOnce(2, RpcKind.ClientHello);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await kv.PutAsync("during", [2], ct);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"the put completed only after {started.Elapsed}");
        Assert.Equal([1, 1, 1], dropped);
        Assert.Equal(0u, client.ConnectedTo);
        Assert.Equal([2], await kv.GetAsync("during", ct));
    }

    /// <summary>
    /// A member drops a connection whose frame is larger than it accepts: a request that large used to drop the
    /// client's connection (and each failover's) until the call timed out, and between members it dropped their
    /// connection, so a healthy member was suspected. Calls too large fail at once with <see cref="RpcError.TooLarge"/>,
    /// naming the size and the limit, whoever makes them; the client learns its member's limits with the view.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Calls_too_large_for_the_members_fail_at_once_naming_size_and_limit_and_nobody_is_suspected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        var viewBefore = cluster[0].Group.CurrentView.Id;
        var limits = new GroupOptions();
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint,
            new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(30) }, ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        var beyondFrame = new byte[limits.MaxFrameSize + 1];
        var beyondPayload = new byte[limits.MaxPayloadSize];
        var hugeKey = new string('k', limits.MaxFrameSize);

        async Task RefusedAsync(Func<Task> call, params string[] named)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(refused.Error == RpcError.TooLarge, $"{refused.Error}: {refused.Message}");
            Assert.All(named, n => Assert.Contains(n, refused.Message, StringComparison.Ordinal));
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"refused only after {started.Elapsed}");
        }
        string Number(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await RefusedAsync(() => kv.PutAsync("beyond the frame", beyondFrame, ct), "max_payload_size", Number(limits.MaxPayloadSize));
        await RefusedAsync(() => kv.PutAsync("beyond the payload", beyondPayload, ct), "max_payload_size", Number(limits.MaxPayloadSize));
        await RefusedAsync(() => new KvStore.P2PCalls(client, 1).GetAsync(hugeKey, ct), Number(limits.MaxFrameSize));
        await RefusedAsync(() => new KvStore.OrderedCalls(cluster[1]).Put("beyond the payload", beyondPayload, ct).GetAllAsync(), "max_payload_size");
        await RefusedAsync(() => new KvStore.P2PCalls(cluster[1], 0).GetAsync(hugeKey, ct), Number(limits.MaxFrameSize));

        await kv.PutAsync("after", [7], ct);
        Assert.Equal([7], await new KvStore.P2PCalls(cluster[1], 0).GetAsync("after", ct));
        Assert.Equal(0u, client.ConnectedTo);
        Assert.All(cluster.Members.Values, m => Assert.Equal((viewBefore, 2), (m.Group.CurrentView.Id, m.Group.CurrentView.Count)));
    }

    /// <summary>
    /// Four values that each fit a put make a reply larger than a member accepts in one message: a P2P
    /// <c>MultiGet</c> of them from another member (or relayed for a client) dropped the connection between the two
    /// members, and the whole group stopped. The reply becomes a <see cref="RpcError.TooLarge"/> failure instead.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_reply_too_large_for_a_member_fails_its_call_and_nobody_is_suspected()
    {
        var keys = new[] { "a", "b", "c", "d" };
        var limits = new GroupOptions();
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(2, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        var viewBefore = cluster[0].Group.CurrentView.Id;
        foreach (var key in keys)
        {
            await new KvStore.OrderedCalls(cluster[0]).Put(key, new byte[limits.MaxPayloadSize - 1024], ct).GetAllAsync();
        }
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, cancellationToken: ct);
        foreach (var call in new Func<Task>[] { () => new KvStore.P2PCalls(cluster[1], 0).MultiGetAsync(keys, ct), () => new KvStore.P2PCalls(client, 1).MultiGetAsync(keys, ct) })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(refused.Error == RpcError.TooLarge && refused.Message.Contains(limits.MaxFrameSize.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
                $"{refused.Error}: {refused.Message}");
        }
        Assert.Equal(2, (await new KvStore.P2PCalls(cluster[1], 0).MultiGetAsync(["a", "b"], ct)).Length);
        Assert.All(cluster.Members.Values, m => Assert.Equal((viewBefore, 2), (m.Group.CurrentView.Id, m.Group.CurrentView.Count)));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_external_client_with_many_calls_in_flight_gets_each_its_own_replies()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        await using var client = await ExternalClient.ConnectAsync(cluster[1].Group.GmsEndPoint, cancellationToken: ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        // Replies completing several relayed calls at once go back to the client together; each call still gets its own.
        var keys = Enumerable.Range(0, 200).Select(i => $"k{i}").ToArray();
        await Task.WhenAll(keys.Select(k => kv.PutAsync(k, System.Text.Encoding.UTF8.GetBytes(k), ct)));
        var removed = await Task.WhenAll(keys.Select(k => kv.RemoveAsync(k.Length % 2 == 0 ? k : "missing-" + k, ct)));
        Assert.Equal(keys.Select(k => k.Length % 2 == 0), removed);
        var values = await kv.MultiGetAsync(keys, ct);
        Assert.Equal(keys.Select(k => k.Length % 2 == 0 ? null : k), values.Select(v => v is null ? null : System.Text.Encoding.UTF8.GetString(v)));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_external_clients_awaiter_that_blocks_on_a_call_it_made_still_gets_the_reply()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RpcCluster.StartAsync(3, null, [ReplicatedType.Of(context => new KvStore(context))], ct);
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, cancellationToken: ct);
        var kv = new KvClient(client, () => client.View.Allocation);
        // The awaiter runs where the first call completes, while the client holds back the calls made there to send
        // them together; waiting on the second call synchronously there must not wait forever for that send.
        var second = await kv.PutAsync("first", [1], ct).ContinueWith(
            _ =>
            {
#pragma warning disable VSTHRD002 // The blocking wait is what this test is about.
                kv.PutAsync("second", [2], ct).GetAwaiter().GetResult();
                return kv.GetAsync("second", ct).GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
            },
            ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Assert.Equal([2], second);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_external_call_without_replies_times_out_or_is_canceled_and_later_calls_are_answered()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stall = Counter.StallOn(1);
        await using var cluster = await RpcCluster.StartAsync(2, null, Counters, ct);
        await using var client = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint,
            new ExternalClientOptions { CallTimeout = TimeSpan.FromMilliseconds(500) }, ct);
        // Node 1 never replies to Stall: the client's member never has every reply to pass on. A call waits for the
        // client's CallTimeout, with a cancellable token or without one.
#pragma warning disable xUnit1051
        var timedOut = await Assert.ThrowsAsync<RpcException>(() => new Counter.OrderedCalls(client).Stall().GetAllAsync());
#pragma warning restore xUnit1051
        Assert.Equal(RpcError.Timeout, timedOut.Error);
        Assert.Equal(RpcError.Timeout, (await Assert.ThrowsAsync<RpcException>(() => new Counter.OrderedCalls(client).Stall(ct).GetAllAsync())).Error);
        await using var patient = await ExternalClient.ConnectAsync(cluster[0].Group.GmsEndPoint, new ExternalClientOptions { CallTimeout = TimeSpan.FromMinutes(5) }, ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var canceled = new Counter.OrderedCalls(patient).Stall(cancel.Token).GetAllAsync();
        await Task.Delay(100, ct);
        Assert.False(canceled.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled);
        // Node 1 runs the stalled calls once released, then this one.
        Counter.StallGate.TrySetResult();
        Assert.Equal([4L, 4L], (await new Counter.OrderedCalls(client).Add(4, ct).GetAllAsync()).Values);
    }

    private static byte[] Args(params object[] values) => MessagePackSerializer.Serialize(values, RpcSerializer.Options);
}
