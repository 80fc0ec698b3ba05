using Serval.Binary;
using Serval.Symbolic;
using Serval.Verification;

namespace Serval.Tests.Toymon;

/// <summary>The tutorial's monitor, built by real compilers, proved; its exercises and mutants refuted.</summary>
public sealed class ToymonTests
{
    private static string Sources => Path.Combine(RepositoryRoot(), "serval", "samples", "toymon");

    [Fact(Timeout = 120_000), Integration]
    public async Task Cli_proves_the_gcc_O0_monitor_then_answers_from_the_cache()
    {
        var token = TestContext.Current.CancellationToken;
        using var cache = new TempDirectory("toymon-cache");
        var first = await ChildProcess.RunDotnetAsync("Serval.Cli", ["verify", "toymon", "--cache-dir", cache.Path, "--jobs", "2"], token, RepositoryRoot());
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("6/6 checks proved", first.Stdout, StringComparison.Ordinal);
        var second = await ChildProcess.RunDotnetAsync("Serval.Cli", ["verify", "toymon", "--cache-dir", cache.Path, "--json"], token, RepositoryRoot());
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(6, second.Stdout.Split("\"cached\": true").Length - 1);
    }

    [Theory(Timeout = 120_000), Integration]
    [InlineData(InjectedBug.Bounds, "dict_get refinement", new[] { "not in bounds of dictionary", "monitor.c:", "current_user = [0x", "^ undefined behaviour" })]
    [InlineData(InjectedBug.LostStore, "dict_set refinement", new[] { "refinement fails", "dictionary[", "implementation: ", "specification:  " })]
    [InlineData(InjectedBug.Leak, "dict_get confidentiality", new[] { "step consistency fails", "result in a0", "s1.dictionary", "s2.dictionary", "replay of state 2" })]
    public void Each_tutorial_exercise_is_caught_with_its_kind_of_report(InjectedBug bug, string failingCheck, string[] reportContains)
    {
        using var cache = new TempDirectory("toymon-inject");
        var results = Verify(ToymonBuild.Build(Sources, Compiler.Gcc, 0, bug, cache.Path), TestContext.Current.CancellationToken);
        var failed = Assert.Single(results, r => r.Name == failingCheck);
        Assert.Equal(VerifyOutcome.Counterexample, failed.Outcome);
        foreach (var text in reportContains)
        {
            Assert.Contains(text, failed.Report, StringComparison.Ordinal);
        }
        Assert.Contains(results, r => r.Name == "boot invariants" && r.Outcome == VerifyOutcome.Proved);
    }

    [Theory(Timeout = 120_000), Integration]
    [InlineData("monitor.c", "if ((unsigned long)user < MAXUSER)", "if ((unsigned long)user <= MAXUSER)")]
    [InlineData("entry.S", "addi t0, t0, 4 ", "addi t0, t0, 2 ")]
    public void Source_mutants_are_refuted(string file, string original, string mutant) =>
        AssertRefuted(file, original, mutant, Compiler.Gcc, 0, TestContext.Current.CancellationToken);

    [Theory(Timeout = 300_000), Slow]
    [InlineData("monitor.c", "current_user = user;", "current_user = user + 1;")]
    [InlineData("monitor.c", "return dictionary[current_user];\n    return -1;\n#endif", "return dictionary[current_user];\n    return 0;\n#endif")]
    [InlineData("monitor.c", "    if (current_user < MAXUSER) {", "    if (current_user <= MAXUSER) {")]
    [InlineData("main.c", "dictionary[i] = 0;", "dictionary[i] = i;")]
    [InlineData("main.c", "for (i = 0; i < MAXUSER; i++)", "for (i = 1; i < MAXUSER; i++)")]
    [InlineData("main.c", "return -ENOSYS;", "return 0;")]
    [InlineData("entry.S", "    ld a5, 64(sp)\n", "")]
    [InlineData("entry.S", "csrw mtvec, t0", "csrw mtvec, zero")]
    [InlineData("monitor.h", "#define MAXUSER 4", "#define MAXUSER 5")]
    public void More_source_mutants_are_refuted(string file, string original, string mutant) =>
        AssertRefuted(file, original, mutant, Compiler.Gcc, 0, TestContext.Current.CancellationToken);

