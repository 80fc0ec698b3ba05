using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Derecho.Configuration;
using Derecho.External;
using Derecho.Kv;
using Derecho.Layout;
using Derecho.Rpc;
using Microsoft.Extensions.Logging;
using Systems.Cli;

namespace Derecho.Cli;

/// <summary>
/// <c>derecho kv</c>: the sharded, replicated key-value store of <c>samples/kv</c>. <c>serve</c> runs a member;
/// <c>put</c>, <c>get</c>, <c>remove</c>, <c>list</c> and <c>multi-get</c> talk to a running group as an external
/// client through any member's contact address.
/// </summary>
internal static class KvCommand
{
    public static Command Create(IReadOnlyList<ConfigurationEntry> overrides)
    {
        var command = new Command("kv", "A sharded, replicated key-value store: run a member, or put, get, remove and list keys as an external client.");
        command.Subcommands.Add(Serve(overrides));
        var key = new Argument<string>("KEY") { Description = "The key." };
        var value = new Argument<string?>("VALUE")
        {
            Description = "The value (UTF-8 text). '-' or none: the bytes of standard input, as they are (redirect a file: put KEY < FILE).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        command.Subcommands.Add(Client("put", "Set KEY to VALUE at every replica of its shard (persistent mode: returns once every replica logged it). Without VALUE, or with '-', the value is standard input, binary-safe.", [key, value], async (kv, parse, ct) =>
        {
            await kv.PutAsync(parse.GetValue(key)!, await ValueAsync(parse.GetValue(value), ct), ct);
            return ExitCode.Success;
        }));
        var version = new Option<long?>("--version")
        {
            Description = "Read KEY as of this version (persistent mode): its newest change at or before it.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
                result.AddError($"--version '{text}' is not a version (a whole number, as 'derecho kv get' prints on stderr)");
                return null;
            },
        };
        var time = new Option<string?>("--time") { Description = "Read KEY as of this hybrid logical time MICROSECONDS[.LOGICAL] since the Unix epoch (persistent mode)." };
        command.Subcommands.Add(Client("get", "Print the value of KEY alone on standard output; exit 1 if it is missing. With --version or --time, the value then, and on standard error the change's version and time and whether every replica gives the same answer.", [key, version, time], async (kv, parse, ct) =>
        {
            if (parse.GetValue(version) is not null || parse.GetValue(time) is not null)
            {
                return await GetHistoricalAsync(kv, parse.GetValue(key)!, parse.GetValue(version), parse.GetValue(time), ct);
            }
            var found = await kv.GetAsync(parse.GetValue(key)!, ct);
            if (found is null)
            {
                await Console.Error.WriteLineAsync($"derecho: key '{parse.GetValue(key)}' not found");
                return ExitCode.Negative;
            }
            await WriteValueAsync(found, ct);
            return ExitCode.Success;
        }));
        command.Subcommands.Add(Client("remove", "Remove KEY; exit 1 if it was missing.", [key], async (kv, parse, ct) =>
        {
            if (await kv.RemoveAsync(parse.GetValue(key)!, ct))
            {
                return ExitCode.Success;
            }
            await Console.Error.WriteLineAsync($"derecho: key '{parse.GetValue(key)}' not found");
            return ExitCode.Negative;
        }));
        var through = new Argument<long>("VERSION") { Description = "The version to trim through (at most each shard's latest)." };
        command.Subcommands.Add(Client("trim", "Trim every shard's history through VERSION (persistent mode): reads as of a trimmed version fail; prints where each shard's history now starts.", [through], async (kv, parse, ct) =>
        {
            foreach (var (bound, shard) in (await kv.TrimAsync(parse.GetValue(through), ct)).Select((b, i) => (b, i)))
            {
                await Console.Out.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"shard {shard} trimmed through {bound}"));
            }
            return ExitCode.Success;
        }));
        command.Subcommands.Add(Client("list", "Print every key, one a line, in ordinal order.", [], async (kv, parse, ct) =>
        {
            foreach (var each in await kv.ListKeysAsync(ct))
            {
                await Console.Out.WriteLineAsync(each);
            }
            return ExitCode.Success;
        }));
        var keys = new Argument<string[]>("KEYS") { Description = "The keys.", Arity = ArgumentArity.OneOrMore };
        command.Subcommands.Add(Client("multi-get", "Print KEY=VALUE for each key (KEY missing if absent); exit 1 if any is missing.", [keys], async (kv, parse, ct) =>
        {
            var names = parse.GetValue(keys)!;
            var values = await kv.MultiGetAsync(names, ct);
            var missing = false;
            for (var i = 0; i < names.Length; i++)
            {
                missing |= values[i] is null;
                await Console.Out.WriteLineAsync(values[i] is { } found ? $"{names[i]}={Encoding.UTF8.GetString(found)}" : $"{names[i]} missing");
            }
            return missing ? ExitCode.Negative : ExitCode.Success;
        }));
        return command;
    }

    private static Command Serve(IReadOnlyList<ConfigurationEntry> overrides)
    {
        var config = new Option<string?>("--config") { Description = "The group configuration file (derecho.cfg; default: $DERECHO_CONF_FILE or ./derecho.cfg); its [LAYOUT] json_layout or json_layout_file gives the shards (none: one shard of all members), [KV] persistent = true logs every change under PERS/file_path." };
        var nodeConfig = new Option<string?>("--node-config") { Description = "The node configuration file (derecho_node.cfg); its keys win over --config's." };
        var verbose = new Option<bool>("--verbose") { Description = "Log protocol and layout events on standard error." };
        var viewFile = new Option<string?>("--view-file") { Description = "Record every installed view's members in FILE; a restarted contact rejoins the members found there (and receives the store's state) instead of starting a new group. Persistent mode records them in PERS/file_path/view without it." };
        var benchSeconds = new Option<double>("--bench-seconds") { Description = "derecho bench kv: load the own shard for this long per phase.", Hidden = true };
        var benchSize = new Option<int>("--bench-value-size") { Description = "derecho bench kv: value size.", Hidden = true, DefaultValueFactory = _ => 1024 };
        var benchWindow = new Option<int>("--bench-window") { Description = "derecho bench kv: calls in flight.", Hidden = true, DefaultValueFactory = _ => 64 };
        var benchMembers = new Option<int>("--bench-members") { Description = "derecho bench kv: start once the view has this many members.", Hidden = true, DefaultValueFactory = _ => 1 };
        var benchPutsOnly = new Option<bool>("--bench-puts-only") { Description = "derecho bench persistent: measure puts only.", Hidden = true };
        var command = new Command("serve", "Run one member of the key-value store; prints each view and its layout. Derecho's --SECTION/key=value overrides are accepted (e.g. --KV/persistent=true). A line 'leave' on standard input leaves gracefully.")
        {
            config, nodeConfig, verbose, viewFile, benchSeconds, benchSize, benchWindow, benchMembers, benchPutsOnly,
        };
        command.SetAction(async (parse, ct) =>
        {
            LoadedConfiguration loaded;
            GroupLayout layout;
            bool persistent;
            try
            {
                loaded = DerechoConfiguration.Load(parse.GetValue(config), parse.GetValue(nodeConfig), overrides);
                if (parse.GetValue(viewFile) is { } path)
                {
                    loaded = loaded with { Options = loaded.Options with { ViewFile = Path.GetFullPath(path) } };
                }
                persistent = KvPersistence.IsRequested(loaded.Entries);
                layout = JsonLayout.FromConfiguration(loaded.Entries) ?? GroupLayout.SingleShard(ReplicatedGroup.SubgroupOf<KvStore>().TypeName);
                if (layout.IndexOf(ReplicatedGroup.SubgroupOf<KvStore>().TypeName) < 0 || layout.Types.Count != 1)
                {
                    throw new ConfigurationException($"the layout must have exactly one type, KvStore, not {string.Join(", ", layout.Types.Select(t => t.TypeName))}");
                }
            }
            catch (ConfigurationException e)
            {
                throw new UsageException(e.Message, e);
            }
            foreach (var warning in loaded.Warnings)
            {
                await Console.Error.WriteLineAsync($"derecho: warning: {warning}");
            }
            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Warning)
                .AddFilter("Microsoft", LogLevel.Warning));
            KvPersistence? persistence = null;
            if (persistent)
            {
                try
                {
                    persistence = KvPersistence.Open(loaded.Options);
                }
                catch (ConfigurationException e)
                {
                    throw new UsageException(e.Message, e);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    await Console.Error.WriteLineAsync($"derecho: cannot start on these logs: {e.Message}");
                    return ExitCode.Negative;
                }
            }
            using var directoryLock = persistence;
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var group = await KvPersistence.JoinPastRestartAsync(token => JoinNotice.JoinAsync(t => ReplicatedGroup.JoinAsync(persistence?.Options ?? loaded.Options, layout, [KvPersistence.StoreType(persistent)],
                new ReplicatedGroupOptions
                {
                    LoggerFactory = loggers,
                    RestartState = persistence?.Restart,
                    ViewChanged = (view, allocation) =>
                    {
                        PrintView(view, allocation);
                        if (allocation is not null && view.Count >= parse.GetValue(benchMembers))
                        {
                            enough.TrySetResult();
                        }
                    },
                }, t), persistence?.Options ?? loaded.Options, token), ct);
            await Console.Out.WriteLineAsync($"serving node {group.NodeId}: contact {group.Group.GmsEndPoint}{(persistent ? " (persistent)" : "")}");
            var stdin = StandardInput.ReadLinesAsync(line =>
            {
                if (line.Trim() == "leave")
                {
                    _ = group.LeaveAsync(CancellationToken.None);
                }
            });
            if (parse.GetValue(benchSeconds) > 0)
            {
                // A member the group removed (a false suspicion under load) ends here rather than wait forever for
                // a view it will never see, so the benchmark reports the row as failed instead of stalling.
                var load = KvBenchCommand.RunLoadAsync(group, enough.Task, parse.GetValue(benchSize), parse.GetValue(benchWindow),
                    TimeSpan.FromSeconds(parse.GetValue(benchSeconds)), parse.GetValue(benchPutsOnly), ct);
#pragma warning disable VSTHRD003 // Stopped is the group's own completion, not work of another context.
                var stopped = group.Group.Stopped;
                try
                {
                    if (await Task.WhenAny(load, stopped) != load)
                    {
                        await Console.Error.WriteLineAsync($"derecho: member {group.NodeId} stopped during the benchmark: {await stopped}");
                        return ExitCode.Negative;
                    }
                    await load;
                }
#pragma warning restore VSTHRD003
                catch (Exception e) when (e is GroupStoppedException or RpcException)
                {
                    // Removed from the group or stopped mid-run: the row failed; say so instead of crashing.
                    await Console.Error.WriteLineAsync($"derecho: member {group.NodeId} stopped during the benchmark: {e.Message}");
                    return ExitCode.Negative;
                }
                await stdin; // the benchmark closes standard input once every member has reported
                return ExitCode.Success;
            }
            try
            {
                return await JoinNotice.WaitForStopAsync(group.Group, ct);
            }
            finally
            {
                GC.KeepAlive(stdin);
            }
        });
        return command;
    }

    private static async Task<int> GetHistoricalAsync(KvClient kv, string key, long? version, string? time, CancellationToken cancellationToken)
    {
        if (version is not null && time is not null)
        {
            throw new UsageException("give --version or --time, not both");
        }
        KvVersion found;
        if (version is { } v)
        {
            found = await kv.GetAtVersionAsync(key, v, cancellationToken);
        }
        else
        {
            Persistence.HlcTimestamp at;
            try
            {
                at = Persistence.HlcTimestamp.Parse(time!);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--time: {e.Message}", e);
            }
            found = await kv.GetAtTimeAsync(key, at, cancellationToken);
        }
        var stable = found.Stable ? "stable" : "not yet stable";
        if (found.Value is null)
        {
            await Console.Error.WriteLineAsync($"derecho: key '{key}' not found then ({(found.Version >= 0 ? $"removed at version {found.Version}, " : "")}{stable})");
            return ExitCode.Negative;
        }
        await WriteValueAsync(found.Value, cancellationToken);
        await Console.Error.WriteLineAsync($"version {found.Version} time {found.Microseconds}.{found.Logical} {stable}");
        return ExitCode.Success;
    }

    /// <summary>
    /// The value of <c>put</c>: the argument as UTF-8, or, when it is <c>-</c> or missing, every byte of standard input
    /// (as <c>etcdctl put KEY &lt; FILE</c> does); a missing value with standard input a terminal is a usage error.
    /// </summary>
    private static async Task<byte[]> ValueAsync(string? argument, CancellationToken cancellationToken)
    {
        if (argument is not null and not "-")
        {
            return Encoding.UTF8.GetBytes(argument);
        }
        if (argument is null && !Console.IsInputRedirected)
        {
            throw new UsageException("put: give VALUE, or '-' and the value on standard input (put KEY < FILE)");
        }
        using var input = Console.OpenStandardInput();
        using var bytes = new MemoryStream();
        await input.CopyToAsync(bytes, cancellationToken);
        return bytes.ToArray();
    }

    /// <summary>Writes a value to standard output as it is (no decoding, so binary values come back whole), then a newline.</summary>
    private static async Task WriteValueAsync(byte[] value, CancellationToken cancellationToken)
    {
        await Console.Out.FlushAsync(cancellationToken);
        using var output = Console.OpenStandardOutput();
        await output.WriteAsync(value, cancellationToken);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>Prints <c>view VID members … leader ID</c> and <c>layout VID …</c> (or <c>inadequate</c>).</summary>
    private static void PrintView(Membership.View view, GroupAllocation? allocation)
    {
        Console.Out.WriteLine(view.ToString());
        Console.Out.WriteLine(allocation is not null ? $"layout {view.Id} {allocation}" : $"layout {view.Id} inadequate");
    }

    private static Command Client(string name, string description, Symbol[] arguments, Func<KvClient, ParseResult, CancellationToken, Task<int>> run)
    {
        var contact = new Option<string>("--contact") { Description = "Any member's contact address HOST:PORT (its local_ip:gms_port).", Required = true };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for an answer.", DefaultValueFactory = _ => 10 };
        var command = new Command(name, description) { contact, timeout };
        foreach (var argument in arguments)
        {
            if (argument is Argument a)
            {
                command.Arguments.Add(a);
            }
            else if (argument is Option o)
            {
                command.Options.Add(o);
            }
        }
        command.SetAction(async (parse, ct) =>
        {
            var endpoint = ParseContact(parse.GetValue(contact)!);
            var seconds = parse.GetValue(timeout);
            if (seconds is <= 0 or > 86_400 || double.IsNaN(seconds))
            {
                throw new UsageException($"--timeout must be positive and at most a day (86400 s), not {seconds}");
            }
            var options = new ExternalClientOptions { CallTimeout = TimeSpan.FromSeconds(seconds), ConnectTimeout = TimeSpan.FromSeconds(seconds) };
            ExternalClient client;
            try
            {
                client = await ExternalClient.ConnectAsync(endpoint, options, ct);
            }
            catch (TimeoutException e)
            {
                await Console.Error.WriteLineAsync($"derecho: {e.Message}");
                return ExitCode.NoAnswer;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                await Console.Error.WriteLineAsync($"derecho: cannot reach a member at {endpoint}: {e.Message}");
                return ExitCode.Negative;
            }
            await using (client)
            {
                try
                {
                    return await run(new KvClient(client, () => client.View.Allocation), parse, ct);
                }
                catch (RpcException e) when (e.Error == RpcError.Timeout)
                {
                    await Console.Error.WriteLineAsync($"derecho: {e.Message}");
                    return ExitCode.NoAnswer;
                }
                catch (RpcException e)
                {
                    await Console.Error.WriteLineAsync($"derecho: {e.Message}");
                    return ExitCode.Negative;
                }
            }
        });
        return command;
    }

    private static IPEndPoint ParseContact(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535)
        {
            var host = text[..colon];
            if (host == "localhost")
            {
                return new IPEndPoint(IPAddress.Loopback, port);
            }
            if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
            {
                return new IPEndPoint(address, port);
            }
            try
            {
                var addresses = Dns.GetHostAddresses(host);
                if ((addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()) is { } resolved)
                {
                    return new IPEndPoint(resolved, port);
                }
            }
            catch (SocketException e)
            {
                throw new UsageException($"--contact '{text}': cannot resolve host '{host}': {e.Message}", e);
            }
        }
        throw new UsageException($"--contact '{text}' is not HOST:PORT (a host name or IP address, and a port)");
    }
}
