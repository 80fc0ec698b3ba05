using Popcorn.Emulation;

namespace Popcorn.Tests.Emulation;

/// <summary>
/// Corpus programs built by <c>popcorn cc</c> run on the riscv64 emulator and print exactly what the same
/// <c>out.riscv64</c> prints under qemu-riscv64. The default tier covers each sample at one optimization level;
/// <see cref="Every_sample_at_every_level_matches_qemu"/> widens it to all of them.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string, int> DefaultTier => new()
    {
        { "arith", 0 }, { "structs", 2 }, { "strings", 1 }, { "npb_is", 2 }, { "npb_cg", 1 },
    };

    public static TheoryData<string, int> Everything
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var file in Directory.GetFiles(GuestPrograms.SamplesDirectory, "*.c").Order(StringComparer.Ordinal))
            {
                var sample = Path.GetFileNameWithoutExtension(file);
                if (sample != "threads")
                {
                    foreach (var level in new[] { 0, 1, 2 })
                    {
                        data.Add(sample, level);
                    }
                }
            }
            return data;
        }
    }

    [Integration]
    [Theory(Timeout = 300_000)]
    [MemberData(nameof(DefaultTier))]
    public Task Samples_match_qemu(string sample, int level) => AssertMatchesQemuAsync(sample, level, TestContext.Current.CancellationToken);

    [Slow]
    [Theory(Timeout = 600_000)]
    [MemberData(nameof(Everything))]
    public Task Every_sample_at_every_level_matches_qemu(string sample, int level) =>
        AssertMatchesQemuAsync(sample, level, TestContext.Current.CancellationToken);

    [Integration]
    [Fact(Timeout = 300_000)]
    public Task Threads_with_mutexes_conditions_and_a_barrier_give_the_right_answer_and_replay_exactly() => Task.Run(() =>
    {
        var binary = GuestPrograms.BuildSample("threads", 2);
        const string Expected = "queue total 9230000 joined 6 main consumed 0\nranges sum 457068571\n";
        var first = GuestPrograms.RunEmulated(binary, Isa.RiscV64, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(Expected, first.Stdout);
        Assert.Equal(9, first.Report.Threads);
        var again = GuestPrograms.RunEmulated(binary, Isa.RiscV64, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(first.Report.TotalRetired, again.Report.TotalRetired);
        var fine = GuestPrograms.RunEmulated(binary, Isa.RiscV64, scheduler: new SchedulerOptions(Quantum: 997),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Expected, fine.Stdout);
    }, TestContext.Current.CancellationToken);

    private static async Task AssertMatchesQemuAsync(string sample, int level, CancellationToken cancellationToken)
    {
        var binary = GuestPrograms.BuildSample(sample, level);
        var elf = binary + ".riscv64";
        var expected = await GuestPrograms.RunQemuAsync(elf, Isa.RiscV64, cancellationToken);
        var actual = GuestPrograms.RunEmulated(binary, Isa.RiscV64, cancellationToken: cancellationToken);
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        GuestPrograms.AssertSameOutput(expected.Stdout, actual.Stdout, $"{sample} -O{level}");
        Assert.True(actual.Messages.Length == 0, actual.Messages);
    }
}
