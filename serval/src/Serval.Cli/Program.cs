using Systems.Cli;

var root = CommandHost.CreateRoot("serval", "Serval: automated verification of low-level systems code by symbolic evaluation of instruction-set interpreters over SMT solvers.");
root.Subcommands.Add(Serval.Cli.VerifyCommand.Create());
root.Subcommands.Add(Serval.Cli.MutantsCommand.Create());
root.Subcommands.Add(Serval.Cli.DemoCommand.Create());
root.Subcommands.Add(Serval.Cli.SmtCommand.Create());
root.Subcommands.Add(Serval.Cli.BpfCommand.Create());
return await CommandHost.RunAsync(root, args);
