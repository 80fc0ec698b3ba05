namespace Derecho.Persistence;

/// <summary>
/// Derecho's persistence thread for one replicated object, as a pipeline of group commits:
/// <see cref="RequestCommit"/> (called after each delivery) wakes one of a few commit threads, which writes what the
/// object's logs staged (<see cref="PersistentLog.WriteStaged"/>) and syncs it (<see cref="PersistentLog.Sync"/>).
/// While one round's sync runs, the next request starts another round on another thread, so up to
/// <c>syncsInFlight</c> syncs overlap (a disk flushes overlapping syncs far sooner than the same syncs one after
/// another), and the updates delivered meanwhile share the next round. A round's syncs cover what the rounds before it
/// wrote, so rounds complete in order whichever sync finishes first; each completion reports the object's local
/// persistence frontier, the lowest
/// <see cref="PersistentLog.PersistedVersion"/> of its logs (the counter a member publishes in its SST row), and the
/// last ticket of <see cref="RequestCommit"/> the completed rounds covered.
/// </summary>
public sealed class PersistenceWorker : IAsyncDisposable
{
    private readonly IReadOnlyList<PersistentLog> _logs;
    private readonly Action<long>? _persisted;
    private readonly Action<long>? _roundCompleted;
    private readonly object _signal = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread[] _threads;
    private readonly Lock _roundGate = new();
    private readonly Lock _reportGate = new();
    private readonly Queue<Round> _rounds = new();
    private int _requested;
    private long _ticket;
    private volatile bool _stopping;
    private int _running;

    /// <summary>Commit threads blocked in <see cref="Monitor.Wait(object)"/> on <see cref="_signal"/> (under it).</summary>
    private int _idle;
    private long _persistedVersion;

