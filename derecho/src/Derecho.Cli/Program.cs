using Derecho.Cli;
using Derecho.Configuration;
using Systems.Cli;

// Derecho's --SECTION/key=value overrides are single tokens System.CommandLine would reject: take them out first.
IReadOnlyList<ConfigurationEntry> overrides;
try
{
    (overrides, args) = DerechoConfiguration.ExtractOverrides(args);
}
catch (ConfigurationException e)
{
    await Console.Error.WriteLineAsync($"derecho: {e.Message}");
    return ExitCode.Usage;
}

var root = CommandHost.CreateRoot("derecho", "Derecho: strongly consistent replicated services with virtual-synchrony membership, atomic multicast and persistent versioned state.");
root.Subcommands.Add(NodeCommand.Create(overrides));
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(LoopbackSinkCommand.Create());
root.Subcommands.Add(LogCommand.Create());
root.Subcommands.Add(KvCommand.Create(overrides));
return await CommandHost.RunAsync(root, args);
