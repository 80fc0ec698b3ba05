using Systems.Cli;

var root = CommandHost.CreateRoot("serval", "Serval: automated verification of low-level systems code by symbolic evaluation of instruction-set interpreters over SMT solvers.");
return await CommandHost.RunAsync(root, args);