    /// <summary>
    /// Starts <paramref name="syncsInFlight"/> commit threads for <paramref name="logs"/>; <paramref name="persisted"/>
    /// hears each new frontier, and <paramref name="roundCompleted"/> the last ticket the completed rounds made
    /// durable, in order, on a commit thread.
    /// </summary>
    public PersistenceWorker(IReadOnlyList<PersistentLog> logs, Action<long>? persisted = null, Action<long>? roundCompleted = null, int syncsInFlight = PersistenceOptions.DefaultSyncsInFlight)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentOutOfRangeException.ThrowIfZero(logs.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(syncsInFlight);
        _logs = logs;
        _persisted = persisted;
        _roundCompleted = roundCompleted;
        _persistedVersion = Frontier();
        _running = syncsInFlight;
        _threads = [.. Enumerable.Range(0, syncsInFlight).Select(_ => new Thread(Run) { IsBackground = true, Name = "derecho-persist" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>The lowest persisted version over the logs after the last completed round.</summary>
    public long PersistedVersion => Interlocked.Read(ref _persistedVersion);

    /// <summary>Completes when the worker stops; faults with the I/O error if a commit failed (the logs then refuse use).</summary>
#pragma warning disable VSTHRD003 // Completed by this instance's own threads, which never wait on a caller.
    public Task Completion => _completion.Task;
#pragma warning restore VSTHRD003

    /// <summary>
    /// Asks for a commit round; returns at once. Requests made during a round start another round (on another
    /// thread, while one is free) or cause one more.
    /// </summary>
    /// <returns>
    /// A ticket: once a round reports a ticket at least this one (the <c>roundCompleted</c> callback), everything
    /// appended to the logs before this call is durable.
    /// </returns>
    public long RequestCommit()
    {
        var ticket = Reserve();
        Wake();
        return ticket;
    }

    /// <summary>
    /// A ticket for what was appended before this call, without asking for a round: the next round (after a
    /// <see cref="Wake"/> or another request) covers it.
    /// </summary>
    public long Reserve() => Interlocked.Increment(ref _ticket);

    /// <summary>The newest ticket handed out: a commit started after reading it makes everything it covers durable.</summary>
    public long LatestTicket => Interlocked.Read(ref _ticket);

    /// <summary>Asks for a commit round covering every ticket handed out so far; returns at once.</summary>
    public void Wake()
    {
        // Only the first request since a round took the last one wakes a thread; later ones join that round.
        if (Interlocked.Exchange(ref _requested, 1) == 0)
        {
            lock (_signal)
            {
                if (_idle > 0)
                {
                    Monitor.Pulse(_signal);
                }
            }
        }
    }

    /// <summary>Runs a last round (so everything staged before the call is committed) and stops the threads.</summary>
    public async ValueTask DisposeAsync()
    {
        Stop();
#pragma warning disable VSTHRD003 // Completed by this instance's own threads, which never wait on a caller.
        await Completion.ConfigureAwait(false);
#pragma warning restore VSTHRD003
    }

    private void Stop()
    {
        lock (_signal)
        {
            _stopping = true;
            Monitor.PulseAll(_signal);
        }
    }

    /// <summary>
    /// A commit thread: blocks (without spinning: a spinning wait on these threads cost more CPU than the syncs) until
    /// a round is requested, runs it, and again. A request made while every thread is in a round waits for the first of
    /// them to finish, and the round it then starts takes everything that arrived meanwhile (requests made before a
    /// round starts share it). Stopping runs one last round on each thread, unless a round failed.
    /// </summary>
    private void Run()
    {
        try
        {
            bool stopping;
            do
            {
                lock (_signal)
                {
                    while (!_stopping && Volatile.Read(ref _requested) == 0)
                    {
                        _idle++;
                        Monitor.Wait(_signal);
                        _idle--;
                    }
                    stopping = _stopping;
                }
                if (_completion.Task.IsFaulted)
                {
                    break; // another thread's round failed: the logs refuse use
                }
                Interlocked.Exchange(ref _requested, 0);
                CommitRound();
            }
            while (!stopping);
        }
#pragma warning disable CA1031 // Reported through Completion; the other threads stop too.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // The first failure is the one reported, before the other threads stop (their last rounds would fail too).
            _completion.TrySetException(e);
            Stop();
        }
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>
    /// Writes what the logs staged (in ticket order with the other threads' rounds), syncs it concurrently with them,
    /// and reports the rounds completed in order.
    /// </summary>
    private void CommitRound()
    {
        var round = new Round();
        Exception? failure = null;
        lock (_roundGate)
        {
            round.Covered = Interlocked.Read(ref _ticket);
            _rounds.Enqueue(round);
            try
            {
                // Each log's batch also syncs the batches still syncing before it (or, with nothing new staged, is
                // made of those alone), so once this round completes, every round before it has, whichever sync
                // finished first; a round that finds nothing staged or syncing anywhere has nothing left to wait for.
                foreach (var log in _logs)
                {
                    if (log.WriteStaged(coverEarlier: true) is { } written)
                    {
                        round.Written.Add((log, written));
                    }
                }
            }
#pragma warning disable CA1031 // Rethrown below, once the batches already written were synced.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        }
        foreach (var (log, written) in round.Written)
        {
            try
            {
                log.Sync(written);
            }
#pragma warning disable CA1031 // The first failure is rethrown once every written batch was synced or failed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure ??= e;
            }
        }
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        Report(round);
    }

    /// <summary>Reports <paramref name="round"/> and the rounds before it done, unless a later round already did.</summary>
    private void Report(Round round)
    {
        lock (_reportGate)
        {
            var covered = -1L;
            lock (_roundGate)
            {
                // This round synced everything the rounds before it wrote: they completed with it.
                while (_rounds.Contains(round) && _rounds.Dequeue() is { } head)
                {
                    covered = head.Covered;
                }
            }
            if (covered < 0)
            {
                return;
            }
            _roundCompleted?.Invoke(covered);
            var frontier = Frontier();
            if (frontier != Interlocked.Exchange(ref _persistedVersion, frontier))
            {
                _persisted?.Invoke(frontier);
            }
        }
    }

    private long Frontier() => _logs.Min(l => l.PersistedVersion);

    /// <summary>One commit round: the last ticket it covers and the batches it wrote.</summary>
    private sealed class Round
    {
        public long Covered { get; set; }

        public List<(PersistentLog Log, PersistentLog.PendingCommit Written)> Written { get; } = [];
    }
}
