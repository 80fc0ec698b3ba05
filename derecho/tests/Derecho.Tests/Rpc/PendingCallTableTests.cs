using Derecho.Membership;
using Derecho.Rpc;

namespace Derecho.Tests.Rpc;

public sealed class PendingCallTableTests
{
    [Fact]
    public void A_retried_ordered_call_joins_the_call_still_waiting_under_its_id()
    {
        var table = new PendingCallTable();
        var id = new CallId(7, 42);
        var first = new OrderedPendingCall(id);
        Assert.Same(first, table.AddOrJoin(first));
        Assert.Same(first, table.AddOrJoin(new OrderedPendingCall(id)));
        Assert.Equal(1, table.Count);

        table.Remove(id);
        var retry = new OrderedPendingCall(id);
        Assert.Same(retry, table.AddOrJoin(retry));
    }

    [Fact]
    public void An_ordered_call_under_a_P2P_call_s_id_is_refused()
    {
        var table = new PendingCallTable();
        var id = new CallId(7, 43);
        table.Add(new P2PPendingCall(id, 1));
        var error = Assert.Throws<InvalidOperationException>(() => table.AddOrJoin(new OrderedPendingCall(id)));
        Assert.Contains("P2P", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Calls that one message of replies settles complete on a pool thread, together, never on the thread that
    /// handled the replies (an event loop or a connection's thread, which must not run callers' code).
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task Calls_settled_by_one_message_complete_together_on_the_pool()
    {
        var table = new PendingCallTable();
        var view = new View(1, [new ViewMember(1, 1, "127.0.0.1:1"), new ViewMember(2, 1, "127.0.0.1:2")], [], []);
        var calls = Enumerable.Range(0, 5).Select(i => new OrderedPendingCall(new CallId(1, (ulong)i))).ToList();
        foreach (var call in calls)
        {
            table.Add(call);
            Assert.False(call.OnDelivered([1, 2], view));
            table.Reply(call.Id, 1, RpcReply.Ok(new byte[] { 0xc3 }));
        }
        var ranOn = new int[calls.Count];
        var releasingThread = Environment.CurrentManagedThreadId;
        var releasing = false;
        var ranInsideRelease = false;
        var awaiters = calls.Select(async (call, i) =>
        {
            await call.AllReplied.ConfigureAwait(false);
            ranOn[i] = Environment.CurrentManagedThreadId;
            ranInsideRelease |= Volatile.Read(ref releasing) && ranOn[i] == releasingThread;
        }).ToList();

        var gathering = SettledCalls.Gather();
        Assert.True(gathering);
        Assert.False(SettledCalls.Gather()); // nested: the outer gathering releases
        foreach (var call in calls)
        {
            table.Reply(call.Id, 2, RpcReply.Ok(new byte[] { 0xc3 }));
        }
        Assert.All(calls, call => Assert.False(call.AllReplied.IsCompleted)); // held until released
        Assert.All(calls, call => Assert.Equal(2, call.Settled().Count));
        Volatile.Write(ref releasing, true);
        SettledCalls.Release();
        Volatile.Write(ref releasing, false);

        await Task.WhenAll(awaiters).WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, table.Count);
        Assert.Single(ranOn.Distinct());
        Assert.False(ranInsideRelease);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_call_settled_outside_a_gathering_completes_on_the_pool_and_runs_its_relay_continuation_once()
    {
        var table = new PendingCallTable();
        var view = new View(1, [new ViewMember(1, 1, "127.0.0.1:1")], [], []);
        var call = new OrderedPendingCall(new CallId(1, 9));
        table.Add(call);
        var relayed = 0;
        call.WhenAllReplied(() => relayed++);
        Assert.False(call.OnDelivered([1], view));
        table.Reply(call.Id, 1, RpcReply.Ok(new byte[] { 0xc3 }));
        await call.AllReplied.WaitAsync(TestContext.Current.CancellationToken);
        call.WhenAllReplied(() => relayed++); // already settled: runs at once
        call.Fail(new RpcException(RpcError.Timeout, "late"));
        Assert.Equal(2, relayed);
    }
}
