namespace Popcorn.Tests.Emulation.AArch64;

/// <summary>
/// The corpus in <c>popcorn/samples</c>, built by <c>popcorn cc</c> at -O0, -O1 and -O2: the aarch64 ELF prints on the
/// emulator exactly what it prints under qemu-aarch64. Runs above about 50 million instructions are in the Slow tier.
/// </summary>
public class A64CorpusTests
{
    /// <summary>Samples and levels whose runs stay under about 50 million aarch64 instructions.</summary>
    public static TheoryData<string, int> DefaultRuns => Runs(heavy: false);

    /// <summary>The larger runs.</summary>
    public static TheoryData<string, int> HeavyRuns => Runs(heavy: true);

    private static readonly (string Sample, int Level)[] Heavy = [("malloc_heavy", 0), ("npb_cg", 0)];

    private static TheoryData<string, int> Runs(bool heavy)
    {
        var data = new TheoryData<string, int>();
        foreach (var sample in new[] { "arith", "funcptr", "malloc_heavy", "npb_cg", "npb_is", "recursion", "strings", "structs", "varargs" })
        {
            for (var level = 0; level <= 2; level++)
            {
                if (Heavy.Contains((sample, level)) == heavy)
                {
                    data.Add(sample, level);
                }
            }
        }
        return data;
    }

    [Theory(Timeout = 180_000)]
    [Integration]
    [MemberData(nameof(DefaultRuns))]
    public async Task Sample_prints_what_qemu_prints(string sample, int level)
    {
        var ct = TestContext.Current.CancellationToken;
        var elf = A64Programs.BuildSample(sample, level);
        await A64Programs.AssertSameAsQemuAsync(elf, $"{sample} -O{level}", ct);
    }

    [Theory(Timeout = 600_000)]
    [Slow]
    [MemberData(nameof(HeavyRuns))]
    public async Task Large_sample_prints_what_qemu_prints(string sample, int level)
    {
        var ct = TestContext.Current.CancellationToken;
        var elf = A64Programs.BuildSample(sample, level);
        await A64Programs.AssertSameAsQemuAsync(elf, $"{sample} -O{level}", ct);
    }

    /// <summary>
    /// The multi-threaded samples (pthreads, futexes, exclusives): under qemu-user with real host threads these
    /// binaries currently hang, so they are checked for the same output at every level and a clean exit.
    /// </summary>
    [Theory(Timeout = 180_000)]
    [Integration]
    [InlineData("threads")]
    [InlineData("npb_ep")]
    public void Threaded_sample_prints_the_same_at_every_level(string sample)
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = Enumerable.Range(0, 3).Select(level => A64Programs.RunEmulated(A64Programs.BuildSample(sample, level), ct)).ToList();
        foreach (var (result, level) in outputs.Select((r, l) => (r, l)))
        {
            Assert.True(result.ExitCode == 0, $"{sample} -O{level} exited {result.ExitCode}: {result.Messages}");
            A64Programs.AssertSameOutput(outputs[0].Stdout, result.Stdout, $"{sample} -O{level} against -O0");
        }
    }
}
