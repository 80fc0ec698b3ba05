using Derecho.Membership;

namespace Derecho.Layout;

/// <summary>
/// A user function from a view (and the allocation of the view before it, or null) to the members of every shard
/// of every subgroup of one type: subgroups → shards → node ids. It throws <see cref="InadequateViewException"/>
/// when the view cannot host the type.
/// </summary>
public delegate IReadOnlyList<IReadOnlyList<IReadOnlyList<uint>>> LayoutFunction(View view, TypeAllocation? previous);

/// <summary>How the subgroups of one replicated type are laid out: fixed specifications or a user function.</summary>
public sealed class SubgroupTypeLayout
{
    private SubgroupTypeLayout(string typeName, IReadOnlyList<SubgroupSpec>? subgroups, LayoutFunction? function)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        TypeName = typeName;
        Subgroups = subgroups;
        Function = function;
        for (var s = 0; s < (subgroups?.Count ?? 0); s++)
        {
            if (subgroups![s].Shards.Count == 0)
            {
                throw new ArgumentException($"subgroup {s} of {typeName} has no shards");
            }
            for (var shard = 0; shard < subgroups[s].Shards.Count; shard++)
            {
                subgroups[s].Shards[shard].Validate($"{typeName} subgroup {s} shard {shard}");
            }
        }
    }

    /// <summary>The replicated type's name (its full name, or its simple name or alias as a JSON layout gives it).</summary>
    public string TypeName { get; }

    /// <summary>The subgroups' specifications, or null when <see cref="Function"/> lays them out.</summary>
    public IReadOnlyList<SubgroupSpec>? Subgroups { get; }

    /// <summary>The user function, or null.</summary>
    public LayoutFunction? Function { get; }

    /// <summary>One subgroup (Derecho's <c>one_subgroup_policy</c>).</summary>
    public static SubgroupTypeLayout OneSubgroup(string typeName, SubgroupSpec spec) => new(typeName, [spec], null);

    /// <summary><paramref name="count"/> subgroups shaped alike (Derecho's <c>identical_subgroups_policy</c>).</summary>
    public static SubgroupTypeLayout IdenticalSubgroups(string typeName, int count, SubgroupSpec spec)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new(typeName, [.. Enumerable.Repeat(spec, count)], null);
    }

    /// <summary>Subgroups with their own shapes (Derecho's JSON layout, one entry per subgroup).</summary>
    public static SubgroupTypeLayout Custom(string typeName, IReadOnlyList<SubgroupSpec> subgroups) => new(typeName, subgroups, null);

    /// <summary>A user function decides the members.</summary>
    public static SubgroupTypeLayout FromFunction(string typeName, LayoutFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new(typeName, null, function);
    }
}

