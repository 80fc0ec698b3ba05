namespace Derecho.Persistence;

/// <summary>
/// Derecho's persistence thread for one replicated object: <see cref="RequestCommit"/> (called after each delivery)
/// wakes a dedicated thread that commits every log of the object, so updates delivered while a sync runs share the
/// next one. After each round it reports the object's local persistence frontier, the lowest
/// <see cref="PersistentLog.PersistedVersion"/> of its logs: the counter a member publishes in its SST row; and the
/// last ticket of <see cref="RequestCommit"/> the round covered.
/// </summary>
public sealed class PersistenceWorker : IAsyncDisposable
{
    private readonly IReadOnlyList<PersistentLog> _logs;
    private readonly Action<long>? _persisted;
    private readonly Action<long>? _roundCompleted;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private int _requested;
    private long _ticket;
    private volatile bool _stopping;
    private long _persistedVersion;

    /// <summary>
    /// Starts the thread for <paramref name="logs"/>; <paramref name="persisted"/> hears each new frontier, and
    /// <paramref name="roundCompleted"/> the last ticket each round made durable, on that thread.
    /// </summary>
    public PersistenceWorker(IReadOnlyList<PersistentLog> logs, Action<long>? persisted = null, Action<long>? roundCompleted = null)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentOutOfRangeException.ThrowIfZero(logs.Count);
        _logs = logs;
        _persisted = persisted;
        _roundCompleted = roundCompleted;
        _persistedVersion = Frontier();
        _thread = new Thread(Run) { IsBackground = true, Name = "derecho-persist" };
        _thread.Start();
    }

    /// <summary>The lowest persisted version over the logs after the last round.</summary>
    public long PersistedVersion => Interlocked.Read(ref _persistedVersion);

    /// <summary>Completes when the worker stops; faults with the I/O error if a commit failed (the logs then refuse use).</summary>
#pragma warning disable VSTHRD003 // Completed by this instance's own thread, which never waits on a caller.
    public Task Completion => _completion.Task;
#pragma warning restore VSTHRD003

    /// <summary>
    /// Asks for a commit round; returns at once. Requests made during a round cause one more round.
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
        if (Interlocked.Exchange(ref _requested, 1) == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>Runs a last round (so everything staged before the call is committed) and stops the thread.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _wake.Release();
#pragma warning disable VSTHRD003 // Completed by this instance's own thread, which never waits on a caller.
        await Completion.ConfigureAwait(false);
#pragma warning restore VSTHRD003
        _wake.Dispose();
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                _wake.Wait();
                var stopping = _stopping;
                Interlocked.Exchange(ref _requested, 0);
                var covered = Interlocked.Read(ref _ticket);
                foreach (var log in _logs)
                {
                    log.Commit();
                }
                _roundCompleted?.Invoke(covered);
                var frontier = Frontier();
                if (frontier != Interlocked.Exchange(ref _persistedVersion, frontier))
                {
                    _persisted?.Invoke(frontier);
                }
                if (stopping)
                {
                    _completion.TrySetResult();
                    return;
                }
            }
        }
        catch (Exception e)
        {
            _completion.TrySetException(e);
        }
    }

    private long Frontier() => _logs.Min(l => l.PersistedVersion);
}
