using Popcorn.Emulation;

namespace Popcorn.Tests.Emulation;

/// <summary>
/// Instruction-level differential tests: freestanding rv64gc programs apply instructions to edge values (integer,
/// M, F/D in every rounding mode with fflags, A) and print every result; the emulator must print exactly what
/// qemu-riscv64 prints for the same ELF.
/// </summary>
[Integration]
public sealed class RiscVDifferentialTests
{
    [Theory(Timeout = 240_000)]
    [InlineData("integer")]
    [InlineData("float")]
    [InlineData("atomic")]
    public async Task Instruction_results_match_qemu(string program)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync(program, cancellationToken);
        var expected = await GuestPrograms.RunQemuAsync(elf, Isa.RiscV64, cancellationToken);
        var actual = GuestPrograms.RunEmulated(elf, Isa.RiscV64, cancellationToken: cancellationToken);
        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(expected.ExitCode, actual.ExitCode);
        GuestPrograms.AssertSameOutput(expected.Stdout, actual.Stdout, program);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("x", 37)]
    [InlineData("u", 128 + 4)]
    [InlineData("n", 128 + 11)]
    [InlineData("b", 128 + 5)]
    [InlineData("a", 128 + 7)]
    public async Task Exit_codes_and_faults_are_what_a_shell_sees_under_qemu(string mode, int exitCode)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", cancellationToken);
        var expected = await GuestPrograms.RunQemuAsync(elf, Isa.RiscV64, cancellationToken, mode);
        var actual = GuestPrograms.RunEmulated(elf, Isa.RiscV64, [mode], cancellationToken: cancellationToken);
        Assert.Equal(exitCode, expected.ExitCode);
        Assert.Equal(exitCode, actual.ExitCode);
        Assert.Equal("before\n", actual.Stdout);
    }

    [Fact(Timeout = 120_000)]
    public async Task An_unknown_encoding_names_the_word_the_address_and_the_symbol()
    {
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", TestContext.Current.CancellationToken);
        var symbol = ElfImage.Load(elf).Symbols.Find("undefined_instruction");
        Assert.NotNull(symbol);
        var (code, _, messages, _) = GuestPrograms.RunEmulated(elf, Isa.RiscV64, ["u"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(132, code);
        Assert.Contains("illegal instruction 0x0000707f", messages, StringComparison.Ordinal);
        Assert.Contains($"at 0x{symbol.Value.Address:x} (undefined_instruction)", messages, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_null_store_is_a_segmentation_fault_naming_the_address()
    {
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", TestContext.Current.CancellationToken);
        var (code, _, messages, _) = GuestPrograms.RunEmulated(elf, Isa.RiscV64, ["n"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(139, code);
        Assert.Contains("segmentation fault: write to 0x0 at", messages, StringComparison.Ordinal);
        Assert.Contains("(main+0x", messages, StringComparison.Ordinal);
    }
}
