namespace Popcorn.Tests;

public sealed class CliTests() : CliConventionTests("Popcorn.Cli", "popcorn");
