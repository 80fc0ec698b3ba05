using System.Globalization;
using System.Net;
using Derecho.Multicast;

namespace Derecho.Configuration;

/// <summary>Group options loaded from configuration, with the warnings the loading raised.</summary>
/// <param name="Options">The validated options.</param>
/// <param name="Warnings">One sentence per key Derecho defines that this implementation does not use.</param>
/// <param name="Entries">Every setting in the order applied, for the layers above the group (e.g. <c>LAYOUT/*</c>).</param>
public sealed record LoadedConfiguration(GroupOptions Options, IReadOnlyList<string> Warnings, IReadOnlyList<ConfigurationEntry> Entries);

/// <summary>
/// Derecho's configuration: <c>derecho.cfg</c> (group keys) and <c>derecho_node.cfg</c> (node keys), found through
/// explicit paths, the variables <c>DERECHO_CONF_FILE</c> and <c>DERECHO_NODE_CONF_FILE</c>, or the working folder,
/// then <c>--SECTION/key=value</c> overrides. Later sources win: group file, node file, overrides.
/// </summary>
public static class DerechoConfiguration
{
    /// <summary>The environment variable naming the group configuration file.</summary>
    public const string ConfFileVariable = "DERECHO_CONF_FILE";

    /// <summary>The environment variable naming the node configuration file.</summary>
    public const string NodeConfFileVariable = "DERECHO_NODE_CONF_FILE";

    /// <summary>The group configuration file looked for in the working folder.</summary>
    public const string DefaultConfFile = "derecho.cfg";

    /// <summary>The node configuration file looked for in the working folder.</summary>
    public const string DefaultNodeConfFile = "derecho_node.cfg";

    private const string CommandLine = "command line";

