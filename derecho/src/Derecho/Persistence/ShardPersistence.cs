namespace Derecho.Persistence;

/// <summary>An applied call of a persistent replica, waiting for the commit that makes its appends durable.</summary>
internal interface IPersistedCall
{
    /// <summary>Its appends are synced (<paramref name="error"/> null), or cannot be: it may reply now.</summary>
    void Persisted(Exception? error);
}

/// <summary>
/// Durability of one local persistent replica: after each ordered call, <see cref="Applied"/> records the call (its
/// reply, the local frontier), whose <see cref="IPersistedCall.Persisted"/> runs once a commit has made the call's
/// appends durable. The
/// replica asks for a commit of what it applied when it has nothing more to run at once
/// (<see cref="CommitPending"/>: the calls of a delivered batch share one <c>fdatasync</c>) or while calls keep
/// coming (<see cref="RequestCommit"/>). With <see cref="PersistenceOptions.SyncsInFlight"/> above 1 both hand the
/// commit to the <see cref="PersistenceWorker"/>'s commit threads, so the next calls apply, and the next batch is
/// written and synced, while a sync runs; with 1, an idle replica commits on its own thread (no hand-over). If a
/// sync fails, the calls still pending hear the error (the logs refuse further use).
/// </summary>
internal sealed class ShardPersistence : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Ticket, IPersistedCall Call)> _pending = new();
    private readonly PersistenceWorker _worker;
    private readonly IReadOnlyList<PersistentLog> _logs;
    private readonly Action? _afterContinuations;
    private readonly bool _commitInline;

    /// <summary>A list for the calls a round completes, kept between rounds (taken by the completing thread).</summary>
    private List<IPersistedCall>? _spareList;
    private Exception? _failure;

    /// <param name="logs">The object's logs.</param>
    /// <param name="afterContinuations">Runs after each set of persisted calls (once per commit): the replies they held leave together.</param>
    public ShardPersistence(IReadOnlyList<PersistentLog> logs, Action? afterContinuations = null)
    {
        _logs = logs;
        _afterContinuations = afterContinuations;
        var syncsInFlight = logs.Min(l => l.Options.SyncsInFlight);
        _commitInline = syncsInFlight == 1;
        _worker = new PersistenceWorker(logs, roundCompleted: RoundCompleted, syncsInFlight: syncsInFlight);
        _ = _worker.Completion.ContinueWith(t => Fail(t.Exception?.InnerException ?? new ObjectDisposedException(nameof(ShardPersistence))),
            CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Calls applied that wait for a commit.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// An ordered call ran and staged its appends; its <see cref="IPersistedCall.Persisted"/> runs with null once a
    /// later commit (<see cref="CommitPending"/> or <see cref="RequestCommit"/>) synced them, or with the error if they
    /// cannot be.
    /// </summary>
    public void Applied(IPersistedCall call)
    {
        Exception? failure;
        lock (_gate)
        {
            failure = _failure;
            if (failure is null)
            {
                _pending.Enqueue((_worker.Reserve(), call));
                return;
            }
        }
        call.Persisted(failure);
        _afterContinuations?.Invoke();
    }

    /// <summary>
    /// Commits every call applied so far (group commit: one sync for all of them) and tells the calls it made
    /// durable: on a commit thread, returning at once, or (one sync in flight) on the calling thread, saving the
    /// hand-over.
    /// </summary>
    public void CommitPending()
    {
        if (!_commitInline)
        {
            _worker.Wake();
            return;
        }
        var covered = _worker.LatestTicket;
        try
        {
            foreach (var log in _logs)
            {
                log.Commit();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            Fail(e);
            return;
        }
        RoundCompleted(covered);
    }

    /// <summary>Asks the worker to commit every call applied so far on its own thread; returns at once.</summary>
    public void RequestCommit() => _worker.Wake();

    /// <summary>Commits what remains and stops the worker; whatever is still pending then hears why.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _worker.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Reported to the pending calls by Fail.
        }
        Fail(new ObjectDisposedException(nameof(ShardPersistence), "the replica closed before the version was synced"));
    }

    private void Fail(Exception error)
    {
        List<IPersistedCall> pending;
        lock (_gate)
        {
            _failure ??= error;
            pending = [.. _pending.Select(p => p.Call)];
            _pending.Clear();
        }
        using (PersistenceFrontiers.GatherLogged())
        {
            foreach (var call in pending)
            {
                call.Persisted(error);
            }
            _afterContinuations?.Invoke();
        }
    }

    /// <summary>
    /// Tells every call up to ticket <paramref name="covered"/> it is persisted (in order, on the committing
    /// thread), then <c>afterContinuations</c>; the frontiers they move are reported once for the round
    /// (<see cref="PersistenceFrontiers.GatherLogged"/>), after the replies left.
    /// </summary>
    private void RoundCompleted(long covered)
    {
        var done = Interlocked.Exchange(ref _spareList, null) ?? [];
        lock (_gate)
        {
            while (_pending.TryPeek(out var next) && next.Ticket <= covered)
            {
                done.Add(_pending.Dequeue().Call);
            }
        }
        if (done.Count > 0)
        {
            using (PersistenceFrontiers.GatherLogged())
            {
                foreach (var call in done)
                {
                    call.Persisted(null);
                }
                _afterContinuations?.Invoke();
            }
            done.Clear();
        }
        _spareList = done;
    }
}
