namespace Serval.RiscV;

/// <summary>
/// Serval's symbolic optimizations ("symopts"), each switchable so that the profiler can show what it saves. None
/// changes what is proved; they change how the interpreter's paths and terms are shaped.
/// </summary>
/// <param name="SplitPc">On: a branch on a symbolic condition forks the path, so every path has a concrete PC.
/// Off: the paths are merged after every step into one state whose registers, CSRs and memory are if-then-else
/// terms over the path conditions, and the PC a guarded set (as Rosette evaluates without <c>split-pc</c>).</param>
/// <param name="SplitCases">On: a load or store at a symbolic offset into a region forks one path per aligned
/// position (each with a concrete offset), plus the out-of-bounds case. Off: one path that reads an if-then-else
/// over the positions and writes every position under its condition.</param>
/// <param name="KillJalrMask">On: <c>jalr</c> jumps to <c>rs1 + imm</c> and records a bug if that is odd (so the
/// mask is a no-op wherever the bug is refuted). Off: the target is <c>(rs1 + imm) &amp; ~1</c> as the ISA says.</param>
public sealed record SymbolicOptions(bool SplitPc = true, bool SplitCases = false, bool KillJalrMask = true)
{
    /// <summary>The defaults: split-pc on, split-cases off, the jalr mask killed.</summary>
    public static SymbolicOptions Default { get; } = new();

    /// <inheritdoc />
    public override string ToString() =>
        $"split-pc {(SplitPc ? "on" : "off")}, split-cases {(SplitCases ? "on" : "off")}, jalr mask {(KillJalrMask ? "killed" : "kept")}";
}
