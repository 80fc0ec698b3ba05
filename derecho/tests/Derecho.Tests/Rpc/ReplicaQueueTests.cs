using System.Collections.Concurrent;
using System.Diagnostics;
using Derecho.Rpc;

namespace Derecho.Tests.Rpc;

/// <summary>
/// The replica's work queue without a group: calls run one at a time, each caller's in the order it brought them,
/// at once on the calling thread when the replica is idle, behind a handler that went asynchronous otherwise.
/// </summary>
public sealed class ReplicaQueueTests
{
    private static readonly ShardKey Shard = new(0, 0, 0);

    [Fact(Timeout = 30_000)]
    public async Task Calls_from_many_threads_run_one_at_a_time_each_threads_in_order()
    {
        const int Threads = 4;
        const int PerThread = 2000;
        var handler = new RecordingObject();
        var replica = new Replica(Shard, handler, (_, _) => { });
        var replies = new CountdownEvent(Threads * PerThread);
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(thread => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                // Every seventh call awaits before it returns: later calls queue behind it.
                var work = Call(thread, i, awaits: i % 7 == 0, (_, _) => replies.Signal());
                if (i % 3 == 0)
                {
                    replica.Enqueue(work);
                }
                else
                {
                    replica.RunOrEnqueue(work, endsBatch: i % 5 == 0);
                }
            }
        }, TestContext.Current.CancellationToken)));
        Assert.True(replies.Wait(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken), "not every call replied");
        Assert.Equal(0, handler.Overlaps);
        for (var thread = 0; thread < Threads; thread++)
        {
            Assert.Equal(Enumerable.Range(0, PerThread), handler.Seen[thread]);
        }
        replica.Close();
        await replica.Completion.WaitAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_idle_replica_runs_a_call_on_the_calling_thread_and_queues_behind_a_pending_one()
    {
        var handler = new RecordingObject();
        // Generous: a thread of a loaded machine may be off the processor for a while.
        var replica = new Replica(Shard, handler, (_, _) => { }) { InlineBudget = TimeSpan.FromMinutes(1) };
        await WaitIdleAsync(replica);
        var caller = Environment.CurrentManagedThreadId;
        replica.RunOrEnqueue(Call(0, 0, awaits: false, (_, _) => { }), endsBatch: true);
        Assert.Equal(caller, handler.LastThread);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handler.Gate = gate.Task;
        replica.RunOrEnqueue(Call(0, 1, awaits: true, (_, _) => { }), endsBatch: true);
        handler.Gate = null;
        var behind = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        replica.RunOrEnqueue(Call(0, 2, awaits: false, (_, _) => behind.TrySetResult()), endsBatch: true);
        Assert.Equal([0, 1], handler.Seen[0]);
        Assert.False(behind.Task.IsCompleted, "a call ran while the one before it was still running");
        gate.SetResult();
        await behind.Task.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal([0, 1, 2], handler.Seen[0]);
        await WaitIdleAsync(replica);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_call_that_ran_long_on_the_calling_thread_moves_the_next_ones_to_the_pool()
    {
        var replica = new Replica(Shard, new RecordingObject(), (_, _) => { }) { InlineBudget = TimeSpan.FromMilliseconds(5) };
        await WaitIdleAsync(replica);
        Assert.True(await RanInlineAsync(replica, () => Thread.Sleep(50)));
        Assert.False(await RanInlineAsync(replica));
        replica.Close();
        await replica.Completion.WaitAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task Work_queued_before_close_runs_and_later_work_is_dropped()
    {
        var handler = new RecordingObject();
        var replica = new Replica(Shard, handler, (_, _) => { });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handler.Gate = gate.Task;
        replica.Enqueue(Call(0, 0, awaits: true, (_, _) => { }));
        await RpcCluster.WaitUntilAsync(() => handler.Seen.ContainsKey(0), "the first call to start", TestContext.Current.CancellationToken);
        handler.Gate = null;
        replica.Enqueue(Call(0, 1, awaits: false, (_, _) => { }));
        replica.Close();
        replica.RunOrEnqueue(Call(0, 2, awaits: false, (_, _) => { }), endsBatch: true);
        Assert.False(replica.Completion.IsCompleted);
        gate.SetResult();
        await replica.Completion.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal([0, 1], handler.Seen[0]);
    }

    /// <summary>Waits until a call brought to the replica runs at once on the calling thread.</summary>
    private static async Task WaitIdleAsync(Replica replica)
    {
        var waited = Stopwatch.StartNew();
        while (!await RanInlineAsync(replica))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("the replica never became idle");
            }
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Brings the replica an action (running <paramref name="also"/>); true when it ran on this thread before the replica returned.</summary>
    private static async Task<bool> RanInlineAsync(Replica replica, Action? also = null)
    {
        var thread = Environment.CurrentManagedThreadId;
        var returned = 0;
        var ran = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        replica.RunOrEnqueue(new Replica.ActionWork(_ =>
        {
            also?.Invoke();
            ran.TrySetResult(Environment.CurrentManagedThreadId == thread && Volatile.Read(ref returned) == 0);
        }), endsBatch: true);
        Volatile.Write(ref returned, 1);
        return await ran.Task.WaitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A call whose arguments are (thread, index, awaits).</summary>
    private static Replica.CallWork Call(int thread, int index, bool awaits, ReplySink reply) =>
        new(new CallId((uint)thread, (ulong)index), ordered: true, deduplicate: false, methodId: 1,
            RpcSerializer.Serialize((thread, index, awaits)), reply);

    /// <summary>Records what ran, on which thread, and whether two calls ever overlapped.</summary>
    private sealed class RecordingObject : IReplicatedObject
    {
        private int _running;

        public ConcurrentDictionary<int, List<int>> Seen { get; } = new();

        public int Overlaps { get; private set; }

        public int LastThread { get; private set; }

        public Task? Gate { get; set; }

        public TimeSpan Spin { get; set; }

        public async ValueTask<ReadOnlyMemory<byte>> InvokeAsync(uint methodId, ReadOnlyMemory<byte> arguments, bool ordered)
        {
            var (thread, index, awaits) = RpcSerializer.Deserialize<(int, int, bool)>(arguments);
            if (Interlocked.Increment(ref _running) != 1)
            {
                Overlaps++;
            }
            LastThread = Environment.CurrentManagedThreadId;
            Seen.GetOrAdd(thread, _ => []).Add(index);
            var spin = Stopwatch.StartNew();
            while (spin.Elapsed < Spin)
            {
                Thread.SpinWait(100);
            }
            if (awaits)
            {
                if (Gate is { } gate)
                {
                    await gate.ConfigureAwait(false);
                }
                else
                {
                    await Task.Yield();
                }
            }
            Interlocked.Decrement(ref _running);
            return RpcSerializer.NilResult;
        }
    }
}
