using Xunit;

namespace Systems.Testing;

/// <summary>
/// The conventions every CLI follows (CONTRIBUTING.md), checked against the real program. A system's test project
/// derives a class from this one, naming its CLI assembly and command, and references the CLI project.
/// </summary>
/// <param name="assemblyName">The CLI's assembly, e.g. <c>Derecho.Cli</c>.</param>
/// <param name="commandName">The command's name, e.g. <c>derecho</c>.</param>
public abstract class CliConventionTests(string assemblyName, string commandName)
{
    /// <summary><c>--version</c> prints a version number and exits 0.</summary>
    [Fact]
    public async Task Version_prints_a_version_and_exits_zero()
    {
        var (code, stdout, _) = await ChildProcess.RunDotnetAsync(assemblyName, ["--version"], TestContext.Current.CancellationToken);
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }

    /// <summary><c>--help</c> names the command and lists its <c>demo</c> subcommand.</summary>
    [Fact]
    public async Task Help_names_the_command_and_lists_demo()
    {
        var (code, stdout, _) = await ChildProcess.RunDotnetAsync(assemblyName, ["--help"], TestContext.Current.CancellationToken);
        Assert.Equal(0, code);
        Assert.Contains(commandName, stdout, StringComparison.Ordinal);
        Assert.Contains("demo", stdout, StringComparison.Ordinal);
    }

    /// <summary>An unknown option is a usage error: exit 2, one line on stderr naming it, nothing on stdout.</summary>
    [Fact]
    public async Task Unknown_option_exits_2_and_names_it_on_stderr()
    {
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync(assemblyName, ["--no-such-option"], TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.Contains("--no-such-option", stderr, StringComparison.Ordinal);
        Assert.StartsWith(commandName + ":", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }
}
