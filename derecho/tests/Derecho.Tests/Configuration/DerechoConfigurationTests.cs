using System.Net;
using Derecho.Configuration;
using Derecho.Multicast;

namespace Derecho.Tests.Configuration;

public sealed class DerechoConfigurationTests
{
    private const string Sample = """
        # A group of three on one host.
        [DERECHO]
        contact_ip = 127.0.0.1
        contact_port = 24000   ; the first member's gms_port
        local_id = 0
        local_ip = 127.0.0.1
        gms_port = 24000
        sst_port = 24001
        rdmc_port = 24002
        heartbeat_ms = 20
        sst_poll_cq_timeout_ms = 400
        disable_partitioning_safety = false

        [SUBGROUP/DEFAULT]
        max_payload_size = 2097152
        max_smc_payload_size = 4096
        window_size = 64
        block_size = 131072
        rdmc_send_algorithm = chain_send
        """;

    private static Func<string, string?> NoEnvironment => _ => null;

    [Fact]
    public void Sample_file_sets_every_used_key()
    {
        var options = DerechoConfiguration.FromEntries(ConfigurationFile.Parse(Sample, "derecho.cfg")).Options;
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 24000), options.ContactEndPoint);
        Assert.Equal(0u, options.LocalId);
        Assert.Equal(24000, options.GmsPort);
        Assert.Equal(24001, options.SstPort);
        Assert.Equal(24002, options.RdmcPort);
        Assert.Equal(TimeSpan.FromMilliseconds(20), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(400), options.SuspicionTimeout);
        Assert.True(options.PartitionSafety);
        Assert.Equal(2097152, options.MaxPayloadSize);
        Assert.Equal(4096, options.MaxSmcPayloadSize);
        Assert.Equal(64, options.WindowSize);
        Assert.Equal(131072, options.BlockSize);
        Assert.Equal(BulkSchedule.Chain, options.BulkSchedule);
        Assert.True(options.IsContact);
    }

    [Fact]
    public void Defaults_keep_ports_below_the_ephemeral_range_and_partition_safety_on()
    {
        var options = DerechoConfiguration.FromEntries([]).Options;
        Assert.All(new[] { options.GmsPort, options.SstPort, options.RdmcPort, options.ContactPort }, port => Assert.InRange(port, 1, 32767));
        Assert.True(options.PartitionSafety);
        Assert.True(options.SuspicionTimeout >= 10 * options.HeartbeatInterval);
    }

    [Fact]
    public void Node_file_wins_over_group_file_and_overrides_win_over_both()
    {
        using var dir = new TempDirectory("derecho-config");
        File.WriteAllText(dir.Combine("derecho.cfg"), Sample);
        File.WriteAllText(dir.Combine("node.cfg"), "[DERECHO]\nlocal_id = 7\ngms_port = 25000\nsst_port = 25001\n");
        var (overrides, remaining) = DerechoConfiguration.ExtractOverrides(["node", "--DERECHO/local_id=9", "--config", "x", "--SUBGROUP/DEFAULT/window_size=8"]);
        Assert.Equal(["node", "--config", "x"], remaining);

        var options = DerechoConfiguration.Load(dir.Combine("derecho.cfg"), dir.Combine("node.cfg"), overrides, NoEnvironment).Options;

        Assert.Equal(9u, options.LocalId);
        Assert.Equal(25000, options.GmsPort);
        Assert.Equal(8, options.WindowSize);
        Assert.Equal(24000, options.ContactPort);
        Assert.False(options.IsContact);
    }

    [Fact]
    public void Environment_variables_name_the_files_when_no_path_is_given()
    {
        using var dir = new TempDirectory("derecho-config");
        File.WriteAllText(dir.Combine("group.cfg"), Sample);
        File.WriteAllText(dir.Combine("node.cfg"), "[DERECHO]\nlocal_id = 4\n");
        var environment = new Dictionary<string, string?>
        {
            [DerechoConfiguration.ConfFileVariable] = dir.Combine("group.cfg"),
            [DerechoConfiguration.NodeConfFileVariable] = dir.Combine("node.cfg"),
        };

        var options = DerechoConfiguration.Load(null, null, [], name => environment.GetValueOrDefault(name)).Options;

        Assert.Equal(4u, options.LocalId);
        Assert.Equal(24001, options.SstPort);
    }

    [Fact]
    public void Keys_derecho_defines_but_we_do_not_use_are_accepted_with_a_warning()
    {
        var text = Sample + "\n[RDMA]\nprovider = sockets\n[PERS]\nramdisk_path = /dev/shm\n[DERECHO]\nexternal_port = 32645\n[SUBGROUP/SMALL]\nwindow_size = 4\n";
        var loaded = DerechoConfiguration.FromEntries(ConfigurationFile.Parse(text, "derecho.cfg"));
        Assert.Equal(4, loaded.Warnings.Count);
        Assert.Contains(loaded.Warnings, w => w.Contains("RDMA/provider", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Contains("SUBGROUP/SMALL/window_size", StringComparison.Ordinal));
        Assert.Equal(64, loaded.Options.WindowSize);
    }

    /// <summary>The keys of Derecho's own sample files (its 2.x <c>derecho-sample.cfg</c>, the one with <c>[PERS/filesystem]</c>, and the logger levels of the newest).</summary>
    [Fact]
    public void Derechos_own_sample_file_is_accepted()
    {
        const string text = """
            [DERECHO]
            leader_ip = 127.0.0.1
            leader_gms_port = 23580
            leader_external_port = 32645
            local_id = 0
            local_ip = 127.0.0.1
            gms_port = 23580
            rpc_port = 28366
            sst_port = 37683
            rdmc_port = 31675
            external_port = 32645
            heartbeat_ms = 1
            sst_poll_cq_timeout_ms = 100
            disable_partitioning_safety = true
            max_p2p_request_payload_size = 10240
            max_p2p_reply_payload_size = 10240
            p2p_window_size = 16
            [SUBGROUP/DEFAULT]
            max_payload_size = 10240
            max_reply_payload_size = 10240
            max_smc_payload_size = 10240
            block_size = 1048576
            window_size = 16
            rdmc_send_algorithm = binomial_send
            [SUBGROUP/LARGE]
            max_payload_size = 102400
            max_reply_payload_size = 102400
            [PERS]
            storage_type = filesystem
            reset = false
            [PERS/filesystem]
            file_path = /var/derecho/plog
            max_log_entry = 4096
            max_data_size = 1073741824
            [PERS/spdk]
            trtype = pcie
            adrfam =
            [LOGGER]
            default_log_name = derecho_debug
            default_log_level = info
            rpc_log_level = info
            sst_log_level = info
            persistence_log_level = info
            viewmanager_log_level = info
            """;
        var loaded = DerechoConfiguration.FromEntries(ConfigurationFile.Parse(text, "derecho-sample.cfg"));
        Assert.Equal("/var/derecho/plog", loaded.Options.Persistence.FilePath);
        Assert.Equal(4096, loaded.Options.Persistence.MaxLogEntries);
        Assert.Equal(1073741824, loaded.Options.Persistence.MaxDataSize);
        Assert.Equal(10240, loaded.Options.MaxPayloadSize);
        var reply = Assert.Single(loaded.Warnings, w => w.Contains("SUBGROUP/DEFAULT/max_reply_payload_size", StringComparison.Ordinal));
        Assert.DoesNotContain("other than DEFAULT", reply, StringComparison.Ordinal);
        Assert.Contains(loaded.Warnings, w => w.Contains("LOGGER/rpc_log_level", StringComparison.Ordinal));
    }

    [Fact]
    public void A_storage_type_other_than_the_file_system_is_refused_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse("[PERS]\nstorage_type = spdk\n", "spdk.cfg")));
        Assert.Contains("spdk.cfg:2: [PERS] storage_type = 'spdk'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derecho_1_key_names_are_understood()
    {
        var options = DerechoConfiguration.FromEntries(ConfigurationFile.Parse(
            "[DERECHO]\nleader_ip = 10.0.0.1\nleader_gms_port = 23000\ntimeout_heartbeat_ms = 30\n", "old.cfg")).Options;
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 23000), options.ContactEndPoint);
        Assert.Equal(TimeSpan.FromMilliseconds(30), options.HeartbeatInterval);
    }

    [Theory]
    [InlineData("[DERECHO]\nno_such_key = 1\n", "[DERECHO] no_such_key")]
    [InlineData("[DERECHO]\nlocal_id = seven\n", "[DERECHO] local_id = 'seven'")]
    [InlineData("[DERECHO]\ngms_port = 70000\n", "[DERECHO] gms_port = '70000'")]
    [InlineData("[DERECHO]\nlocal_ip = not-an-ip\n", "[DERECHO] local_ip")]
    [InlineData("[DERECHO]\ndisable_partitioning_safety = maybe\n", "disable_partitioning_safety")]
    [InlineData("[SUBGROUP/DEFAULT]\nwindow_size = 0\n", "[SUBGROUP/DEFAULT] window_size")]
    [InlineData("[SUBGROUP/DEFAULT]\nmax_payload_size = 100\nmax_smc_payload_size = 200\n", "max_smc_payload_size")]
    [InlineData("[DERECHO]\nheartbeat_ms = 100\nsst_poll_cq_timeout_ms = 150\n", "sst_poll_cq_timeout_ms")]
    [InlineData("[DERECHO]\ngms_port = 24000\nsst_port = 24000\n", "DERECHO/sst_port")]
    [InlineData("[NOPE]\nx = 1\n", "[NOPE] x")]
    [InlineData("[SUBGROUP/DEFAULT]\nrdmc_send_algorithm = tree_send\n", "[SUBGROUP/DEFAULT] rdmc_send_algorithm = 'tree_send'")]
    [InlineData("[SUBGROUP/DEFAULT]\nblock_size = 12\n", "[SUBGROUP/DEFAULT] block_size")]
    public void Bad_keys_and_values_are_rejected_naming_them(string text, string named)
    {
        var error = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.FromEntries(ConfigurationFile.Parse(text, "bad.cfg")));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[DERECHO\nlocal_id = 1\n", "bad.cfg:1")]
    [InlineData("[DERECHO]\nlocal_id 1\n", "bad.cfg:2")]
    [InlineData("local_id = 1\n", "bad.cfg:1")]
    [InlineData("[DERECHO]\n\n# fine\n = 3\n", "bad.cfg:4")]
    public void Malformed_lines_are_rejected_naming_file_and_line(string text, string named)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFile.Parse(text, "bad.cfg"));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_value_in_an_override_names_the_command_line()
    {
        var (overrides, _) = DerechoConfiguration.ExtractOverrides(["--DERECHO/heartbeat_ms=fast"]);
        var error = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.Load(null, null, overrides, NoEnvironment));
        Assert.Contains("command line", error.Message, StringComparison.Ordinal);
        Assert.Contains("heartbeat_ms", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--DERECHO/local_id")]
    [InlineData("--DERECHO/=3")]
    public void Malformed_override_is_rejected(string token)
    {
        var error = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.ExtractOverrides([token]));
        Assert.Contains(token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var error = Assert.Throws<ConfigurationException>(() => DerechoConfiguration.Load("/no/such/derecho.cfg", null, [], NoEnvironment));
        Assert.Contains("/no/such/derecho.cfg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Full_key_paths_and_quotes_are_accepted()
    {
        var options = DerechoConfiguration.FromEntries(ConfigurationFile.Parse(
            "DERECHO/local_ip = \"127.0.0.2\"\nSUBGROUP/DEFAULT/window_size = 3 # comment\n", "flat.cfg")).Options;
        Assert.Equal(IPAddress.Parse("127.0.0.2"), options.LocalIp);
        Assert.Equal(3, options.WindowSize);
    }

    /// <summary>GetPot's quoted values may span lines, as Derecho's <c>json_layout</c> does in its own files.</summary>
    [Fact]
    public void A_quoted_value_may_span_lines()
    {
        const string text = """
            [LAYOUT]
            json_layout = '
            [
                {
                    "type_alias": "Foo",  # no comment inside quotes
                    "layout": [ { "min_nodes_by_shard": ["3"], "max_nodes_by_shard": ["3"] } ]
                }
            ]'   # but after them
            [DERECHO]
            local_id = 4
            """;
        var entries = ConfigurationFile.Parse(text.ReplaceLineEndings("\r\n"), "layout.cfg");
        var layout = Assert.Single(entries, e => e.Name == "LAYOUT/json_layout");
        Assert.Equal("layout.cfg:2", layout.Origin);
        Assert.StartsWith("\n[\n", layout.Value, StringComparison.Ordinal);
        Assert.Contains("\"type_alias\": \"Foo\",  # no comment inside quotes\n", layout.Value, StringComparison.Ordinal);
        Assert.EndsWith("}\n]", layout.Value, StringComparison.Ordinal);
        Assert.Equal("4", Assert.Single(entries, e => e.Name == "DERECHO/local_id").Value);
    }

    [Theory]
    [InlineData("[LAYOUT]\njson_layout = '\n[\n]\n", "bad.cfg:2")]
    [InlineData("[LAYOUT]\njson_layout = '[\n]' trailing\n", "bad.cfg:2")]
    public void An_unterminated_or_trailed_quote_is_rejected_naming_where_the_value_starts(string text, string named)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFile.Parse(text, "bad.cfg"));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("json_layout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sample_files_load_and_describe_three_members_of_one_group()
    {
        var group = Path.Combine(AppContext.BaseDirectory, "samples", "derecho.cfg");
        var first = DerechoConfiguration.Load(group, null, [], NoEnvironment);
        Assert.Empty(first.Warnings);
        Assert.True(first.Options.IsContact);
        foreach (var (node, id) in new[] { ("node1.cfg", 1u), ("node2.cfg", 2u) })
        {
            var options = DerechoConfiguration.Load(group, Path.Combine(AppContext.BaseDirectory, "samples", node), [], NoEnvironment).Options;
            Assert.Equal(id, options.LocalId);
            Assert.False(options.IsContact);
            Assert.Equal(first.Options.ContactEndPoint, options.ContactEndPoint);
        }
    }
}
