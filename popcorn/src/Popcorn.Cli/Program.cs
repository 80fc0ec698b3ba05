using Systems.Cli;

var root = CommandHost.CreateRoot("popcorn", "Popcorn: run C programs on emulated aarch64 and riscv64 nodes and migrate their threads between the ISAs while they run.");
root.Subcommands.Add(Popcorn.Cli.CcCommand.Create());
root.Subcommands.Add(Popcorn.Cli.RunCommand.Create());
root.Subcommands.Add(Popcorn.Cli.MigrateCommand.Create());
root.Subcommands.Add(Popcorn.Cli.StackMapsCommand.Create());
root.Subcommands.Add(Popcorn.Cli.DemoCommand.Create());
root.Subcommands.Add(Popcorn.Cli.BenchCommand.Create());
return await CommandHost.RunAsync(root, args);
