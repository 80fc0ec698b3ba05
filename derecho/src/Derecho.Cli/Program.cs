using Systems.Cli;

var root = CommandHost.CreateRoot("derecho", "Derecho: strongly consistent replicated services with virtual-synchrony membership, atomic multicast and persistent versioned state.");
return await CommandHost.RunAsync(root, args);
