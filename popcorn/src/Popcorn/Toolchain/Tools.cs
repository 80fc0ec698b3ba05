namespace Popcorn.Toolchain;

/// <summary>The Debian LLVM 19 tools the toolchain drives.</summary>
internal static class Tools
{
    public const string Clang = "clang-19";
    public const string Llc = "llc-19";
    public const string LlvmLink = "llvm-link-19";
    public const string LlvmDis = "llvm-dis-19";
    public const string Lld = "ld.lld-19";

    /// <summary>
    /// The options that make clang's IR alignable and identical in meaning on every ISA: one section per function
    /// and object, a frame pointer everywhere, no vectorization, unsigned <c>char</c>, no FP contraction, no sibling
    /// calls, inline atomics, static local-exec TLS, DWARF 4.
    /// </summary>
    public static IReadOnlyList<string> AlignableOptions { get; } =
    [
        "-g", "-gdwarf-4", "-fno-common", "-ffunction-sections", "-fdata-sections", "-funsigned-char", "-ffp-contract=off",
        "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-fno-vectorize", "-fno-slp-vectorize",
        "-fno-optimize-sibling-calls", "-mno-outline-atomics", "-fno-pic", "-fno-pie", "-ftls-model=local-exec",
        "-fno-math-errno", "-fno-stack-protector", "-fno-jump-tables", "-funwind-tables", "-nostdlibinc",
    ];

    /// <summary>The llc options shared by every ISA for code built at <paramref name="optimizationLevel"/>.</summary>
    /// <remarks>From -O1 up, the basic register allocator: the greedy one splits a value's live range into a
    /// register and a spill slot, names the register in the stack map and reads the slot after the call.</remarks>
    public static IReadOnlyList<string> LlcOptions(int optimizationLevel) =>
        optimizationLevel >= 1 ? [.. LlcCommon, "-regalloc=basic"] : LlcCommon;

    private static IReadOnlyList<string> LlcCommon { get; } =
        ["-function-sections", "-data-sections", "-relocation-model=static", "-filetype=obj", "-fast-isel=false",
         // Nothing may keep a constant or an address in a register across a call behind the stack maps' back.
         "-disable-machine-licm", "-disable-postra-machine-licm", "-disable-machine-cse", "-disable-constant-hoisting", "-disable-cgp-branch-opts",
         // Loop strength reduction makes new induction variables after the stack maps are placed (a counter kept
         // one ahead of the recorded one lives across the call unrecorded).
         "-disable-lsr",
         // A callee-saved register's first use costs a save and a restore on every call of the function: riscv64 then
         // spills around a migration point's out-of-line trap call as aarch64 does (AArch64's own value, 5).
         "-regalloc-csr-first-time-cost=5"];
}
