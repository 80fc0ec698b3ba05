namespace Derecho.Layout;

/// <summary>How a shard delivers (Derecho's <c>delivery_modes_by_shard</c>).</summary>
public enum DeliveryMode
{
    /// <summary>Totally ordered, delivered once every member received it (Derecho's <c>Ordered</c>).</summary>
    Ordered,

    /// <summary>Derecho's <c>Raw</c> (unordered) mode; accepted from layouts and delivered ordered here.</summary>
    Raw,
}

/// <summary>What one shard needs: how many members, which nodes it reserves, how it delivers.</summary>
/// <param name="MinMembers">Fewer members than this make the view inadequate (the group waits for joins).</param>
/// <param name="MaxMembers">It never gets more members than this (reserved nodes included).</param>
public sealed record ShardSpec(int MinMembers, int MaxMembers)
{
    /// <summary>
    /// Nodes this shard takes whenever they are in the view (Derecho's <c>reserved_node_ids_by_shard</c>); a node
    /// reserved by shards of several subgroups belongs to all of them (overlapping subgroups). Nodes reserved
    /// anywhere are never given to a shard as unreserved members.
    /// </summary>
    public IReadOnlyList<uint> ReservedNodeIds { get; init; } = [];

    /// <summary>How the shard delivers.</summary>
    public DeliveryMode DeliveryMode { get; init; } = DeliveryMode.Ordered;

    /// <summary>The <c>[SUBGROUP/profile]</c> whose settings the shard uses.</summary>
    public string Profile { get; init; } = "DEFAULT";

    /// <summary>Checks the numbers.</summary>
    /// <exception cref="ArgumentException">Minimum below 1, or maximum below the minimum.</exception>
    public void Validate(string where)
    {
        if (MinMembers < 1 || MaxMembers < MinMembers)
        {
            throw new ArgumentException($"{where}: a shard needs 1 <= min ({MinMembers}) <= max ({MaxMembers}) members");
        }
    }
}

/// <summary>One subgroup: its shards (Derecho's <c>SubgroupAllocationPolicy</c> for one subgroup).</summary>
/// <param name="Shards">The shards, in order; shard numbers are indices here.</param>
public sealed record SubgroupSpec(IReadOnlyList<ShardSpec> Shards)
{
    /// <summary><paramref name="shards"/> shards of exactly <paramref name="membersPerShard"/> members each (Derecho's <c>fixed_even_shards</c>).</summary>
    public static SubgroupSpec FixedEvenShards(int shards, int membersPerShard) => FlexibleEvenShards(shards, membersPerShard, membersPerShard);

    /// <summary>
    /// <paramref name="shards"/> shards of <paramref name="minMembers"/> to <paramref name="maxMembers"/> members,
    /// extra nodes spread evenly (Derecho's <c>flexible_even_shards</c>).
    /// </summary>
    public static SubgroupSpec FlexibleEvenShards(int shards, int minMembers, int maxMembers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        return new SubgroupSpec([.. Enumerable.Range(0, shards).Select(_ => new ShardSpec(minMembers, maxMembers))]);
    }

    /// <summary>One shard of every member of the view (at least one, at most <see cref="int.MaxValue"/>).</summary>
    public static SubgroupSpec AllMembers { get; } = new([new ShardSpec(1, int.MaxValue)]);
}
