using System.Text.Json;

namespace Serval.Tests.Bpf;

/// <summary><c>serval bpf jit-check</c> and <c>serval bpf run</c> as a user runs them: exit codes, reports, JSON.</summary>
public sealed class BpfCommandTests
{
    [Fact(Timeout = 120_000), Integration]
    public async Task Jit_check_exits_0_when_proved_and_1_with_a_counterexample_naming_the_instruction_and_both_results()
    {
        var token = TestContext.Current.CancellationToken;
        var proved = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "jit-check", "--form", "ALU ADD X", "--form", "JMP32 JSLT K", "--json"], token);
        Assert.True(proved.ExitCode == 0, proved.Stdout + proved.Stderr);
        using var json = JsonDocument.Parse(proved.Stdout);
        Assert.Equal(["proved", "proved"], json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("outcome").GetString()));

        var refuted = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "jit-check", "--inject", "alu32-zext", "--form", "ALU SUB X"], token);
        Assert.True(refuted.ExitCode == 1, refuted.Stdout + refuted.Stderr);
        Assert.Contains("ALU SUB X", refuted.Stdout, StringComparison.Ordinal);
        Assert.Contains("COUNTEREXAMPLE", refuted.Stdout, StringComparison.Ordinal);
        Assert.Contains("subw", refuted.Stdout, StringComparison.Ordinal);
        Assert.Contains("eBPF r1 = 0x", refuted.Stdout, StringComparison.Ordinal);
        Assert.Contains("confirmed", refuted.Stdout, StringComparison.Ordinal);

        var unknownBug = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "jit-check", "--inject", "nonsense"], token);
        Assert.Equal(2, unknownBug.ExitCode);
        Assert.Contains("alu32-zext", unknownBug.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task Run_prints_r0_of_a_named_function_and_refuses_an_ambiguous_object()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-cli");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("arith.c"), "v4", token);
        var run = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "run", objectFile, "--function", "divide_signed", "--", "-7", "2"], token);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("divide_signed(0xfffffffffffffff9, 0x2) = 0x2 (2)", run.Stdout, StringComparison.Ordinal); // (-7 / 2) ^ (-7 % 2) = -3 ^ -1
        var ambiguous = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "run", objectFile, "1", "2"], token);
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("several functions", ambiguous.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task Verify_proves_a_checked_map_lookup_and_refutes_an_unchecked_one_with_its_inputs()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("bpf-cli");
        var objectFile = await BpfBuild.CompileAsync(dir, BpfBuild.SamplePath("maps.c"), "v3", token);
        var safe = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "verify", objectFile, "--function", "get", "--args", "1"], token);
        Assert.True(safe.ExitCode == 0, safe.Stdout + safe.Stderr);
        Assert.Contains("get: proved memory-safe", safe.Stdout, StringComparison.Ordinal);
        var unguarded = await ChildProcess.RunDotnetAsync("Serval.Cli", ["bpf", "verify", objectFile, "--function", "get_unchecked", "--args", "1"], token);
        Assert.True(unguarded.ExitCode == 1, unguarded.Stdout + unguarded.Stderr);
        Assert.Contains("outside every memory region", unguarded.Stdout, StringComparison.Ordinal);
        Assert.Contains("inputs: r1 = 0x", unguarded.Stdout, StringComparison.Ordinal);
        Assert.Contains("confirmed", unguarded.Stdout, StringComparison.Ordinal);
    }
}
