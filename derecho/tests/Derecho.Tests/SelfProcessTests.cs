using System.Diagnostics;
using Derecho.Cli;

namespace Derecho.Tests;

/// <summary>The child processes of the demo and the benchmarks: waiting for a line is bounded.</summary>
public sealed class SelfProcessTests
{
    [Fact(Timeout = 30_000)]
    public async Task A_process_that_exits_while_a_child_holds_its_output_open_ends_the_wait()
    {
        var ct = TestContext.Current.CancellationToken;
        var process = SelfProcess.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "sleep 25 & echo $!; echo oops >&2; exit 3" } });
        var orphan = 0;
        try
        {
            orphan = int.Parse(await process.WaitForLineAsync(_ => true, ct), System.Globalization.CultureInfo.InvariantCulture);
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => process.WaitForLineAsync(l => l == "never", ct));
            Assert.Contains("exited (code 3)", error.Message, StringComparison.Ordinal);
            Assert.Contains("oops", error.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        }
        finally
        {
            await process.DisposeAsync();
            if (orphan > 0)
            {
                Process.GetProcessById(orphan).Kill();
            }
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_live_process_that_prints_nothing_times_out_with_a_clear_error()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = SelfProcess.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec sleep 25" } });
        var error = await Assert.ThrowsAsync<TimeoutException>(() => process.WaitForLineAsync(_ => true, ct, TimeSpan.FromMilliseconds(300)));
        Assert.Contains($"process {process.Id} printed no expected line within 0.3 s", error.Message, StringComparison.Ordinal);
    }
}
