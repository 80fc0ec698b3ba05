using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;

namespace Popcorn.Tests.Emulation.AArch64;

/// <summary>
/// Instruction-level differential tests: freestanding programs that run every instruction class over edge values
/// (and, for floating point, every FPCR rounding mode and default-NaN) print their results and FPSR flags; the
/// emulator must print exactly what qemu-aarch64 prints for the same ELF.
/// </summary>
public class A64DifferentialTests
{
    public static TheoryData<string, int> DefaultPrograms => new()
    {
        { "integer", 0 }, { "integer", 2 }, { "float", 2 }, { "system", 0 }, { "system", 2 },
    };

    public static TheoryData<string, int> WiderPrograms => new()
    {
        { "integer", 1 }, { "float", 0 }, { "float", 1 }, { "system", 1 },
    };

    [Theory(Timeout = 120_000)]
    [Integration]
    [MemberData(nameof(DefaultPrograms))]
    public async Task Program_prints_what_qemu_prints(string program, int level)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = await A64Programs.BuildFreestandingAsync(program, level, ct);
        var result = await A64Programs.AssertSameAsQemuAsync(path, $"{program}.c -O{level}", ct);
        Assert.True(result.Retired > 10_000, $"{program} retired only {result.Retired} instructions");
    }

    [Theory(Timeout = 300_000)]
    [Slow]
    [MemberData(nameof(WiderPrograms))]
    public async Task Program_prints_what_qemu_prints_at_other_levels(string program, int level)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = await A64Programs.BuildFreestandingAsync(program, level, ct);
        await A64Programs.AssertSameAsQemuAsync(path, $"{program}.c -O{level}", ct);
    }

    [Fact(Timeout = 60_000)]
    [Integration]
    public async Task Results_do_not_depend_on_the_scheduling_quantum()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = await A64Programs.BuildFreestandingAsync("system", 2, ct);
        var whole = A64Programs.RunEmulated(path, ct);
        var sliced = A64Programs.RunEmulated(path, ct, quantum: 7);
        Assert.Equal(whole.Stdout, sliced.Stdout);
        // Every switch clears the exclusive monitor, so some store-exclusives fail and their loops retry.
        Assert.True(sliced.Retired >= whole.Retired, $"{sliced.Retired} < {whole.Retired}");
    }

    [Fact(Timeout = 60_000)]
    [Integration]
    public async Task Unknown_instruction_stops_the_thread_naming_word_address_and_symbol()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory("popcorn-a64-udf");
        var source = temp.Combine("udf.c");
        await File.WriteAllTextAsync(source, "void _start(void) { __asm__ volatile(\"nop\\n.inst 0x00c0ffee\"); }\n", ct);
        var elf = temp.Combine("udf");
        var (code, _, stderr) = await ChildProcess.RunAsync("clang-19",
            ["--target=aarch64-linux-gnu", "-O1", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld", "-o", elf, source], ct);
        Assert.True(code == 0, stderr);
        var result = A64Programs.RunEmulated(elf, ct);
        Assert.Equal(128 + 4, result.ExitCode);
        Assert.Contains("0x00c0ffee", result.Messages, StringComparison.Ordinal);
        Assert.Contains("_start+0x4", result.Messages, StringComparison.Ordinal);
        var start = ElfImage.Load(elf).Symbols.Find("_start")!.Value.Address;
        Assert.Contains($"0x{start + 4:x}", result.Messages, StringComparison.Ordinal);
    }

    [Fact]
    public void State_clone_is_deep_and_syscall_registers_follow_the_abi()
    {
        var state = new A64State { ProgramCounter = 0x1000, StackPointer = 0x8000, ThreadPointer = 0x9000, Fpcr = 1UL << 25 };
        state.SetX(8, 64);
        state.SetX(0, 1);
        state.SetX(31, 123); // XZR: discarded
        state.SetVector(3, 1, 2);
        var copy = (A64State)state.Clone();
        state.SetX(0, 5);
        state.SetVector(3, 7, 7);
        Assert.Equal((64L, 1UL, 0UL, (1UL, 2UL)), (copy.SystemCallNumber, copy.GetSystemCallArgument(0), copy.GetX(31), copy.GetVector(3)));
        Assert.Equal((0x1000UL, 0x8000UL, 0x9000UL, 1UL << 25), (copy.ProgramCounter, copy.StackPointer, copy.ThreadPointer, copy.Fpcr));
        copy.SetSystemCallResult(-38);
        Assert.Equal(unchecked((ulong)-38L), copy.GetX(0));
    }
}
