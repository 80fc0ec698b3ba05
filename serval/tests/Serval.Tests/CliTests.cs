namespace Serval.Tests;

public sealed class CliTests() : CliConventionTests("Serval.Cli", "serval");
