using System.Globalization;
using System.Text.Json;
using Derecho.Configuration;

namespace Derecho.Layout;

/// <summary>
/// Derecho's JSON layout (<c>LAYOUT/json_layout</c> or the file <c>LAYOUT/json_layout_file</c>): an array of
/// <c>{"type_alias": NAME, "layout": [subgroup, …]}</c>, each subgroup an object of per-shard arrays
/// <c>min_nodes_by_shard</c>, <c>max_nodes_by_shard</c>, and optionally <c>reserved_node_ids_by_shard</c>,
/// <c>delivery_modes_by_shard</c> (<c>Ordered</c> or <c>Raw</c>), <c>profiles_by_shard</c>.
/// </summary>
public static class JsonLayout
{
    /// <summary>The layout configured in <paramref name="entries"/>, or null when none is.</summary>
    /// <exception cref="ConfigurationException">The JSON or its file is missing or malformed; the message names what.</exception>
    public static GroupLayout? FromConfiguration(IEnumerable<ConfigurationEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ConfigurationEntry? chosen = null;
        foreach (var entry in entries)
        {
            if (entry.Name is "LAYOUT/json_layout" or "LAYOUT/json_layout_file")
            {
                chosen = entry;
            }
        }
        if (chosen is null || chosen.Value.Length == 0)
        {
            return null;
        }
        string json;
        if (chosen.Key == "json_layout_file")
        {
            try
            {
                json = File.ReadAllText(chosen.Value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{chosen.Origin}: LAYOUT/json_layout_file '{chosen.Value}' cannot be read: {e.Message}", e);
            }
        }
        else
        {
            json = chosen.Value;
        }
        try
        {
            return Parse(json);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"{chosen.Origin}: {chosen.Name}: {e.Message}", e);
        }
    }

    /// <summary>Parses a JSON layout.</summary>
    /// <exception cref="FormatException">The JSON is malformed or does not describe a layout; the message names the bad field.</exception>
    public static GroupLayout Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0)
            {
                throw new FormatException("the layout must be a non-empty JSON array of {\"type_alias\", \"layout\"} objects");
            }
            var types = new List<SubgroupTypeLayout>();
            var index = 0;
            foreach (var type in root.EnumerateArray())
            {
                var where = $"entry {index++}";
                if (type.ValueKind != JsonValueKind.Object || !type.TryGetProperty("type_alias", out var alias) || alias.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{where} has no \"type_alias\" string");
                }
                where = $"type {alias.GetString()}";
                if (!type.TryGetProperty("layout", out var layout) || layout.ValueKind != JsonValueKind.Array || layout.GetArrayLength() == 0)
                {
                    throw new FormatException($"{where} has no non-empty \"layout\" array");
                }
                var subgroups = new List<SubgroupSpec>();
                foreach (var subgroup in layout.EnumerateArray())
                {
                    subgroups.Add(ParseSubgroup(subgroup, $"{where} subgroup {subgroups.Count}"));
                }
                try
                {
                    types.Add(SubgroupTypeLayout.Custom(alias.GetString()!, subgroups));
                }
                catch (ArgumentException e)
                {
                    throw new FormatException(e.Message, e);
                }
            }
            try
            {
                return new GroupLayout(types);
            }
            catch (ArgumentException e)
            {
                throw new FormatException(e.Message, e);
            }
        }
    }

    private static SubgroupSpec ParseSubgroup(JsonElement subgroup, string where)
    {
        if (subgroup.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where} is not an object");
        }
        var min = Numbers(subgroup, "min_nodes_by_shard", where) ?? throw new FormatException($"{where} has no \"min_nodes_by_shard\"");
        var max = Numbers(subgroup, "max_nodes_by_shard", where) ?? throw new FormatException($"{where} has no \"max_nodes_by_shard\"");
        if (min.Count != max.Count || min.Count == 0)
        {
            throw new FormatException($"{where}: \"min_nodes_by_shard\" ({min.Count}) and \"max_nodes_by_shard\" ({max.Count}) must list the same, non-zero number of shards");
        }
        var reserved = PerShard<uint[]>(subgroup, "reserved_node_ids_by_shard", where, min.Count, e =>
            e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(n => (uint)Number(n, $"{where} reserved_node_ids_by_shard"))] : throw new FormatException($"{where}: each entry of \"reserved_node_ids_by_shard\" must be an array of node ids"));
        var modes = PerShard<DeliveryMode?>(subgroup, "delivery_modes_by_shard", where, min.Count, e => e.GetString() switch
        {
            "Ordered" => (DeliveryMode?)DeliveryMode.Ordered,
            "Raw" => DeliveryMode.Raw,
            var other => throw new FormatException($"{where}: delivery mode '{other}' is not Ordered or Raw"),
        });
        var profiles = PerShard<string>(subgroup, "profiles_by_shard", where, min.Count, e => e.GetString() ?? "DEFAULT");
        return new SubgroupSpec([.. Enumerable.Range(0, min.Count).Select(s => new ShardSpec((int)min[s], (int)max[s])
        {
            ReservedNodeIds = reserved?[s] ?? [],
            DeliveryMode = modes?[s] ?? DeliveryMode.Ordered,
            Profile = profiles?[s] ?? "DEFAULT",
        })]);
    }

    private static List<long>? Numbers(JsonElement subgroup, string name, string where) =>
        PerShard<long>(subgroup, name, where, -1, e => Number(e, $"{where} {name}"));

    private static List<T>? PerShard<T>(JsonElement subgroup, string name, string where, int count, Func<JsonElement, T> parse)
    {
        if (!subgroup.TryGetProperty(name, out var array))
        {
            return null;
        }
        if (array.ValueKind != JsonValueKind.Array || (count >= 0 && array.GetArrayLength() != count))
        {
            throw new FormatException($"{where}: \"{name}\" must be an array with one entry per shard{(count >= 0 ? $" ({count})" : "")}");
        }
        try
        {
            return [.. array.EnumerateArray().Select(parse)];
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"{where}: \"{name}\" has an entry of the wrong kind", e);
        }
    }

    /// <summary>A non-negative number, written as a JSON number or a string of digits (Derecho accepts both).</summary>
    private static long Number(JsonElement element, string where)
    {
        var ok = element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out var n) ? n : -1,
            JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1,
            _ => -1,
        };
        return ok is >= 0 and <= uint.MaxValue ? ok : throw new FormatException($"{where}: '{element}' is not a node count or id");
    }
}
