using Serval.Memory;
using Serval.Profiling;
using Serval.RiscV;
using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>The outcome of running an eBPF program to the end of every path.</summary>
/// <param name="Finals">The state of each path at <c>exit</c>, each with its guard (the result is r0).</param>
/// <param name="Bugs">The undefined behaviours found on the way; a bug's <see cref="Bug.Pc"/> is the instruction's index.</param>
public sealed record BpfExecution(IReadOnlyList<BpfState> Finals, IReadOnlyList<Bug> Bugs);

/// <summary>A model of a helper function (<c>call imm</c>): it reads the state (r1..r5, memory) and returns r0.</summary>
public delegate BitVec BpfHelper(BpfState state, List<MemoryFault> faults);

/// <summary>
/// The eBPF interpreter, written once over symbolic values: ALU and ALU64 (including the v4 signed division and
/// modulo, sign-extending moves and byte swaps), JMP and JMP32, LDX/ST/STX of 1, 2, 4 and 8 bytes (and sign-extending
/// loads), LD_IMM64, and the atomic operations. On concrete state it is an emulator; on symbolic state a branch on a
/// symbolic condition forks the path (split-pc) and every memory access records its in-bounds condition as a bug to
/// refute. Helper calls go to <see cref="Helpers"/>; anything it cannot model stops with
/// <see cref="UnsupportedInstructionException"/> naming the instruction and its index.
/// </summary>
public sealed class BpfInterpreter
{
    private readonly IReadOnlyList<BpfInstruction> _program;
    private readonly Dictionary<int, BpfInstruction> _bySlot;

    /// <summary>An interpreter for the decoded <paramref name="program"/>.</summary>
    public BpfInterpreter(IReadOnlyList<BpfInstruction> program)
    {
        ArgumentNullException.ThrowIfNull(program);
        _program = program;
        _bySlot = program.ToDictionary(i => i.Index);
    }

    /// <summary>An interpreter for the bytecode <paramref name="code"/>.</summary>
    public BpfInterpreter(ReadOnlySpan<byte> code) : this(BpfDecoder.Decode(code))
    {
    }

    /// <summary>The decoded program.</summary>
    public IReadOnlyList<BpfInstruction> Program => _program;

    /// <summary>How many instructions one path may execute before the run counts as not terminating.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Helper models by helper number; a call to any other helper is not modelled.</summary>
    public IReadOnlyDictionary<int, BpfHelper> Helpers { get; init; } = new Dictionary<int, BpfHelper>();

    /// <summary>Runs every path from <paramref name="start"/> to <c>exit</c>; the start state is left as it was.</summary>
    /// <exception cref="UnsupportedInstructionException">A path reached an instruction that is illegal or not modelled.</exception>
    public BpfExecution Run(BpfState start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var finals = new List<BpfState>();
        var bugs = new List<Bug>();
        var forks = new List<BpfState>();
        var work = new Stack<BpfState>();
        work.Push(start.Clone());
        while (work.Count > 0)
        {
            var state = work.Pop();
            while (!state.Exited && !state.Guard.IsFalse)
            {
                if (state.Steps++ >= MaxSteps)
                {
                    throw new UnsupportedInstructionException($"a path ran past {MaxSteps} eBPF instructions (at index {state.Pc}) without exiting");
                }
                forks.Clear();
                Step(state, bugs, forks);
                foreach (var fork in forks)
                {
                    work.Push(fork);
                }
            }
            Profiler.OnPath();
            if (state.Exited && !state.Guard.IsFalse)
            {
                finals.Add(state);
            }
        }
        return new BpfExecution(finals, bugs);
    }

    /// <summary>The instruction at index <paramref name="pc"/>.</summary>
    /// <exception cref="UnsupportedInstructionException">No instruction starts there, or it is illegal.</exception>
    public BpfInstruction Fetch(int pc)
    {
        if (!_bySlot.TryGetValue(pc, out var i))
        {
            throw new UnsupportedInstructionException(pc >= 0 && pc < _program.Count && _program.Count > 0 && pc <= _program[^1].Index
                ? $"execution reached slot {pc}, the second slot of LD_IMM64" : $"execution ran off the program at index {pc}");
        }
        return i.IsLegal ? i : throw new UnsupportedInstructionException(i.Illegal!);
    }