    private static readonly Dictionary<string, Func<GroupOptions, ConfigurationEntry, GroupOptions>> UsedKeys =
        new(StringComparer.Ordinal)
        {
            ["DERECHO/contact_ip"] = (o, e) => o with { ContactIp = ParseAddress(e) },
            ["DERECHO/leader_ip"] = (o, e) => o with { ContactIp = ParseAddress(e) },
            ["DERECHO/contact_port"] = (o, e) => o with { ContactPort = ParseInt(e, 1, 65535) },
            ["DERECHO/leader_gms_port"] = (o, e) => o with { ContactPort = ParseInt(e, 1, 65535) },
            ["DERECHO/local_id"] = (o, e) => o with { LocalId = (uint)ParseLong(e, 0, uint.MaxValue) },
            ["DERECHO/local_ip"] = (o, e) => o with { LocalIp = ParseAddress(e) },
            ["DERECHO/gms_port"] = (o, e) => o with { GmsPort = ParseInt(e, 0, 65535) },
            ["DERECHO/sst_port"] = (o, e) => o with { SstPort = ParseInt(e, 0, 65535) },
            ["DERECHO/rdmc_port"] = (o, e) => o with { RdmcPort = ParseInt(e, 0, 65535) },
            ["DERECHO/heartbeat_ms"] = (o, e) => o with { HeartbeatInterval = TimeSpan.FromMilliseconds(ParseInt(e, 1, 3_600_000)) },
            ["DERECHO/timeout_heartbeat_ms"] = (o, e) => o with { HeartbeatInterval = TimeSpan.FromMilliseconds(ParseInt(e, 1, 3_600_000)) },
            ["DERECHO/sst_poll_cq_timeout_ms"] = (o, e) => o with { SuspicionTimeout = TimeSpan.FromMilliseconds(ParseInt(e, 1, 3_600_000)) },
            ["DERECHO/disable_partitioning_safety"] = (o, e) => o with { PartitionSafety = !ParseBool(e) },
            ["SUBGROUP/DEFAULT/max_payload_size"] = (o, e) => o with { MaxPayloadSize = ParseInt(e, 1, 1 << 30) },
            ["SUBGROUP/DEFAULT/max_smc_payload_size"] = (o, e) => o with { MaxSmcPayloadSize = ParseInt(e, 1, 1 << 30) },
            ["SUBGROUP/DEFAULT/window_size"] = (o, e) => o with { WindowSize = ParseInt(e, 1, 1 << 20) },
            ["SUBGROUP/DEFAULT/block_size"] = (o, e) => o with { BlockSize = ParseInt(e, 1024, 16 << 20) },
            ["SUBGROUP/DEFAULT/rdmc_send_algorithm"] = (o, e) => o with { BulkSchedule = ParseSchedule(e) },
            // Derecho before 2.0 kept the payload keys in [DERECHO].
            ["DERECHO/max_payload_size"] = (o, e) => o with { MaxPayloadSize = ParseInt(e, 1, 1 << 30) },
            ["DERECHO/max_smc_payload_size"] = (o, e) => o with { MaxSmcPayloadSize = ParseInt(e, 1, 1 << 30) },
            ["DERECHO/window_size"] = (o, e) => o with { WindowSize = ParseInt(e, 1, 1 << 20) },
            ["DERECHO/restart_leaders"] = (o, e) => o with { RestartLeaders = RestartLeaders(ParseList(e, ParseAddress), o.RestartLeaders.Select(l => l.Port).ToList()) },
            ["DERECHO/restart_leader_ports"] = (o, e) => o with { RestartLeaders = RestartLeaders(o.RestartLeaders.Select(l => l.Address).ToList(), ParseList(e, p => ParseInt(p, 1, 65535))) },
            ["DERECHO/enable_backup_restart_leaders"] = (o, e) => o with { EnableBackupRestartLeaders = ParseBool(e) },
            ["DERECHO/restart_timeout_ms"] = (o, e) => o with { RestartTimeout = TimeSpan.FromMilliseconds(ParseInt(e, 1, 3_600_000)) },
            ["PERS/file_path"] = (o, e) => o with { Persistence = o.Persistence with { FilePath = e.Value } },
            ["PERS/reset"] = (o, e) => o with { Persistence = o.Persistence with { Reset = ParseBool(e) } },
            ["PERS/max_log_entry"] = (o, e) => o with { Persistence = o.Persistence with { MaxLogEntries = ParseLong(e, 1, long.MaxValue) } },
            ["PERS/max_data_size"] = (o, e) => o with { Persistence = o.Persistence with { MaxDataSize = ParseLong(e, 1, long.MaxValue) } },
            ["PERS/auto_trim"] = (o, e) => o with { Persistence = o.Persistence with { AutoTrim = ParseBool(e) } },
            ["PERS/preallocate_segments"] = (o, e) => o with { Persistence = o.Persistence with { PreallocateSegments = ParseBool(e) } },
            ["PERS/uncache_synced"] = (o, e) => o with { Persistence = o.Persistence with { UncacheSynced = ParseBool(e) } },
            ["PERS/syncs_in_flight"] = (o, e) => o with { Persistence = o.Persistence with { SyncsInFlight = ParseInt(e, 1, 64) } },
            ["PERS/max_log_age_ms"] = (o, e) => o with { Persistence = o.Persistence with { MaxLogAge = TimeSpan.FromMilliseconds(ParseLong(e, 1, long.MaxValue / 10_000)) } },
            ["PERS/private_key_file"] = (o, e) => o with { Persistence = o.Persistence with { PrivateKeyFile = e.Value } },
            // Derecho 2.x with a choice of storage: [PERS] storage_type = filesystem, its keys in [PERS/filesystem].
            ["PERS/storage_type"] = (o, e) => e.Value == "filesystem" ? o : throw BadValue(e, "filesystem (the only storage this implementation has)"),
            ["PERS/filesystem/file_path"] = (o, e) => o with { Persistence = o.Persistence with { FilePath = e.Value } },
            ["PERS/filesystem/max_log_entry"] = (o, e) => o with { Persistence = o.Persistence with { MaxLogEntries = ParseLong(e, 1, long.MaxValue) } },
            ["PERS/filesystem/max_data_size"] = (o, e) => o with { Persistence = o.Persistence with { MaxDataSize = ParseLong(e, 1, long.MaxValue) } },
        };

