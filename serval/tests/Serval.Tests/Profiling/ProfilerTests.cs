using System.Text.Json;
using Serval.Profiling;
using Serval.Symbolic;

namespace Serval.Tests.Profiling;

[CollectionDefinition(nameof(ProfilerCollection), DisableParallelization = true)]
public sealed class ProfilerCollection;

[Collection(nameof(ProfilerCollection))]
public sealed class ProfilerTests
{
    [Fact]
    public void Counts_terms_merges_and_unions_per_call_site()
    {
        using var profiler = Profiler.Start();
        BuildTerms();
        var c = Bool.Fresh("pc");
        var merged = Sym.If(c, () => Union.Of("a"), () => Union.Of("b"));
        profiler.Dispose();
        Assert.Equal(2, merged.Count);
        var build = profiler.Entries.Single(e => e.Site.StartsWith(nameof(BuildTerms), StringComparison.Ordinal));
        Assert.Equal(1, build.Calls);
        Assert.True(build.TermsCreated >= 10, $"{build.TermsCreated} terms");
        var branch = profiler.Entries.Single(e => e.Site.StartsWith(nameof(Counts_terms_merges_and_unions_per_call_site), StringComparison.Ordinal)
            && e.Merges > 0);
        Assert.Equal(1, branch.Merges);
        Assert.Equal(1, branch.Unions);
        Assert.Equal(2, branch.MaxUnionSize);
        Assert.Contains("ProfilerTests.cs", profiler.ToTable(), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(profiler.ToJson());
        Assert.Contains(json.RootElement.EnumerateArray(), e => e.GetProperty("merges").GetInt64() == 1);
    }

    [Fact]
    public void Only_one_profiler_runs_at_a_time()
    {
        using var profiler = Profiler.Start();
        Assert.Throws<InvalidOperationException>(Profiler.Start);
    }

    private static void BuildTerms()
    {
        using var region = Profiler.Region();
        var x = BitVec.Fresh("prof", 32);
        for (var i = 1; i <= 10; i++)
        {
            x = x * BitVec.Of((ulong)i + 1, 32) + BitVec.Of((ulong)i, 32);
        }
    }
}
