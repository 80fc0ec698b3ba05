using Derecho.Configuration;
using Derecho.Kv;
using Derecho.Persistence;
using Derecho.Restart;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho kv serve</c> in persistent mode (<c>[KV] persistent = true</c>): the logs are checked before the member
/// joins (a damaged one stops it with the reason), a restarted group starts above the views its logs hold, and
/// every view is logged with its ragged trim (<see cref="Rpc.ReplicatedGroupOptions.RestartState"/>).
/// </summary>
internal sealed class KvPersistence
{
    private KvPersistence(RestartState restart, GroupOptions options)
    {
        Restart = restart;
        Options = options;
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
    public static KvPersistence Open(GroupOptions options)
    {
        var pers = options.Persistence with { FilePath = Path.GetFullPath(options.Persistence.FilePath) };
        if (pers.Reset && Directory.Exists(pers.FilePath))
        {
            foreach (var stale in Directory.EnumerateDirectories(pers.FilePath, "KvStore-*"))
            {
                Directory.Delete(stale, recursive: true);
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
                }
            }
            var joined = options with
            {
                Persistence = pers with { Reset = false },
                FirstViewId = restart.FirstViewIdAfter(logs),
                ViewFile = options.ViewFile ?? Path.Combine(pers.FilePath, "view"),
            };
            return new KvPersistence(restart, joined);
        }
        finally
        {
            foreach (var log in logs)
            {
                log.Dispose();
            }
        }
    }

    /// <summary>A replica factory for the mode.</summary>
    public static Rpc.ReplicatedType StoreType(bool persistent) =>
        Rpc.ReplicatedType.Of(context => new KvStore(context, persistent));
}
