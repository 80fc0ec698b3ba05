namespace Derecho.Persistence;

/// <summary>
/// A replicated object that keeps its state in persistent fields (<see cref="Persistent{T}"/> or
/// <see cref="PersistentLog"/>): its shard runs in persistent mode. After each ordered call the versions it appended
/// are synced (group commit); its reply to the caller leaves only once they are, and the member's local persistence
/// frontier (published in its row) follows. Ordered handlers read the call's version and time from
/// <see cref="Rpc.ReplicaContext.Version"/> and <see cref="Rpc.ReplicaContext.Time"/>.
/// </summary>
public interface IPersistentReplica : IDisposable
{
    /// <summary>Whether this replica persists; false runs it in memory (the shard is then merely ordered).</summary>
    bool Persists { get; }

    /// <summary>
    /// Opens the object's logs and loads its latest state from them. Runs on the replica's queue before any call or
    /// transferred state, once the replica it replaces (if any) has closed its logs.
    /// </summary>
    /// <returns>The logs to commit after each ordered call (at least one).</returns>
    /// <exception cref="LogCorruptException">A log is damaged: the member refuses to serve wrong data.</exception>
    IReadOnlyList<PersistentLog> OpenLogs();
}
