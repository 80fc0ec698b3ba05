using System.Text;

namespace Derecho.Layout;

/// <summary>The members of one shard in one view, in rank order.</summary>
/// <param name="Members">Node ids in rank order.</param>
/// <param name="DeliveryMode">How the shard delivers.</param>
/// <param name="Profile">The configuration profile it uses.</param>
public sealed record ShardAllocation(IReadOnlyList<uint> Members, DeliveryMode DeliveryMode, string Profile)
{
    /// <summary>Whether <paramref name="node"/> is a member.</summary>
    public bool Contains(uint node) => Members.Contains(node);
}

/// <summary>The shards of every subgroup of one type in one view.</summary>
/// <param name="TypeName">The type's name in the layout.</param>
/// <param name="Subgroups">Subgroups → shards.</param>
public sealed record TypeAllocation(string TypeName, IReadOnlyList<IReadOnlyList<ShardAllocation>> Subgroups);

/// <summary>Every shard's members in one view: what <see cref="GroupLayout.Allocate"/> computes at each view change.</summary>
/// <param name="ViewId">The view it belongs to.</param>
/// <param name="Types">Per type of the layout, in its order.</param>
public sealed record GroupAllocation(int ViewId, IReadOnlyList<TypeAllocation> Types)
{
    /// <summary>The members of a shard, or null when there is no such type, subgroup or shard.</summary>
    public ShardAllocation? Shard(int type, int subgroup, int shard) =>
        type >= 0 && type < Types.Count && subgroup >= 0 && subgroup < Types[type].Subgroups.Count
        && shard >= 0 && shard < Types[type].Subgroups[subgroup].Count
            ? Types[type].Subgroups[subgroup][shard] : null;

    /// <summary>The shard of a subgroup that <paramref name="node"/> belongs to, or -1.</summary>
    public int ShardOf(int type, int subgroup, uint node)
    {
        if (type < 0 || type >= Types.Count || subgroup < 0 || subgroup >= Types[type].Subgroups.Count)
        {
            return -1;
        }
        var shards = Types[type].Subgroups[subgroup];
        for (var s = 0; s < shards.Count; s++)
        {
            if (shards[s].Contains(node))
            {
                return s;
            }
        }
        return -1;
    }

    /// <summary>
    /// The shard's number in the plan of every shard (by type, then subgroup, then shard): the number of its own
    /// multicast (<see cref="Protocol.IShardPlanner"/>); -1 when there is no such shard.
    /// </summary>
    public int PlanIndex(int type, int subgroup, int shard)
    {
        if (Shard(type, subgroup, shard) is null)
        {
            return -1;
        }
        var index = 0;
        for (var t = 0; t < type; t++)
        {
            index += Types[t].Subgroups.Sum(shards => shards.Count);
        }
        for (var s = 0; s < subgroup; s++)
        {
            index += Types[type].Subgroups[s].Count;
        }
        return index + shard;
    }

    /// <summary>Every shard's members in plan order (see <see cref="PlanIndex"/>).</summary>
    public IReadOnlyList<IReadOnlyList<uint>> PlanShards() =>
        [.. Types.SelectMany(type => type.Subgroups.SelectMany(shards => shards.Select(shard => shard.Members)))];

    /// <summary>A compact binary form (for joiners and external clients).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(ViewId);
        writer.Write(Types.Count);
        foreach (var type in Types)
        {
            writer.Write(type.TypeName);
            writer.Write(type.Subgroups.Count);
            foreach (var shards in type.Subgroups)
            {
                writer.Write(shards.Count);
                foreach (var shard in shards)
                {
                    writer.Write((byte)shard.DeliveryMode);
                    writer.Write(shard.Profile);
                    writer.Write(shard.Members.Count);
                    foreach (var node in shard.Members)
                    {
                        writer.Write(node);
                    }
                }
            }
        }
        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>Reads what <see cref="ToBytes"/> wrote.</summary>
    /// <exception cref="FormatException">The bytes are malformed.</exception>
    public static GroupAllocation FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
        {
            throw new FormatException("layout allocation truncated");
        }
        try
        {
            using var stream = new MemoryStream(bytes.ToArray());
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var viewId = reader.ReadInt32();
            var types = new TypeAllocation[Count(reader, bytes.Length)];
            for (var t = 0; t < types.Length; t++)
            {
                var name = reader.ReadString();
                var subgroups = new IReadOnlyList<ShardAllocation>[Count(reader, bytes.Length)];
                for (var s = 0; s < subgroups.Length; s++)
                {
                    var shards = new ShardAllocation[Count(reader, bytes.Length)];
                    for (var shard = 0; shard < shards.Length; shard++)
                    {
                        var mode = (DeliveryMode)reader.ReadByte();
                        var profile = reader.ReadString();
                        var members = new uint[Count(reader, bytes.Length)];
                        for (var m = 0; m < members.Length; m++)
                        {
                            members[m] = reader.ReadUInt32();
                        }
                        shards[shard] = new ShardAllocation(members, mode, profile);
                    }
                    subgroups[s] = shards;
                }
                types[t] = new TypeAllocation(name, subgroups);
            }
            return new GroupAllocation(viewId, types);
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException("layout allocation truncated", e);
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var type in Types)
        {
            for (var s = 0; s < type.Subgroups.Count; s++)
            {
                text.Append(text.Length == 0 ? "" : " ").Append(type.TypeName).Append('[').Append(s).Append("]:");
                text.AppendJoin('|', type.Subgroups[s].Select(shard => string.Join(',', shard.Members)));
            }
        }
        return text.ToString();
    }

    private static int Count(BinaryReader reader, int limit)
    {
        var count = reader.ReadInt32();
        return count < 0 || count > limit ? throw new FormatException($"layout allocation count {count} is out of range") : count;
    }
}
