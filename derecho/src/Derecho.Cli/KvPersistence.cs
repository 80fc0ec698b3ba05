using Derecho.Configuration;
using Derecho.Kv;
using Derecho.Persistence;
using Derecho.Restart;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho kv serve</c> in persistent mode (<c>[KV] persistent = true</c>): the logs are checked before the member
/// joins (a damaged one stops it with the reason), a restarted group starts above the views its logs hold, and
/// every view is logged with its ragged trim (<see cref="Rpc.ReplicatedGroupOptions.RestartState"/>). The member
/// holds a lock on <c>PERS/file_path</c> while it runs, so two members never write the same logs.
/// </summary>
internal sealed class KvPersistence : IDisposable
{
    /// <summary>The file in <c>PERS/file_path</c> a running member holds locked.</summary>
    public const string LockFileName = "lock";

    private readonly FileStream _lock;

    private KvPersistence(RestartState restart, GroupOptions options, FileStream directoryLock)
    {
        Restart = restart;
        Options = options;
        _lock = directoryLock;
    }

    /// <summary>Where the member logs every view for a restart.</summary>
    public RestartState Restart { get; }

    /// <summary>The group options to join with: the first view above the logs, the last view's members to rejoin through.</summary>
    public GroupOptions Options { get; }

    /// <summary>Whether the configuration asks for persistent mode.</summary>
    /// <exception cref="ConfigurationException">KV/persistent is not a boolean.</exception>
    public static bool IsRequested(IReadOnlyList<ConfigurationEntry> entries) =>
        entries.LastOrDefault(e => e.Name == "KV/persistent") is { } entry && DerechoConfiguration.ParseBool(entry);

    /// <summary>
    /// Opens every key-value log under <c>PERS/file_path</c> (repairing torn tails, refusing damage) and the restart
    /// state; <c>PERS/reset</c> deletes them first.
    /// </summary>
    /// <exception cref="LogCorruptException">A log or the restart record is damaged.</exception>
    /// <exception cref="ConfigurationException">Another member runs on the same <c>PERS/file_path</c>, or <c>PERS/private_key_file</c> holds no usable key.</exception>
    public static KvPersistence Open(GroupOptions options)
    {
        var pers = options.Persistence with { FilePath = Path.GetFullPath(options.Persistence.FilePath) };
        // The replica loads the key when it opens its log, in the group: a key it cannot load would leave a member
        // that joined and fails every call of its shard.
        try
        {
            using var signer = pers.LoadSigner();
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
        var directoryLock = Lock(pers.FilePath);
        try
        {
            return Open(options, pers, directoryLock);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock on <c>PERS/file_path</c>.</summary>
    public void Dispose() => _lock.Dispose();

    private static FileStream Lock(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix, released when the process ends.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new ConfigurationException(
                $"PERS/file_path '{directory}' is in use by another running member (it holds {path} locked); give every member its own PERS/file_path", e);
        }
    }

    private static KvPersistence Open(GroupOptions options, PersistenceOptions pers, FileStream directoryLock)
    {
        if (pers.Reset && Directory.Exists(pers.FilePath))
        {
            foreach (var stale in Directory.EnumerateDirectories(pers.FilePath, "KvStore-*"))
            {
                Directory.Delete(stale, recursive: true);
            }
            foreach (var checkpoint in Directory.EnumerateFiles(pers.FilePath, "KvStore-*.checkpoint*"))
            {
                File.Delete(checkpoint);
            }
        }
        var restart = RestartState.Load(pers);
        Directory.CreateDirectory(pers.FilePath);
        if (pers.Reset)
        {
            File.Delete(Path.Combine(pers.FilePath, "view"));
        }
        var logs = new List<PersistentLog>();
        try
        {
            if (Directory.Exists(pers.FilePath))
            {
                foreach (var directory in Directory.EnumerateDirectories(pers.FilePath, "KvStore-*"))
                {
                    logs.Add(PersistentLog.Open(DiskFileSystem.Instance, directory, pers with { Reset = false }));
                    KvStore.CheckCheckpoint(directory);
                }
            }
            var joined = options with
            {
                Persistence = pers with { Reset = false },
                FirstViewId = restart.FirstViewIdAfter(logs),
                ViewFile = options.ViewFile ?? Path.Combine(pers.FilePath, "view"),
            };
            return new KvPersistence(restart, joined, directoryLock);
        }
        finally
        {
            foreach (var log in logs)
            {
                log.Dispose();
            }
        }
    }

    /// <summary>
    /// Joins with <paramref name="join"/> and, while the group is still restarting from logs
    /// (<see cref="Rpc.ReplicatedGroup.RestartPending"/>), starts over whenever this member stops before the restart
    /// held its quorum: a restart leader crashing during the restart leaves the others without a majority, and they
    /// go to the next restart leader (nothing ran yet, so nothing is lost).
    /// </summary>
    public static async Task<Rpc.ReplicatedGroup> JoinPastRestartAsync(Func<CancellationToken, Task<Rpc.ReplicatedGroup>> join, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(join);
        while (true)
        {
            var group = await join(cancellationToken);
            if (!group.RestartPending)
            {
                return group;
            }
            var adequate = group.WaitForAdequateViewAsync(cancellationToken);
#pragma warning disable VSTHRD003 // Stopped is the group's own completion, not work of another context.
            var stopped = group.Group.Stopped;
            await JoinNotice.NoticeAsync(Task.WhenAny(adequate, stopped), group.NodeId, () => group.RestartWaitingFor, cancellationToken);
            await Task.WhenAny(adequate, stopped);
#pragma warning restore VSTHRD003
            if (adequate.IsCompletedSuccessfully || !stopped.IsCompleted || (stopped.IsCompletedSuccessfully && stopped.Result == Protocol.StopReason.Left))
            {
                return group;
            }
            await Console.Error.WriteLineAsync($"derecho: member {group.NodeId} stopped before the restart held its quorum; starting over through the restart leaders");
            await group.DisposeAsync();
        }
    }

    /// <summary>A replica factory for the mode.</summary>
    public static Rpc.ReplicatedType StoreType(bool persistent) =>
        Rpc.ReplicatedType.Of(context => new KvStore(context, persistent));
}
