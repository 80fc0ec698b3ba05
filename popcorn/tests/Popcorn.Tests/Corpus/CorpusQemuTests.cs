using Popcorn.Toolchain;

namespace Popcorn.Tests.Corpus;

/// <summary>
/// Every corpus program, built at -O0, -O1 and -O2, runs under qemu-aarch64 and qemu-riscv64 from its aligned
/// per-ISA ELFs, and both print the expected output; both symbol tables agree address by address.
/// </summary>
public sealed class CorpusQemuTests
{
    public static TheoryData<string, int> EverySampleAndLevel
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var sample in CorpusBuilds.Samples)
            {
                foreach (var level in new[] { 0, 1, 2 })
                {
                    data.Add(sample, level);
                }
            }
            return data;
        }
    }

    [Integration]
    [Theory(Timeout = 300_000)]
    [MemberData(nameof(EverySampleAndLevel))]
    public async Task Both_isas_print_the_expected_output_under_qemu(string sample, int level)
    {
        var build = CorpusBuilds.Get(sample, level);
        var token = TestContext.Current.CancellationToken;
        var aarch64 = await ChildProcess.RunAsync("qemu-aarch64", [build.Aarch64], token);
        var riscv64 = await ChildProcess.RunAsync("qemu-riscv64", [build.Riscv64], token);
        Assert.True(aarch64.ExitCode == 0, $"{sample} -O{level} on qemu-aarch64 exited {aarch64.ExitCode}: {aarch64.Stderr}");
        Assert.True(riscv64.ExitCode == 0, $"{sample} -O{level} on qemu-riscv64 exited {riscv64.ExitCode}: {riscv64.Stderr}");
        Assert.Equal(aarch64.Stdout, riscv64.Stdout);
        Assert.Equal(build.ExpectedOutput, aarch64.Stdout);
    }

    [Integration]
    [Theory(Timeout = 300_000)]
    [MemberData(nameof(EverySampleAndLevel))]
    public Task Every_symbol_both_isas_define_has_the_same_address(string sample, int level) =>
        Task.Run(() => AssertAligned(CorpusBuilds.Get(sample, level)), TestContext.Current.CancellationToken);

    private static void AssertAligned(CorpusBuild build)
    {
        var a = ElfSymbolTable.Read(build.Aarch64);
        var r = ElfSymbolTable.Read(build.Riscv64);
        Assert.Equal((ushort)183, a.Machine);
        Assert.Equal((ushort)243, r.Machine);
        var riscv = r.Symbols.GroupBy(s => (s.Scope, s.Name, s.Kind)).ToDictionary(g => g.Key, g => g.Select(s => s.Value).Order().ToList());
        var compared = 0;
        foreach (var group in a.Symbols.GroupBy(s => (s.Scope, s.Name, s.Kind)))
        {
            if (!riscv.TryGetValue(group.Key, out var addresses))
            {
                continue;
            }
            Assert.True(group.Select(s => s.Value).Order().SequenceEqual(addresses),
                $"{group.Key.Scope}:{group.Key.Name} is at {string.Join(",", group.Select(s => $"0x{s.Value:x}"))} on aarch64 but {string.Join(",", addresses.Select(v => $"0x{v:x}"))} on riscv64");
            compared++;
        }
        // main, the runtime's entry points and the sample's own functions and globals are all common.
        Assert.True(compared >= 40, $"only {compared} common symbols");
        foreach (var name in new[] { "main", "_start", "__pc_start_c", "exit", "__pc_syscall" })
        {
            Assert.Contains(a.Symbols, s => s.Name == name);
            Assert.Contains(r.Symbols, s => s.Name == name);
        }
        Assert.True(AlignmentChecker.Check(new Dictionary<TargetIsa, ElfSymbolTable> { [TargetIsa.Aarch64] = a, [TargetIsa.Riscv64] = r }).IsAligned);
    }

    [Integration]
    [Fact(Timeout = 300_000)]
    public async Task The_validator_names_the_symbols_of_binaries_that_are_not_aligned()
    {
        var token = TestContext.Current.CancellationToken;
        var (o0, o2) = await Task.Run(() => (CorpusBuilds.Get("recursion", 0), CorpusBuilds.Get("recursion", 2)), token);
        var report = AlignmentChecker.Check(new Dictionary<TargetIsa, ElfSymbolTable>
        {
            [TargetIsa.Aarch64] = ElfSymbolTable.Read(o0.Aarch64),
            [TargetIsa.Riscv64] = ElfSymbolTable.Read(o2.Riscv64),
        });
        Assert.False(report.IsAligned);
        Assert.Contains(report.Misaligned, m => m.Name == "__pc_start_c");
        Assert.All(report.Misaligned, m => Assert.NotEqual(m.Addresses[TargetIsa.Aarch64], m.Addresses[TargetIsa.Riscv64]));
    }

    [Integration]
    [Fact(Timeout = 300_000)]
    public async Task The_multi_isa_file_embeds_exactly_the_per_isa_executables()
    {
        var build = await Task.Run(() => CorpusBuilds.Get("recursion", 1), TestContext.Current.CancellationToken);
        var binary = MultiIsaBinary.Read(build.MultiIsaPath);
        Assert.Equal([TargetIsa.Aarch64, TargetIsa.Riscv64], binary.Isas);
        Assert.Equal(await File.ReadAllBytesAsync(build.Aarch64, TestContext.Current.CancellationToken), binary.Image(TargetIsa.Aarch64).ToArray());
        Assert.Equal(await File.ReadAllBytesAsync(build.Riscv64, TestContext.Current.CancellationToken), binary.Image(TargetIsa.Riscv64).ToArray());
    }

    [Integration]
    [Fact(Timeout = 300_000)]
    public async Task Samples_take_their_input_size_from_the_first_argument()
    {
        var build = CorpusBuilds.Get("npb_is", 2);
        var token = TestContext.Current.CancellationToken;
        var small = await ChildProcess.RunAsync("qemu-riscv64", [build.Riscv64, "12"], token);
        Assert.Equal(0, small.ExitCode);
        Assert.Contains("keys 4096 max key 128", small.Stdout, StringComparison.Ordinal);
        Assert.Contains("full verification passed", small.Stdout, StringComparison.Ordinal);
    }
}
