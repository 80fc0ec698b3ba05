namespace Derecho.Persistence;

/// <summary>
/// Durability of one local persistent replica: after each ordered call, <see cref="Applied"/> asks its
/// <see cref="PersistenceWorker"/> for a commit and runs the call's continuation (its reply, the local frontier)
/// once a round has made the call's appends durable, in order. If a sync fails, the continuations still pending
/// hear the error (the logs refuse further use) instead.
/// </summary>
internal sealed class ShardPersistence : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Ticket, Action<Exception?> Done)> _pending = new();
    private readonly PersistenceWorker _worker;
    private readonly IReadOnlyList<PersistentLog> _logs;
    private readonly Action? _afterContinuations;
    private Exception? _failure;

    /// <param name="logs">The object's logs.</param>
    /// <param name="afterContinuations">Runs after each set of continuations (once per commit round): the replies they held leave together.</param>
    public ShardPersistence(IReadOnlyList<PersistentLog> logs, Action? afterContinuations = null)
    {
        _logs = logs;
        _afterContinuations = afterContinuations;
        _worker = new PersistenceWorker(logs, roundCompleted: RoundCompleted);
        _ = _worker.Completion.ContinueWith(t => Fail(t.Exception?.InnerException ?? new ObjectDisposedException(nameof(ShardPersistence))),
            CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>
    /// An ordered call ran; <paramref name="done"/> runs with null once its appends are synced, or with the error if
    /// they cannot be. With <paramref name="commitNow"/> (nothing else waits to run on the replica) the caller's
    /// thread commits at once, saving the hand-over to the worker; otherwise the worker commits it with whatever
    /// follows (group commit) and runs <paramref name="done"/> on its thread.
    /// </summary>
    public void Applied(Action<Exception?> done, bool commitNow = false)
    {
        Exception? failure;
        lock (_gate)
        {
            failure = _failure;
            if (failure is null && !commitNow)
            {
                _pending.Enqueue((_worker.RequestCommit(), done));
                return;
            }
        }
        if (failure is null)
        {
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
                failure = e;
            }
        }
        done(failure);
        _afterContinuations?.Invoke();
    }

    /// <summary>Commits what remains and stops the worker; whatever is still pending then hears why.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _worker.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Reported to the pending continuations by Fail.
        }
        Fail(new ObjectDisposedException(nameof(ShardPersistence), "the replica closed before the version was synced"));
    }

    private void Fail(Exception error)
    {
        List<Action<Exception?>> pending;
        lock (_gate)
        {
            _failure ??= error;
            pending = [.. _pending.Select(p => p.Done)];
            _pending.Clear();
        }
        foreach (var done in pending)
        {
            done(error);
        }
        _afterContinuations?.Invoke();
    }

    private void RoundCompleted(long covered)
    {
        List<Action<Exception?>>? done = null;
        lock (_gate)
        {
            while (_pending.TryPeek(out var next) && next.Ticket <= covered)
            {
                (done ??= []).Add(_pending.Dequeue().Done);
            }
        }
        if (done is null)
        {
            return;
        }
        foreach (var action in done)
        {
            action(null);
        }
        _afterContinuations?.Invoke();
    }
}