    /// <summary>Keys some Derecho version defines that this implementation accepts and ignores, with a warning.</summary>
    private static readonly HashSet<string> IgnoredKeys = new(StringComparer.Ordinal)
    {
        "DERECHO/state_transfer_port", "DERECHO/rpc_port", "DERECHO/external_port", "DERECHO/max_node_id",
        "DERECHO/max_p2p_request_payload_size", "DERECHO/max_p2p_reply_payload_size", "DERECHO/p2p_window_size",
        "DERECHO/block_size", "DERECHO/rdmc_send_algorithm", "DERECHO/leader_external_port", "DERECHO/max_p2p_window_size",
        "DERECHO/max_rpc_reply_payload_size", "DERECHO/transfer_port", "DERECHO/timeout_ms",
        "DERECHO/p2p_loop_busy_wait_before_sleep_ms", "DERECHO/sst_poll_cq_timeout_ms_for_p2p",
        "SUBGROUP/DEFAULT/max_reply_payload_size", "SUBGROUP/DEFAULT/batch_size",
        "RDMA/provider", "RDMA/domain", "RDMA/tx_depth", "RDMA/rx_depth",
        "PERS/ramdisk_path", "PERS/spdk/trtype", "PERS/spdk/adrfam", "PERS/spdk/traddr", "PERS/spdk/trsvcid",
        "PERS/spdk/subnqn", "PERS/spdk/num_io_thread", "PERS/spdk/subtxn_size",
        "LOGGER/default_log_name", "LOGGER/default_log_level", "LOGGER/log_file_depth", "LOGGER/log_to_terminal",
        "LOGGER/log_file_size", "LOGGER/rpc_log_level", "LOGGER/sst_log_level", "LOGGER/persistence_log_level",
        "LOGGER/persistent_log_level", "LOGGER/viewmanager_log_level",
    };

    /// <summary>Keys the layers above the group read from <see cref="LoadedConfiguration.Entries"/> (the subgroup layout).</summary>
    private static readonly HashSet<string> LayerKeys = new(StringComparer.Ordinal) { "LAYOUT/json_layout", "LAYOUT/json_layout_file", "KV/persistent" };

    /// <summary>The keys of a <c>[SUBGROUP/profile]</c> section.</summary>
    private static readonly HashSet<string> SubgroupKeys = new(StringComparer.Ordinal)
    {
        "max_payload_size", "max_reply_payload_size", "max_smc_payload_size", "block_size", "window_size",
        "rdmc_send_algorithm",
    };

