using Serval.Memory;
using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>
/// One eBPF machine state on one path: r0..r10 as 64-bit bitvectors, a concrete instruction index (split-pc: every
/// path has its own), memory, whether the program has exited, and the path's guard.
/// </summary>
public sealed class BpfState : IPathState<BpfState, int>
{
    /// <summary>The number of registers, r0..r10.</summary>
    public const int RegisterCount = 11;

    /// <summary>Creates a state; <paramref name="registers"/> must have 11 entries of 64 bits.</summary>
    public BpfState(BitVec[] registers, IMemory memory, int pc = 0, Bool? guard = null)
    {
        ArgumentNullException.ThrowIfNull(registers);
        if (registers.Length != RegisterCount || registers.Any(r => r.Width != 64))
        {
            throw new ArgumentException("An eBPF state has eleven 64-bit registers.", nameof(registers));
        }
        Registers = registers;
        Memory = memory;
        Pc = pc;
        Guard = guard ?? Bool.True;
    }

    /// <summary>r0..r10.</summary>
    public BitVec[] Registers { get; }

    /// <summary>Memory: the stack below r10, the context, and whatever else the caller laid out.</summary>
    public IMemory Memory { get; }

    /// <summary>The index (slot) of the next instruction.</summary>
    public int Pc { get; set; }

    /// <summary>The path condition under which this state is reached.</summary>
    public Bool Guard { get; set; }

    /// <summary>Whether the program has executed <c>exit</c> (its result is r0).</summary>
    public bool Exited { get; set; }

    /// <summary>Instructions executed on this path.</summary>
    public long Steps { get; set; }

    /// <summary>A copy that evolves independently (used when a path forks).</summary>
    public BpfState Clone() => new([.. Registers], Memory.Clone(), Pc, Guard) { Exited = Exited, Steps = Steps };

    /// <summary>This state with every symbolic initial value replaced by its value in <paramref name="model"/>.</summary>
    public BpfState Concretize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new BpfState([.. Registers.Select(model.Evaluate)], Memory.Concretize(model), Pc, Bool.True) { Exited = Exited, Steps = Steps };
    }
}

/// <summary>
/// The memory an eBPF program sees: the 512-byte stack just below r10 and, optionally, a context block that r1
/// points to, as disjoint regions of Serval's structured model (an access outside them is a bug).
/// </summary>
public static class BpfMemory
{
    /// <summary>The stack size eBPF gives a program.</summary>
    public const ulong StackSize = 512;

    /// <summary>The frame pointer r10: one past the last byte of the stack.</summary>
    public const ulong FramePointer = 0x8000_0000;

    /// <summary>Where the context block starts.</summary>
    public const ulong ContextAddress = 0x1000_0000;

    /// <summary>
    /// A memory with the stack and a context of <paramref name="contextSize"/> bytes (none when 0): their bytes are
    /// symbolic constants named after the region (with <paramref name="prefix"/>), or zero when <paramref name="zeroed"/>.
    /// </summary>
    /// <remarks>Each map of <paramref name="maps"/> adds a region holding its values.</remarks>
    public static StructuredMemory Create(ulong contextSize, bool zeroed, string prefix = "", IReadOnlyList<BpfMap>? maps = null)
    {
        var layouts = new List<RegionLayout> { new("stack", FramePointer - StackSize, RegionLayout.Untyped(StackSize)) };
        if (contextSize > 0)
        {
            layouts.Add(new RegionLayout("ctx", ContextAddress, RegionLayout.Untyped(contextSize)));
        }
        layouts.AddRange((maps ?? []).Select(m => new RegionLayout(m.Name, m.ValuesAddress, RegionLayout.Untyped((ulong)m.ValueSize * m.MaxEntries))));
        return new StructuredMemory(layouts.Select(l => zeroed ? MemoryRegion.Zeroed(l) : MemoryRegion.Symbolic(l, prefix)), (_, _) => null);
    }

    /// <summary>
    /// The state at the start of a program: r1..r5 the arguments (missing ones zero; r1 the context address when
    /// there is a context and no arguments are given), r10 the frame pointer, every other register zero.
    /// </summary>
    public static BpfState Start(IMemory memory, IReadOnlyList<BitVec> arguments, bool hasContext = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count > 5)
        {
            throw new ArgumentException("eBPF passes at most five arguments (r1..r5).", nameof(arguments));
        }
        var registers = Enumerable.Repeat(BitVec.Of(0, 64), BpfState.RegisterCount).ToArray();
        for (var k = 0; k < arguments.Count; k++)
        {
            registers[k + 1] = arguments[k].ZeroExtendTo(64);
        }
        if (hasContext && arguments.Count == 0)
        {
            registers[1] = BitVec.Of(ContextAddress, 64);
        }
        registers[10] = BitVec.Of(FramePointer, 64);
        return new BpfState(registers, memory);
    }
}
