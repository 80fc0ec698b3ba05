using System.Text.RegularExpressions;

namespace Popcorn.Tests;

/// <summary><c>popcorn demo</c> runs the sample on both nodes and then migrating between them, for real.</summary>
[Integration]
public sealed partial class DemoCommandTests
{
    [Fact(Timeout = 300_000)]
    public async Task The_demo_migrates_the_sample_and_its_output_does_not_change()
    {
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["demo"], TestContext.Current.CancellationToken,
            RepositoryPaths.Root);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("== both nodes printed the same output", stdout, StringComparison.Ordinal);
        Assert.Contains("== the migrating run printed exactly what the unmigrated run printed", stdout, StringComparison.Ordinal);
        var migrations = MigrationCount().Match(stdout);
        Assert.True(migrations.Success, stdout);
        Assert.True(int.Parse(migrations.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 10, migrations.Value);
    }

    [GeneratedRegex(@"popcorn: migrations: (\d+) \(0 refused\)")]
    private static partial Regex MigrationCount();
}