    /// <summary>
    /// Takes the <c>--SECTION/key=value</c> tokens out of <paramref name="args"/> (System.CommandLine would reject
    /// them) and returns them with the remaining arguments.
    /// </summary>
    /// <exception cref="ConfigurationException">A token looks like an override but has no key or no <c>=</c>.</exception>
    public static (IReadOnlyList<ConfigurationEntry> Overrides, string[] Remaining) ExtractOverrides(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var overrides = new List<ConfigurationEntry>();
        var remaining = new List<string>();
        foreach (var arg in args)
        {
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || !name.Contains('/', StringComparison.Ordinal))
            {
                remaining.Add(arg);
                continue;
            }
            var slash = name.LastIndexOf('/');
            if (equals < 0 || slash <= 2 || slash == name.Length - 1)
            {
                throw new ConfigurationException($"malformed override '{arg}'; expected --SECTION/key=value");
            }
            overrides.Add(new ConfigurationEntry(name[2..slash], name[(slash + 1)..], arg[(equals + 1)..], CommandLine));
        }
        return (overrides, [.. remaining]);
    }

    /// <summary>
    /// Loads the group file, then the node file, then <paramref name="overrides"/>. A null path falls back to its
    /// environment variable, then to the file's default name in the working folder if it exists, then to nothing.
    /// </summary>
    /// <param name="configPath">The group file (<c>derecho.cfg</c>), or null.</param>
    /// <param name="nodeConfigPath">The node file (<c>derecho_node.cfg</c>), or null.</param>
    /// <param name="overrides">Command-line overrides from <see cref="ExtractOverrides"/>.</param>
    /// <param name="environment">Reads an environment variable; the process's environment when null.</param>
    /// <exception cref="ConfigurationException">A file is missing or malformed, or a key or value is bad.</exception>
    public static LoadedConfiguration Load(string? configPath, string? nodeConfigPath,
        IEnumerable<ConfigurationEntry>? overrides = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var entries = new List<ConfigurationEntry>();
        foreach (var path in new[]
                 {
                     Locate(configPath, environment(ConfFileVariable), DefaultConfFile),
                     Locate(nodeConfigPath, environment(NodeConfFileVariable), DefaultNodeConfFile),
                 })
        {
            if (path is not null)
            {
                entries.AddRange(ConfigurationFile.Load(path));
            }
        }
        entries.AddRange(overrides ?? []);
        return FromEntries(entries);
    }

    /// <summary>Applies <paramref name="entries"/> in order over the defaults and validates the result.</summary>
    /// <exception cref="ConfigurationException">A key is unknown, a value is bad, or the combination is invalid.</exception>
    public static LoadedConfiguration FromEntries(IEnumerable<ConfigurationEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var options = new GroupOptions();
        var warnings = new List<string>();
        var all = entries.ToList();
        foreach (var entry in all)
        {
            if (UsedKeys.TryGetValue(entry.Name, out var apply))
            {
                options = apply(options, entry);
            }
            else if (LayerKeys.Contains(entry.Name))
            {
                continue;
            }
            else if (IgnoredKeys.Contains(entry.Name))
            {
                warnings.Add($"{entry.Origin}: {entry.Name} is a Derecho key this implementation does not use; ignored");
            }
            else if (entry.Section.StartsWith("SUBGROUP/", StringComparison.Ordinal) && SubgroupKeys.Contains(entry.Key))
            {
                warnings.Add($"{entry.Origin}: {entry.Name} configures a profile other than DEFAULT, which nothing uses yet; ignored");
            }
            else
            {
                throw new ConfigurationException($"{entry.Origin}: unknown configuration key [{entry.Section}] {entry.Key}");
            }
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"invalid configuration: {e.Message}", e);
        }
        return new LoadedConfiguration(options, warnings, all);
    }

    private static string? Locate(string? explicitPath, string? fromEnvironment, string defaultName)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return explicitPath;
        }
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }
        return File.Exists(defaultName) ? defaultName : null;
    }

    private static int ParseInt(ConfigurationEntry entry, int min, int max) => (int)ParseLong(entry, min, max);

    private static long ParseLong(ConfigurationEntry entry, long min, long max)
    {
        if (!long.TryParse(entry.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw BadValue(entry, "an integer");
        }
        if (value < min || value > max)
        {
            throw BadValue(entry, $"an integer between {min} and {max}");
        }
        return value;
    }

    /// <summary>Reads a boolean setting: true, yes, 1, on or false, no, 0, off.</summary>
    /// <exception cref="ConfigurationException">The value is none of these; the message names the key and where it was set.</exception>
    public static bool ParseBool(ConfigurationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Value.ToLowerInvariant() switch
        {
            "true" or "yes" or "1" or "on" => true,
            "false" or "no" or "0" or "off" => false,
            _ => throw BadValue(entry, "true or false"),
        };
    }

    /// <summary>Derecho's names of the schedules this implementation has (its <c>sequential_send</c> and <c>tree_send</c> are not here).</summary>
    private static BulkSchedule ParseSchedule(ConfigurationEntry entry) => entry.Value switch
    {
        "binomial_send" => BulkSchedule.Binomial,
        "chain_send" => BulkSchedule.Chain,
        _ => throw BadValue(entry, "binomial_send or chain_send"),
    };

    private static IPAddress ParseAddress(ConfigurationEntry entry)
    {
        if (entry.Value == "localhost")
        {
            return IPAddress.Loopback;
        }
        return IPAddress.TryParse(entry.Value, out var address) ? address : throw BadValue(entry, "an IP address");
    }

    /// <summary>A comma-separated list, each item parsed alone (the error names the item and the key).</summary>
    private static List<T> ParseList<T>(ConfigurationEntry entry, Func<ConfigurationEntry, T> parse) =>
        [.. entry.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(item => parse(entry with { Value = item }))];

    /// <summary>
    /// Pairs the leaders' addresses with their ports while either key may still come later: until both are set, the
    /// missing side is taken as loopback / the default gms port; <see cref="GroupOptions.Validate"/> needs both lists.
    /// </summary>
    private static IPEndPoint[] RestartLeaders(List<IPAddress> addresses, List<int> ports) =>
        [.. Enumerable.Range(0, Math.Max(addresses.Count, ports.Count)).Select(i => new IPEndPoint(
            i < addresses.Count ? addresses[i] : IPAddress.None, i < ports.Count ? ports[i] : 0))];

    private static ConfigurationException BadValue(ConfigurationEntry entry, string expected) =>
        new($"{entry.Origin}: [{entry.Section}] {entry.Key} = '{entry.Value}' is not valid; expected {expected}");
}
