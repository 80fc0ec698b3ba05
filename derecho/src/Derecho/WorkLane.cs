using System.Collections.Concurrent;
using System.Diagnostics;

namespace Derecho;

/// <summary>
/// The worker threads for the hand-offs on a member's hot path: event-loop turns that the application's sends ask
/// for, replica drains, ordered calls whose replies are all in (and the awaiters they resume). The .NET thread pool
/// asks for one more worker each time a worker takes an item, so a steady trickle of small items keeps waking threads
/// that find nothing to do; on a paravirtualized machine each such wake-up costs tens of microseconds, about a quarter
/// of an ordered call's CPU. This lane wakes a worker only when none is awake, and adds one only when the queue has not
/// moved for a while behind an item that blocks (a handler waiting on a lock, an awaiter that waits synchronously for
/// another call), so blocking work slows the lane but never deadlocks it. For <see cref="Shared"/> that while is
/// 100 ms, well above the time a thread of a loaded machine waits for a processor (a shorter one starts threads that
/// only compete for it).
/// </summary>
#pragma warning disable CA1001 // A lane lives as long as its process: its threads, semaphore and watchdog with it.
internal sealed class WorkLane
#pragma warning restore CA1001
{
    private readonly ConcurrentQueue<IThreadPoolWorkItem> _items = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _growGate = new();
    private readonly long _stallTicks;
    private readonly TimeSpan _idleExit;
    private readonly string _name;
    private readonly Timer _watchdog;

    /// <summary>Workers that run or look for items; each wake-up counts here before its worker runs.</summary>
    private int _awake;
    private int _threads;

    /// <summary>When a worker last started or finished an item, or was woken or started (a timestamp).</summary>
    private long _lastProgress = Stopwatch.GetTimestamp();

    /// <summary>
    /// Creates an empty lane whose threads are named <paramref name="name"/>; it starts its first worker on the first
    /// item. <paramref name="stallThreshold"/>: how long the queue may wait behind running items before another worker
    /// starts; <paramref name="idleExit"/>: how long an extra worker (beyond the first) sleeps with nothing to do
    /// before it ends.
    /// </summary>
    public WorkLane(string name, TimeSpan stallThreshold, TimeSpan idleExit)
    {
        _name = name;
        _stallTicks = (long)(stallThreshold.TotalSeconds * Stopwatch.Frequency);
        _idleExit = idleExit;
        _watchdog = new Timer(static lane => ((WorkLane)lane!).CheckStalled(), this, stallThreshold, stallThreshold);
    }

    /// <summary>The lane every group in this process shares.</summary>
    public static WorkLane Shared { get; } = new("derecho-work", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>Threads the lane has now (tests watch it grow under blocking work).</summary>
    public int Threads => Volatile.Read(ref _threads);

    /// <summary>Queues <paramref name="item"/>; it runs on a lane thread after the items queued before it started.</summary>
    public void Queue(IThreadPoolWorkItem item)
    {
        _items.Enqueue(item);
        if (Interlocked.CompareExchange(ref _awake, 1, 0) == 0)
        {
            WakeOne(alreadyCounted: true);
        }
        else if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastProgress) > _stallTicks)
        {
            WakeOne(alreadyCounted: false);
        }
    }

    /// <summary>Queues <paramref name="action"/> with <paramref name="state"/> (see <see cref="Queue(IThreadPoolWorkItem)"/>).</summary>
    public void Queue<TState>(Action<TState> action, TState state) => Queue(new ActionItem<TState>(action, state));

    /// <summary>The watchdog: an item queued before every worker blocked, with none queued since, still gets a worker.</summary>
    private void CheckStalled()
    {
        if (!_items.IsEmpty && Stopwatch.GetTimestamp() - Volatile.Read(ref _lastProgress) > _stallTicks)
        {
            WakeOne(alreadyCounted: Interlocked.CompareExchange(ref _awake, 1, 0) == 0);
        }
    }

    /// <summary>Wakes a sleeping worker, or starts one when every worker is awake; <paramref name="alreadyCounted"/>: the caller counted it in <see cref="_awake"/>.</summary>
    private void WakeOne(bool alreadyCounted)
    {
        lock (_growGate)
        {
            if (!alreadyCounted)
            {
                Interlocked.Increment(ref _awake);
            }
            // A fresh start: one stall starts one thread, and items queued while a worker woken after a long idle
            // gets going are no stall.
            Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
            if (Volatile.Read(ref _awake) > _threads)
            {
                _threads++;
                new Thread(static lane => ((WorkLane)lane!).Work()) { IsBackground = true, Name = _name }.UnsafeStart(this);
            }
            else
            {
                _wake.Release();
            }
        }
    }

    private void Work()
    {
        while (true)
        {
            while (_items.TryDequeue(out var item))
            {
                Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
                item.Execute();
                Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
            }
            Interlocked.Decrement(ref _awake);
            // An item queued after the last look saw this worker awake and woke nobody: look once more.
            if (!_items.IsEmpty && Interlocked.CompareExchange(ref _awake, 1, 0) == 0)
            {
                continue;
            }
            if (!Sleep())
            {
                return;
            }
        }
    }

    /// <summary>Waits to be woken (a wake-up was counted awake for this worker); false when an extra worker ends instead.</summary>
    private bool Sleep()
    {
        while (!_wake.Wait(_idleExit))
        {
            lock (_growGate)
            {
                // A wake-up counted while the wait timed out is this worker's to take; the first worker always stays.
                if (_wake.Wait(0))
                {
                    return true;
                }
                if (_threads > Math.Max(1, Volatile.Read(ref _awake)))
                {
                    _threads--;
                    return false;
                }
            }
        }
        return true;
    }

    private sealed class ActionItem<TState>(Action<TState> action, TState state) : IThreadPoolWorkItem
    {
        public void Execute() => action(state);
    }
}
