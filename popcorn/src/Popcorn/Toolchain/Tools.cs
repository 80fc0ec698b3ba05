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
    /// register and a spill slot, names the register in the stack map and reads the slot after the call. Also from
    /// -O1 up, no CodeGenPrepare: it sinks compares, casts and address computations into the blocks that use them,
    /// past the calls in between, so the stack map records the compare's result while the code after the call
    /// recomputes it from its operands, which then live across the call unrecorded (the printf engine's
    /// 'flags &amp; FLAG_LEFT', fopen's 'plus', a base pointer instead of the element address). At -O0 the IR keeps
    /// every value in its alloca and nothing is refused with CodeGenPrepare on (every corpus program and the runtime),
    /// while turning it off costs npb_is 3 more points of instructions at each migration point: only its branch
    /// optimizations stay off there.</remarks>
    public static IReadOnlyList<string> LlcOptions(int optimizationLevel) =>
        optimizationLevel >= 1 ? [.. LlcCommon, "-disable-cgp", "-regalloc=basic"] : [.. LlcCommon, "-disable-cgp-branch-opts"];

    private static IReadOnlyList<string> LlcCommon { get; } =
        ["-function-sections", "-data-sections", "-relocation-model=static", "-filetype=obj", "-fast-isel=false",
         // Nothing may keep a constant or an address in a register across a call behind the stack maps' back.
         "-disable-machine-licm", "-disable-postra-machine-licm", "-disable-machine-cse", "-disable-constant-hoisting",
         // The redundant copy elimination passes drop 'mov x19, #0' after 'cbz x19' and so rely on a callee-saved
         // register being zero across the calls of the block (fopen's 'return 0' after close()).
         "-aarch64-enable-copyelim=false", "-riscv-enable-copyelim=false",
         // AArch64 runs SimplifyCFG over the IR after the stack maps are placed, hoisting the instructions two
         // successors begin with (a call and its argument) above the branch that chose between them, away from
         // their stack maps (pow at -O0: the hoisted call returned to a compare reading a callee-saved register).
         "-aarch64-enable-atomic-cfg-tidy=false",
         // llc's loop strength reduction would make new induction variables after the stack maps are placed (a
         // counter kept one ahead of the recorded one lives across the call unrecorded); the instrumenter runs it on
         // the IR before placing them instead.
         "-disable-lsr",
         // A callee-saved register's first use costs a save and a restore on every call of the function: riscv64 then
         // spills around a migration point's out-of-line trap call as aarch64 does (AArch64's own value, 5).
         "-regalloc-csr-first-time-cost=5"];
}
