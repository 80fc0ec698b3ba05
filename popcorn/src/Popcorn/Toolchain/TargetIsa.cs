namespace Popcorn.Toolchain;

/// <summary>The instruction sets a multi-ISA binary carries.</summary>
public enum TargetIsa
{
    /// <summary>AArch64 (ARMv8-A), little-endian, LP64.</summary>
    Aarch64,

    /// <summary>RISC-V RV64GC with the lp64d ABI.</summary>
    Riscv64,
}

/// <summary>Names, triples and code-generation options of each <see cref="TargetIsa"/>.</summary>
public static class TargetIsas
{
    /// <summary>Every ISA, in the order the toolchain builds them.</summary>
    public static IReadOnlyList<TargetIsa> All { get; } = [TargetIsa.Aarch64, TargetIsa.Riscv64];

    /// <summary>The lower-case name used in file suffixes and on the command line: <c>aarch64</c>, <c>riscv64</c>.</summary>
    public static string Name(this TargetIsa isa) => isa switch
    {
        TargetIsa.Aarch64 => "aarch64",
        TargetIsa.Riscv64 => "riscv64",
        _ => throw new ArgumentOutOfRangeException(nameof(isa)),
    };

    /// <summary>Parses <c>aarch64</c> or <c>riscv64</c> (case-insensitive); null for anything else.</summary>
    public static TargetIsa? Parse(string name) => name.ToLowerInvariant() switch
    {
        "aarch64" or "arm64" => TargetIsa.Aarch64,
        "riscv64" or "rv64" or "rv64gc" => TargetIsa.Riscv64,
        _ => null,
    };

    /// <summary>The LLVM target triple.</summary>
    internal static string Triple(this TargetIsa isa) => isa == TargetIsa.Aarch64 ? "aarch64-unknown-linux-gnu" : "riscv64-unknown-linux-gnu";

    /// <summary>The LLVM data layout the backend of <paramref name="isa"/> uses.</summary>
    internal static string DataLayout(this TargetIsa isa) => isa == TargetIsa.Aarch64
        ? "e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128-Fn32"
        : "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128";

    /// <summary>The function attribute <c>target-features</c> the IR carries when lowered for <paramref name="isa"/>.</summary>
    internal static string TargetFeatures(this TargetIsa isa) => isa == TargetIsa.Aarch64
        ? "+fp-armv8,+neon,+v8a,-fmv,-outline-atomics"
        : "+64bit,+a,+c,+d,+f,+m,+zicsr,+zifencei,-relax";

    /// <summary>
    /// The register that holds the address of the migration flag in every thread: aarch64's x28, reserved from
    /// allocation (<c>+reserve-x28</c>; callee-saved, so the cross libgcc preserves it), riscv64's gp, which the
    /// backend never allocates and which nothing else uses without linker relaxation (off in the code generator and
    /// in the link). The runtime's <c>_start</c> sets it, <c>clone</c> copies it, and stack transformation carries it
    /// to the other ISA's register. A migration point is then a load through it and a branch (<c>ldr w8, [x28]; cbnz</c>,
    /// <c>lw a0, 0(gp); bnez</c>) instead of building the flag's address first.
    /// </summary>
    internal static string FlagAddressRegister(this TargetIsa isa) => isa == TargetIsa.Aarch64 ? "x28" : "gp";

    /// <summary>The options llc needs for <paramref name="isa"/> beyond the triple.</summary>
    internal static IReadOnlyList<string> LlcOptions(this TargetIsa isa) => isa == TargetIsa.Aarch64
        ? ["-mattr=+fp-armv8,+neon,-outline-atomics,+reserve-x28", "-code-model=small"]
        : ["-mattr=+m,+a,+f,+d,+c,+zicsr,+zifencei,-relax", "-target-abi=lp64d", "-code-model=medium"];

    /// <summary>The clang options that compile ISA-specific runtime files (start-up, system calls) for <paramref name="isa"/>.</summary>
    internal static IReadOnlyList<string> ClangTargetOptions(this TargetIsa isa) => isa == TargetIsa.Aarch64
        ? ["--target=aarch64-linux-gnu", "-mno-outline-atomics", "-ffixed-x28"]
        : ["--target=riscv64-linux-gnu", "-march=rv64gc", "-mabi=lp64d", "-mno-relax", "-mcmodel=medany", "-msmall-data-limit=0"];

    /// <summary>The cross <c>libgcc.a</c> that supplies the helpers only one ISA needs (128-bit integers, fp128).</summary>
    internal static string LibGcc(this TargetIsa isa) => isa == TargetIsa.Aarch64
        ? "/usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a"
        : "/usr/lib/gcc-cross/riscv64-linux-gnu/12/libgcc.a";

    /// <summary>The ELF <c>e_machine</c> value.</summary>
    internal static ushort ElfMachine(this TargetIsa isa) => isa == TargetIsa.Aarch64 ? (ushort)183 : (ushort)243;
}