/// <summary>
/// The layout of a group: its replicated types in order, each with subgroups and shards. <see cref="Allocate"/>
/// computes every shard's members for a view, keeping members where they were in the previous allocation.
/// </summary>
public sealed class GroupLayout
{
    /// <summary>Creates a layout of <paramref name="types"/>, in order.</summary>
    public GroupLayout(IReadOnlyList<SubgroupTypeLayout> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (types.Count == 0)
        {
            throw new ArgumentException("a layout has at least one subgroup type", nameof(types));
        }
        var duplicate = types.GroupBy(t => t.TypeName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"type {duplicate.Key} appears twice in the layout", nameof(types));
        }
        Types = types;
    }

    /// <summary>The subgroup types in order; a type's index here is its number on the wire.</summary>
    public IReadOnlyList<SubgroupTypeLayout> Types { get; }

    /// <summary>The default when nothing is configured: one subgroup of <paramref name="typeName"/>, one shard of every member.</summary>
    public static GroupLayout SingleShard(string typeName) => new([SubgroupTypeLayout.OneSubgroup(typeName, SubgroupSpec.AllMembers)]);

    /// <summary>The index of <paramref name="typeName"/> (full name, or a simple name or alias the layout uses), or -1.</summary>
    public int IndexOf(string typeName)
    {
        for (var i = 0; i < Types.Count; i++)
        {
            if (NamesMatch(Types[i].TypeName, typeName))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// Every shard's members in <paramref name="view"/>. Members stay in the shards they had in
    /// <paramref name="previous"/> while they live; reserved nodes go to their shards; then every shard gets its
    /// minimum from the unassigned nodes in rank order (or, when none are left, from shards above their minimum),
    /// and the rest are spread evenly up to the maxima.
    /// </summary>
    /// <exception cref="InadequateViewException">Some shard cannot get its minimum.</exception>
    public GroupAllocation Allocate(View view, GroupAllocation? previous)
    {
        ArgumentNullException.ThrowIfNull(view);
        var reservedAnywhere = new HashSet<uint>(Types.Where(t => t.Subgroups is not null)
            .SelectMany(t => t.Subgroups!).SelectMany(s => s.Shards).SelectMany(s => s.ReservedNodeIds));
        var inView = new HashSet<uint>(view.Members.Select(m => m.NodeId));
        var used = new HashSet<uint>();
        var types = new TypeAllocation[Types.Count];
        var building = new List<List<List<uint>>>[Types.Count];
        // Pass 1: survivors of the previous allocation and reserved nodes, for every spec-based type.
        for (var t = 0; t < Types.Count; t++)
        {
            var type = Types[t];
            if (type.Subgroups is null)
            {
                continue;
            }
            var before = previous is not null && previous.Types.Count == Types.Count ? previous.Types[t] : null;
            building[t] = [];
            for (var s = 0; s < type.Subgroups.Count; s++)
            {
                var shards = new List<List<uint>>();
                building[t].Add(shards);
                for (var shard = 0; shard < type.Subgroups[s].Shards.Count; shard++)
                {
                    var spec = type.Subgroups[s].Shards[shard];
                    var members = new List<uint>();
                    foreach (var node in spec.ReservedNodeIds)
                    {
                        if (inView.Contains(node) && !members.Contains(node))
                        {
                            members.Add(node);
                        }
                    }
                    var kept = before is not null && s < before.Subgroups.Count && shard < before.Subgroups[s].Count
                        ? before.Subgroups[s][shard].Members : [];
                    foreach (var node in kept)
                    {
                        if (members.Count < spec.MaxMembers && inView.Contains(node) && !reservedAnywhere.Contains(node) && used.Add(node))
                        {
                            members.Add(node);
                        }
                    }
                    shards.Add(members);
                }
            }
        }
        var free = new Queue<uint>(view.Members.Select(m => m.NodeId).Where(n => !reservedAnywhere.Contains(n) && !used.Contains(n)));
        var shardsAndSpecs = new List<(ShardSpec Spec, List<uint> Members)>();
        ForEachShard((spec, members, _) => shardsAndSpecs.Add((spec, members)));
        // Pass 2: every shard up to its minimum, from the unassigned nodes, or else from a shard above its own minimum
        // (its latest-ranked movable member, which then receives its new shard's state as a joiner would), so that
        // failures that empty one shard while another has members to spare do not leave the group waiting for joins.
        ForEachShard((spec, members, where) =>
        {
            while (members.Count < spec.MinMembers)
            {
                if (!free.TryDequeue(out var node) && !TryTakeSpare(members, out node))
                {
                    throw new InadequateViewException(view.Id, $"{where} needs {spec.MinMembers} members and can have only {members.Count}");
                }
                members.Add(node);
            }
        });
        // Pass 3: the rest spread evenly, the emptiest shard first, up to the maxima.
        while (free.Count > 0)
        {
            List<uint>? target = null;
            ForEachShard((spec, members, _) =>
            {
                if (members.Count < spec.MaxMembers && (target is null || members.Count < target.Count))
                {
                    target = members;
                }
            });
            if (target is null)
            {
                break;
            }
            target.Add(free.Dequeue());
        }
        for (var t = 0; t < Types.Count; t++)
        {
            var type = Types[t];
            if (type.Function is not null)
            {
                var before = previous is not null && previous.Types.Count == Types.Count ? previous.Types[t] : null;
                var chosen = type.Function(view, before);
                types[t] = new TypeAllocation(type.TypeName, [.. chosen.Select(shards => (IReadOnlyList<ShardAllocation>)[.. shards.Select(m => CheckMembers(view, type.TypeName, m))])]);
            }
            else
            {
                types[t] = new TypeAllocation(type.TypeName, [.. building[t].Select((shards, s) => (IReadOnlyList<ShardAllocation>)[.. shards.Select((m, shard) =>
                    new ShardAllocation([.. m.OrderBy(view.RankOf)], type.Subgroups![s].Shards[shard].DeliveryMode, type.Subgroups[s].Shards[shard].Profile))])]);
            }
        }
        return new GroupAllocation(view.Id, types);

        bool TryTakeSpare(List<uint> recipient, out uint node)
        {
            node = 0;
            List<uint>? donor = null;
            var donorSurplus = 0;
            foreach (var (spec, members) in shardsAndSpecs)
            {
                var surplus = members.Count - spec.MinMembers;
                if (members != recipient && surplus > donorSurplus && members.Any(m => !reservedAnywhere.Contains(m)))
                {
                    donor = members;
                    donorSurplus = surplus;
                }
            }
            if (donor is null)
            {
                return false;
            }
            node = donor.Where(m => !reservedAnywhere.Contains(m)).MaxBy(view.RankOf);
            donor.Remove(node);
            return true;
        }

        void ForEachShard(Action<ShardSpec, List<uint>, string> action)
        {
            for (var t = 0; t < Types.Count; t++)
            {
                var subgroups = Types[t].Subgroups;
                for (var s = 0; s < (subgroups?.Count ?? 0); s++)
                {
                    for (var shard = 0; shard < subgroups![s].Shards.Count; shard++)
                    {
                        action(subgroups[s].Shards[shard], building[t][s][shard], $"{Types[t].TypeName} subgroup {s} shard {shard}");
                    }
                }
            }
        }
    }

    /// <summary>Whether <paramref name="layoutName"/> (a full name, simple name or alias) names the type <paramref name="typeName"/>.</summary>
    public static bool NamesMatch(string layoutName, string typeName) =>
        layoutName == typeName || typeName.EndsWith("." + layoutName, StringComparison.Ordinal) || layoutName.EndsWith("." + typeName, StringComparison.Ordinal);

    private static ShardAllocation CheckMembers(View view, string typeName, IReadOnlyList<uint> members)
    {
        foreach (var node in members)
        {
            if (view.RankOf(node) < 0)
            {
                throw new InvalidOperationException($"the layout function of {typeName} put node {node}, which is not in view {view.Id}, in a shard");
            }
        }
        return members.Count == 0
            ? throw new InadequateViewException(view.Id, $"the layout function of {typeName} left a shard empty")
            : new ShardAllocation([.. members], DeliveryMode.Ordered, "DEFAULT");
    }
}

/// <summary>A view cannot give every shard its minimum of members; the group waits for joins.</summary>
public sealed class InadequateViewException : Exception
{
    /// <summary>Creates the exception for view <paramref name="viewId"/>.</summary>
    public InadequateViewException(int viewId, string reason) : base($"view {viewId} is inadequate for the layout: {reason}") => ViewId = viewId;

    /// <summary>Creates the exception.</summary>
    public InadequateViewException() : base("the view is inadequate for the layout")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InadequateViewException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public InadequateViewException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The inadequate view.</summary>
    public int ViewId { get; }
}
