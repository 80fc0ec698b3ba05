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
}
