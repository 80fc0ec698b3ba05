using Serval.Verification;

namespace Serval.Tests.Toymon;

/// <summary>Mutation testing of the verifier: mutants refuted with counterexamples that replay, none proved wrongly.</summary>
public sealed class MutationTests
{
    private static string Sources => RepositoryPaths.Combine("serval", "samples", "toymon");

    [Fact]
    public void Every_operator_yields_mutants_that_apply_to_the_sources()
    {
        var mutants = Mutation.Generate(Sources);
        Assert.Equal(["comparison", "constant", "dropped store", "offset"], mutants.Select(m => m.Operator).Distinct().Order());
        Assert.Contains(mutants, m => m.ToString() == "monitor.c:41 comparison '<' -> '<='");
        Assert.Contains(mutants, m => m.ToString() == "monitor.c:32 dropped store 'dictionary[current_user] = value;' -> ';'");
        Assert.DoesNotContain(mutants, m => m.File == "monitor.c" && m.Line is > 15 and < 19); // the exercises' #if branches
        using var dir = new TempDirectory("mutant-apply");
        for (var i = 0; i < mutants.Count; i++)
        {
            Mutation.Apply(Sources, mutants[i], dir.Combine($"m{i}"));
        }
    }

    [Theory(Timeout = 180_000), Integration]
    [InlineData("monitor.c:29 comparison '<' -> '<='", MutantVerdict.Killed)]         // out of bounds of dictionary
    [InlineData("entry.S:30 dropped store 'sd a5, 64(sp)' -> 'nop'", MutantVerdict.Killed)]
    [InlineData("main.c:28 constant '3UL' -> '2UL'", MutantVerdict.Equivalent)]       // csrc of MPP's high bit alone, then csrs 01
    public void A_subset_of_mutants_is_killed_or_recognised_as_equivalent(string mutant, MutantVerdict expected)
    {
        using var work = new TempDirectory("mutants");
        var result = Mutation.Run(Sources, Mutation.Generate(Sources).Single(m => m.ToString() == mutant), Compiler.Gcc, 0, work.Path,
            new VerifierOptions(2, null), randomTests: 16, TestContext.Current.CancellationToken);
        Assert.True(result.Verdict == expected, $"{result.Verdict}: {result.Detail}");
    }

    [Fact(Timeout = 3_600_000), Slow]
    public void Every_mutant_is_killed_or_equivalent_and_none_is_proved_wrongly()
    {
        using var work = new TempDirectory("mutants-all");
        var results = Mutation.Generate(Sources).Select(m => Mutation.Run(Sources, m, Compiler.Gcc, 0, work.Path,
            new VerifierOptions(2, null), randomTests: 64, TestContext.Current.CancellationToken)).ToList();
        TestContext.Current.SendDiagnosticMessage($"mutation score {Mutation.Score(results):P1} over {results.Count} mutants");
        Assert.All(results, r => Assert.True(r.Verdict is MutantVerdict.Killed or MutantVerdict.Equivalent or MutantVerdict.Stillborn,
            $"{r.Mutant}: {r.Verdict} {r.Detail}"));
    }
}