    /// <summary>
    /// Executes one instruction on <paramref name="s"/>, adding to <paramref name="forks"/> the state of the taken
    /// side of a branch on a symbolic condition.
    /// </summary>
    public void Step(BpfState s, List<Bug> bugs, List<BpfState> forks)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(bugs);
        ArgumentNullException.ThrowIfNull(forks);
        var i = Fetch(s.Pc);
        var pc = s.Pc;
        var next = pc + i.Slots;
        var faults = new List<MemoryFault>();
        var r = s.Registers;
        BitVec Address(int register) => r[register] + i.OffsetValue;
        switch (i.Class)
        {
            case BpfClass.Alu or BpfClass.Alu64:
                r[i.Dst] = Arithmetic(i, r[i.Dst], i.UsesRegister ? r[i.Src] : i.ImmValue);
                break;
            case BpfClass.Jmp or BpfClass.Jmp32 when i.Operation == BpfOpcodes.Exit:
                s.Exited = true;
                next = pc;
                break;
            case BpfClass.Jmp or BpfClass.Jmp32 when i.Operation == BpfOpcodes.Call:
                if (i.Src != 0 || !Helpers.TryGetValue(i.Imm, out var helper))
                {
                    throw new UnsupportedInstructionException(i.Src == 0
                        ? $"call of helper {i.Imm} at index {pc}, which has no model"
                        : $"'{i}' at index {pc}: {(i.Src == 1 ? "calls of eBPF functions" : "kfunc calls")} are not modelled");
                }
                r[0] = helper(s, faults).ZeroExtendTo(64);
                for (var k = 1; k <= 5; k++)
                {
                    r[k] = BitVec.Fresh($"clobbered_r{k}_", 64); // the calling convention leaves r1..r5 undefined.
                }
                break;
            case BpfClass.Jmp or BpfClass.Jmp32:
                var taken = Condition(i, r[i.Dst], i.UsesRegister ? r[i.Src] : i.ImmValue);
                next = PathSplit.Branch(s, taken, (int)i.JumpTarget, next, forks);
                break;
            case BpfClass.Ld:
                r[i.Dst] = i.Imm64Value;
                break;
            case BpfClass.Ldx:
                var loaded = s.Memory.Load(Address(i.Src), i.AccessSize, faults).Extract((i.AccessSize * 8) - 1, 0);
                r[i.Dst] = i.Mode == BpfOpcodes.ModeMemSx ? loaded.SignExtendTo(64) : loaded.ZeroExtendTo(64);
                break;
            case BpfClass.St:
                s.Memory.Store(Address(i.Dst), i.AccessSize, i.ImmValue, Bool.True, faults);
                break;
            default: // Stx
                if (i.Mode == BpfOpcodes.ModeMem)
                {
                    s.Memory.Store(Address(i.Dst), i.AccessSize, r[i.Src], Bool.True, faults);
                }
                else
                {
                    Atomic(i, s, Address(i.Dst), faults);
                }
                break;
        }
        foreach (var fault in faults)
        {
            var condition = s.Guard & fault.Condition;
            if (!condition.IsFalse)
            {
                bugs.Add(new Bug(condition, $"{fault.Message} ('{i}' at index {pc})", (ulong)pc));
            }
        }
        s.Pc = next;
    }

    /// <summary>
    /// The result of an ALU or ALU64 instruction given the destination's value and the operand (a register, or the
    /// immediate sign-extended to 64 bits): ALU works on the low 32 bits and zero-extends its result; shift amounts
    /// are masked; division by zero gives zero, modulo by zero leaves the (32-bit: truncated) dividend.
    /// </summary>
    public static BitVec Arithmetic(BpfInstruction i, BitVec destination, BitVec operand)
    {
        var width = i.Class == BpfClass.Alu64 ? 64 : 32;
        var dst = destination.Extract(width - 1, 0);
        var src = operand.Extract(width - 1, 0);
        var zero = BitVec.Of(0, width);
        var signed = i.Offset == 1;
        var result = i.Operation switch
        {
            BpfOpcodes.Add => dst + src,
            BpfOpcodes.Sub => dst - src,
            BpfOpcodes.Mul => dst * src,
            BpfOpcodes.Div => BitVec.Ite(src == zero, zero, signed ? dst.SDiv(src) : dst.UDiv(src)),
            BpfOpcodes.Or => dst | src,
            BpfOpcodes.And => dst & src,
            BpfOpcodes.Lsh => dst << (src & BitVec.Of((ulong)width - 1, width)),
            BpfOpcodes.Rsh => dst >>> (src & BitVec.Of((ulong)width - 1, width)),
            BpfOpcodes.Neg => -dst,
            BpfOpcodes.Mod => BitVec.Ite(src == zero, dst, signed ? dst.SRem(src) : dst.URem(src)),
            BpfOpcodes.Xor => dst ^ src,
            BpfOpcodes.Mov when i.Offset != 0 => operand.Extract(i.Offset - 1, 0).SignExtendTo(width),
            BpfOpcodes.Mov => src,
            BpfOpcodes.Arsh => dst.AShr(src & BitVec.Of((ulong)width - 1, width)),
            _ => ByteSwap(i, destination),
        };
        return result.ZeroExtendTo(64);
    }

    /// <summary>Whether a conditional jump is taken, given the destination's value and the operand (register or sign-extended immediate).</summary>
    public static Bool Condition(BpfInstruction i, BitVec destination, BitVec operand)
    {
        var width = i.Class == BpfClass.Jmp ? 64 : 32;
        var dst = destination.Extract(width - 1, 0);
        var src = operand.Extract(width - 1, 0);
        return i.Operation switch
        {
            BpfOpcodes.Ja => Bool.True,
            BpfOpcodes.Jeq => dst == src,
            BpfOpcodes.Jgt => dst.Ugt(src),
            BpfOpcodes.Jge => dst.Uge(src),
            BpfOpcodes.Jset => (dst & src) != BitVec.Of(0, width),
            BpfOpcodes.Jne => dst != src,
            BpfOpcodes.Jsgt => dst.Sgt(src),
            BpfOpcodes.Jsge => dst.Sge(src),
            BpfOpcodes.Jlt => dst.Ult(src),
            BpfOpcodes.Jle => dst.Ule(src),
            BpfOpcodes.Jslt => dst.Slt(src),
            _ => dst.Sle(src),
        };
    }

    // BPF_END: to_le keeps the low imm bits (this machine is little-endian), to_be and bswap reverse their bytes;
    // the result is zero-extended to 64 bits either way.
    private static BitVec ByteSwap(BpfInstruction i, BitVec value)
    {
        var low = value.Extract(i.Imm - 1, 0);
        if (i.Class == BpfClass.Alu && !i.UsesRegister)
        {
            return low.ZeroExtendTo(64);
        }
        var swapped = low.Extract(7, 0);
        for (var b = 1; b < i.Imm / 8; b++)
        {
            swapped = swapped.Concat(low.Extract((b * 8) + 7, b * 8));
        }
        return swapped.ZeroExtendTo(64);
    }

    // The atomic operations on a 4- or 8-byte memory word: add/or/and/xor (with fetch: the old value into src),
    // xchg, and cmpxchg (compare with r0; r0 receives the old value). 32-bit fetches zero-extend.
    private static void Atomic(BpfInstruction i, BpfState s, BitVec address, List<MemoryFault> faults)
    {
        var bits = i.AccessSize * 8;
        var r = s.Registers;
        var old = s.Memory.Load(address, i.AccessSize, faults).Extract(bits - 1, 0);
        var operand = r[i.Src].Extract(bits - 1, 0);
        if (i.Imm == BpfOpcodes.AtomicCmpXchg)
        {
            var equal = r[0].Extract(bits - 1, 0) == old;
            s.Memory.Store(address, i.AccessSize, operand.ZeroExtendTo(64), equal, faults);
            r[0] = old.ZeroExtendTo(64);
            return;
        }
        var updated = (i.Imm & 0xF0) switch
        {
            BpfOpcodes.Add => old + operand,
            BpfOpcodes.Or => old | operand,
            BpfOpcodes.And => old & operand,
            BpfOpcodes.Xor => old ^ operand,
            _ => operand, // xchg
        };
        s.Memory.Store(address, i.AccessSize, updated.ZeroExtendTo(64), Bool.True, faults);
        if ((i.Imm & BpfOpcodes.AtomicFetch) != 0)
        {
            r[i.Src] = old.ZeroExtendTo(64);
        }
    }
}