    [Theory(Timeout = 300_000), Slow]
    [InlineData(Compiler.Gcc, 1)]
    [InlineData(Compiler.Gcc, 2)]
    [InlineData(Compiler.Clang, 0)]
    [InlineData(Compiler.Clang, 1)]
    [InlineData(Compiler.Clang, 2)]
    public void Other_compilers_and_levels_are_proved(Compiler compiler, int level)
    {
        using var cache = new TempDirectory("toymon-levels");
        var results = Verify(ToymonBuild.Build(Sources, compiler, level, InjectedBug.None, cache.Path), TestContext.Current.CancellationToken);
        Assert.All(results, r => Assert.True(r.Outcome == VerifyOutcome.Proved, $"{r.Name}: {r.Outcome}\n{r.Report}"));
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task Inject_with_elf_is_a_usage_error_and_a_bad_elf_is_named()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("toymon-bad");
        var bad = dir.Combine("garbage.elf");
        await File.WriteAllTextAsync(bad, "not an executable", token);
        var both = await ChildProcess.RunDotnetAsync("Serval.Cli", ["verify", "toymon", "--elf", bad, "--inject", "bounds"], token);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--elf", both.Stderr, StringComparison.Ordinal);
        var model = await ChildProcess.RunDotnetAsync("Serval.Cli", ["verify", "toymon", "--elf", bad, "--memory", "banked"], token);
        Assert.Equal(2, model.ExitCode);
        Assert.Contains("unknown memory model 'banked'", model.Stderr, StringComparison.Ordinal);
        foreach (var target in new[] { "toymon", "toyrisc" })
        {
            var negative = await ChildProcess.RunDotnetAsync("Serval.Cli", ["verify", target, "--elf", bad, "--timeout", "-1"], token);
            Assert.Equal(2, negative.ExitCode);
            Assert.Contains("--timeout must be a positive number of seconds", negative.Stderr, StringComparison.Ordinal);
        }
        var garbage = await ChildProcess.RunDotnetAsync("Serval.Cli", ["verify", "toymon", "--elf", bad], token);
        Assert.Equal(2, garbage.ExitCode);
        Assert.Contains("garbage.elf is not an ELF file", garbage.Stderr, StringComparison.Ordinal);
        var error = Assert.Throws<BadElfException>(() => ElfImage.Load(dir.Combine("missing.elf")));
        Assert.Contains("missing.elf", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000), Integration]
    public async Task A_compiler_that_is_not_installed_is_named_not_a_stack_trace()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("toymon-no-compiler");
        var environment = new Dictionary<string, string?> { ["PATH"] = dir.Path };
        foreach (string[] arguments in (string[][])[["mutants", "toymon", "--limit", "1"], ["verify", "toymon", "--cc", "clang", "--cache-dir", dir.Path]])
        {
            await using var child = ChildProcess.StartDotnet("Serval.Cli", arguments, environment: environment);
            child.StandardInput.Close();
            Assert.Equal(2, await child.WaitForExitAsync(token));
            Assert.Contains("it is not installed or not on PATH", child.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", child.StandardError, StringComparison.Ordinal);
        }
    }

    private static void AssertRefuted(string file, string original, string mutant, Compiler compiler, int level, CancellationToken token)
    {
        using var dir = new TempDirectory("toymon-mutant");
        foreach (var source in Directory.GetFiles(Sources))
        {
            File.Copy(source, Path.Combine(dir.Path, Path.GetFileName(source)));
        }
        var path = Path.Combine(dir.Path, file);
        var text = File.ReadAllText(path);
        Assert.Contains(original, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(original, mutant, StringComparison.Ordinal));
        var results = Verify(ToymonBuild.Build(dir.Path, compiler, level, InjectedBug.None, dir.Combine("cache")), token);
        Assert.DoesNotContain(results, r => r.Outcome == VerifyOutcome.Unknown && !r.Report.StartsWith("cannot verify", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Outcome != VerifyOutcome.Proved);
    }

    private static IReadOnlyList<CheckResult> Verify(string elf, CancellationToken token)
    {
        var monitor = new Verification.Toymon(ElfImage.Load(elf));
        return Verifier.Run(monitor.Image, monitor.Checks(), new VerifierOptions(2, null), token);
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..", ".."));
}
