namespace Derecho.Rpc;

/// <summary>A replicated type a group hosts, with the factory that makes each local replica.</summary>
public sealed class ReplicatedType
{
    private ReplicatedType(string name, IReadOnlyList<RpcMethod> methods, Func<ReplicaContext, IReplicatedObject> create)
    {
        Name = name;
        Methods = methods;
        Create = create;
    }

    /// <summary>The type's name (<see cref="IReplicated{TSelf}.ReplicatedTypeName"/>).</summary>
    public string Name { get; }

    /// <summary>Its remotely callable methods.</summary>
    public IReadOnlyList<RpcMethod> Methods { get; }

    internal Func<ReplicaContext, IReplicatedObject> Create { get; }

    /// <summary>Hosts <typeparamref name="T"/>; <paramref name="factory"/> makes a fresh replica for each shard this member joins.</summary>
    public static ReplicatedType Of<T>(Func<ReplicaContext, T> factory)
        where T : class, IReplicated<T>
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new ReplicatedType(T.ReplicatedTypeName, T.ReplicatedMethods, context => factory(context));
    }
}

/// <summary>What a replica knows about where it runs; given to the factory.</summary>
public sealed class ReplicaContext
{
    private readonly ReplicatedGroup _group;

    internal ReplicaContext(ReplicatedGroup group, int type, SubgroupId subgroup, int shard)
    {
        _group = group;
        TypeIndex = type;
        Subgroup = subgroup;
        Shard = shard;
    }

    /// <summary>This member's node id.</summary>
    public uint NodeId => _group.NodeId;

    /// <summary>The subgroup the replica belongs to.</summary>
    public SubgroupId Subgroup { get; }

    /// <summary>The shard of that subgroup.</summary>
    public int Shard { get; }

    /// <summary>Calls other replicated objects, also from inside a handler (see <see cref="ReplicatedGroup"/>).</summary>
    public IRpcCaller Caller => _group;

    /// <summary>
    /// The version of the ordered call the replica is running: <c>(view id &lt;&lt; 32) | call index</c> (the calls of
    /// the view numbered in the shard's order, each call of a batch its own), the same at every replica, growing along
    /// the shard's order (and across restarts). Read it in an ordered handler.
    /// </summary>
    public long Version { get; internal set; } = Derecho.Persistence.Versions.None;

    /// <summary>
    /// The hybrid logical time the caller's member stamped on the ordered call the replica is running: the same at
    /// every replica, for persistent fields' time index.
    /// </summary>
    public Persistence.HlcTimestamp Time { get; internal set; }

    /// <summary>Where persistent fields keep their logs (the group's <c>PERS</c> keys).</summary>
    public Persistence.PersistenceOptions Persistence => _group.PersistenceOptions;

    /// <summary>The group's stability and persistence frontiers.</summary>
    public Persistence.PersistenceFrontiers Frontiers => _group.Frontiers;

    /// <summary>The global persistence frontier of this replica's shard, as far as this member has heard.</summary>
    public long GlobalPersistence => _group.Frontiers.GlobalPersistence(TypeIndex, Subgroup.Index, Shard);

    internal int TypeIndex { get; }

    /// <summary>
    /// Pushes <paramref name="payload"/> to the external clients subscribed to this shard. Call it from an ordered
    /// handler: every replica runs it, and each subscribed client receives the notification once.
    /// </summary>
    public void Notify(ReadOnlyMemory<byte> payload) => _group.Notify(TypeIndex, Subgroup.Index, Shard, payload);

    /// <summary>
    /// Whether a notification pushed now could reach a client (a client of this member, or of a member outside the
    /// shard, subscribed to the shard): a handler can skip building its payload when not.
    /// </summary>
    public bool HasSubscribers => _group.NotificationsWanted(TypeIndex, Subgroup.Index, Shard);
}
