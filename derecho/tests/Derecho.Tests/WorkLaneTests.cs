namespace Derecho.Tests;

/// <summary>The hot path's worker lane: order, one worker for a trickle of items, no deadlock behind blocking items.</summary>
public sealed class WorkLaneTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Items_queued_from_one_thread_run_in_order_on_one_worker()
    {
        var lane = new WorkLane("test-lane", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        var seen = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < 10_000; i++)
        {
            lane.Queue(n =>
            {
                seen.Add(n);
                if (n == 9_999)
                {
                    done.SetResult();
                }
            }, i);
        }
        await done.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, 10_000), seen);
        Assert.Equal(1, lane.Threads);
    }

    /// <summary>Items queued in a burst after the lane idled longer than its stall threshold are no stall: the one worker woken runs them all.</summary>
    [Fact]
    public void A_burst_after_a_long_idle_wakes_one_worker()
    {
        var ct = TestContext.Current.CancellationToken;
        // A threshold well above a loaded machine's scheduling delays; each round idles longer than it.
        var lane = new WorkLane("test-lane", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
        for (var round = 0; round < 3; round++)
        {
            using var done = new CountdownEvent(100);
            Thread.Sleep(250);
            for (var i = 0; i < 100; i++)
            {
                lane.Queue(static done => done.Signal(), done);
            }
            Assert.True(done.Wait(Wait, ct));
        }
        Assert.Equal(1, lane.Threads);
    }

    /// <summary>An item that waits for one queued after it (an awaiter blocking on another call's settlement) gets a second worker as soon as the later item is queued late.</summary>
    [Fact]
    public void An_item_blocked_on_a_later_item_gets_another_worker()
    {
        var ct = TestContext.Current.CancellationToken;
        var lane = new WorkLane("test-lane", TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10));
        using var entered = new ManualResetEventSlim();
        using var later = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        lane.Queue(_ =>
        {
            entered.Set();
            later.Wait(Wait, ct);
            finished.Set();
        }, 0);
        Assert.True(entered.Wait(Wait, ct));
        Thread.Sleep(50);
        lane.Queue(_ => later.Set(), 0);
        Assert.True(finished.Wait(Wait, ct));
        Assert.True(lane.Threads >= 2);
    }

    /// <summary>The later item was queued before the worker blocked (so no stall was seen then) and nothing is queued since: the watchdog starts a worker.</summary>
    [Fact]
    public void An_item_queued_just_before_the_worker_blocked_still_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        var lane = new WorkLane("test-lane", TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(10));
        using var laterQueued = new ManualResetEventSlim();
        using var later = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        lane.Queue(_ =>
        {
            laterQueued.Wait(Wait, ct);
            later.Wait(Wait, ct);
            finished.Set();
        }, 0);
        lane.Queue(_ => later.Set(), 0);
        laterQueued.Set();
        Assert.True(finished.Wait(Wait, ct));
    }

    [Fact]
    public void Extra_workers_end_after_idling_and_the_first_stays()
    {
        var ct = TestContext.Current.CancellationToken;
        var lane = new WorkLane("test-lane", TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200));
        using var release = new ManualResetEventSlim();
        var blocked = 3;
        using var allBlocked = new CountdownEvent(blocked);
        for (var i = 0; i < blocked; i++)
        {
            lane.Queue(_ =>
            {
                allBlocked.Signal();
                release.Wait(Wait, ct);
            }, 0);
        }
        Assert.True(allBlocked.Wait(Wait, ct));
        Assert.True(lane.Threads >= blocked);
        release.Set();
        var deadline = DateTime.UtcNow + Wait;
        while (lane.Threads > 1 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        Assert.Equal(1, lane.Threads);
        using var ran = new ManualResetEventSlim();
        lane.Queue(_ => ran.Set(), 0);
        Assert.True(ran.Wait(Wait, ct));
    }
}
