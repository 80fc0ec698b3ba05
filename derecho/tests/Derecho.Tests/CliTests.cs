namespace Derecho.Tests;

public sealed class CliTests() : CliConventionTests("Derecho.Cli", "derecho");
