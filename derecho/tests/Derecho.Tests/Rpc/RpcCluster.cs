using Derecho.Layout;
using Derecho.Rpc;

namespace Derecho.Tests.Rpc;

/// <summary>Replicated groups in this process on 127.0.0.1 (real sockets); member 0 is the contact.</summary>
internal sealed class RpcCluster : IAsyncDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly int _contactPort = FreePort.Next(1)[0];
    private readonly GroupLayout? _layout;
    private readonly ReplicatedType[] _types;
    private readonly RecentLog _log = new();

    private readonly string? _persistenceRoot;
    private readonly string? _privateKeyFile;
    private Derecho.Persistence.PersistenceOptions _persistence = new();
    private bool _runCallsInline;

    private RpcCluster(GroupLayout? layout, ReplicatedType[] types, string? persistenceRoot, string? privateKeyFile)
    {
        _layout = layout;
        _types = types;
        _persistenceRoot = persistenceRoot;
        _privateKeyFile = privateKeyFile;
    }

    public Dictionary<uint, ReplicatedGroup> Members { get; } = [];

    public ReplicatedGroup this[uint id] => Members[id];

    /// <summary>
    /// Starts <paramref name="count"/> members; with <paramref name="persistenceRoot"/>, member N keeps its logs in its
    /// subfolder nN, signed with <paramref name="privateKeyFile"/> when given (<c>PERS/private_key_file</c>), with
    /// the other <c>PERS</c> settings of <paramref name="persistence"/>; <paramref name="runCallsInline"/> sets
    /// <see cref="ReplicatedGroupOptions.RunCallsInline"/>.
    /// </summary>
    public static async Task<RpcCluster> StartAsync(int count, GroupLayout? layout, ReplicatedType[] types, CancellationToken ct, string? persistenceRoot = null,
        string? privateKeyFile = null, Derecho.Persistence.PersistenceOptions? persistence = null, bool runCallsInline = false)
    {
        var cluster = new RpcCluster(layout, types, persistenceRoot, privateKeyFile) { _persistence = persistence ?? new(), _runCallsInline = runCallsInline };
        for (var id = 0u; id < count; id++)
        {
            await cluster.AddAsync(id, ct);
        }
        await cluster.WaitForViewAsync(count, ct);
        return cluster;
    }

    public async Task<ReplicatedGroup> AddAsync(uint id, CancellationToken ct)
    {
        var options = new GroupOptions
        {
            LocalId = id,
            GmsPort = id == 0 ? _contactPort : 0,
            SstPort = 0,
            ContactPort = _contactPort,
            HeartbeatInterval = TimeSpan.FromMilliseconds(50),
            // Generous: the machine may be shared by many builds, and a false suspicion removes a member.
            SuspicionTimeout = TimeSpan.FromMilliseconds(3000),
            Persistence = _persistence with { FilePath = Path.Combine(_persistenceRoot ?? ".plog", $"n{id}"), PrivateKeyFile = _privateKeyFile },
        };
        var member = await ReplicatedGroup.JoinAsync(options, _layout, _types, new ReplicatedGroupOptions { DefaultTimeout = TimeSpan.FromSeconds(20), LoggerFactory = _log.For(id), RunCallsInline = _runCallsInline }, ct);
        Members[id] = member;
        return member;
    }

    /// <summary>Stops a member at once: to the others, a crash.</summary>
    public async Task CrashAsync(uint id)
    {
        await Members[id].DisposeAsync();
        Members.Remove(id);
    }

    /// <summary>Waits until every member's view has <paramref name="count"/> members and an adequate layout.</summary>
    public Task WaitForViewAsync(int count, CancellationToken ct) =>
        WaitUntilAsync(() => Members.Values.All(m => m.Group.CurrentView.Count == count && m.Allocation?.ViewId == m.Group.CurrentView.Id)
            && Members.Values.Select(m => m.Group.CurrentView.Id).Distinct().Count() == 1, $"a view of {count} members", ct, DescribeViews);

    /// <summary>Each member's view and layout and the members' latest log lines, for a timeout's message.</summary>
    private string DescribeViews() => string.Join("; ", Members.Select(m =>
        $"member {m.Key}: {m.Value.Group.CurrentView}, layout of view {m.Value.Allocation?.ViewId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"))
        + $"{Environment.NewLine}latest log lines:{Environment.NewLine}{_log}";

    public static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {WaitLimit.TotalSeconds} s for {what}{(describe is null ? "" : $" ({describe()})")}");
            }
            await Task.Delay(20, ct);
        }
    }

    /// <summary>The state hashes of every member's replica of <paramref name="subgroup"/> once their queues are idle.</summary>
    public async Task<Dictionary<uint, ulong?>> StateHashesAsync(SubgroupId subgroup, CancellationToken ct)
    {
        foreach (var member in Members.Values)
        {
            await member.WaitForReplicaIdleAsync(subgroup, ct);
        }
        return Members.ToDictionary(m => m.Key, m => m.Value.LocalStateHash(subgroup));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members.Values)
        {
            await member.DisposeAsync();
        }
    }
}
