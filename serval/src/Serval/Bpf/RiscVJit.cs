using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>Bugs the JIT can be told to make, each a kind Linux's BPF JITs really had, to show what the checker reports.</summary>
public enum JitBug
{
    /// <summary>A correct JIT.</summary>
    None,

    /// <summary><c>alu32-zext</c>: 32-bit arithmetic leaves the RV64 W instruction's sign extension instead of zero-extending (the RV64 JIT's bug fixed by 1e692f09e091).</summary>
    Alu32Zext,

    /// <summary><c>imm-zext</c>: a 64-bit operation with an immediate zero-extends it instead of sign-extending it.</summary>
    ImmZext,

    /// <summary><c>shift32-by-zero</c>: a 32-bit shift by the constant 0 is "optimized" away, so the upper half is not cleared (akin to the x86-32 JIT's shift-by-zero bugs 6fa632e719ee, 68a8357ec15b).</summary>
    Shift32ByZero,

    /// <summary>
    /// <c>sub-imm-range</c>: <c>r -= imm</c> becomes <c>addi r, r, -imm</c> when the negated immediate fits 12 bits,
    /// but the hand-derived range is off by one at the top (imm up to 2049), so imm = 2049 asks for <c>addi -2049</c>,
    /// which does not encode. No immediate of the old enumeration is 2049.
    /// </summary>
    SubImmRange,
}

/// <summary>An eBPF program compiled to RV64: the code, where each eBPF instruction's code starts, and the epilogue.</summary>
/// <param name="Words">The RV64 instructions.</param>
/// <param name="Offsets">The byte offset of each eBPF instruction's code, by instruction index (-1 for the second slot of LD_IMM64).</param>
/// <param name="Epilogue">The byte offset of the epilogue, where every <c>exit</c> goes (it moves r0 to a0 and returns to ra).</param>
public sealed record JitCode(IReadOnlyList<uint> Words, IReadOnlyList<long> Offsets, long Epilogue);

/// <summary>
/// A small eBPF-to-RV64 JIT: every eBPF register lives in a RISC-V register (<see cref="RegisterMap"/>), and each
/// eBPF instruction becomes a short RV64IMA sequence over a few temporaries. Conditional jumps are an inverted
/// branch over a <c>jal</c> (reach ±1 MiB); 32-bit results are zero-extended with a shift pair; division by zero is
/// tested explicitly (RISC-V gives all ones, eBPF zero); byte swaps are built from shifts and masks (no Zbb). There is
/// no prologue: the caller passes arguments in a0..a4 and the frame pointer in s5. Helper and function calls are not
/// compiled.
/// </summary>
public sealed class RiscVJit
{
    /// <summary>The RISC-V register holding each eBPF register r0..r10: a5, a0..a4, s1..s5.</summary>
    public static readonly IReadOnlyList<int> RegisterMap = [15, 10, 11, 12, 13, 14, 9, 18, 19, 20, 21];

    /// <summary>The temporaries the emitted code may clobber: t0, t1, t2, t3.</summary>
    public static readonly IReadOnlyList<int> Temporaries = [5, 6, 7, 28];

    private const int Zero = 0, T0 = 5, T1 = 6, T2 = 7, T3 = 28;

    /// <summary>The bug to make, if any.</summary>
    public JitBug Bug { get; init; }

    /// <summary>The names <c>--inject</c> takes, with the bug each one makes.</summary>
    public static IReadOnlyDictionary<string, JitBug> BugNames { get; } = new Dictionary<string, JitBug>(StringComparer.Ordinal)
    {
        ["alu32-zext"] = JitBug.Alu32Zext,
        ["imm-zext"] = JitBug.ImmZext,
        ["shift32-by-zero"] = JitBug.Shift32ByZero,
        ["sub-imm-range"] = JitBug.SubImmRange,
    };

    /// <summary>Compiles a whole program (two passes: code sizes do not depend on jump distances).</summary>
    /// <exception cref="NotSupportedException">An instruction this JIT does not compile (calls, illegal instructions).</exception>
    public JitCode Compile(IReadOnlyList<BpfInstruction> program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var offsets = new long[program.Count == 0 ? 0 : program[^1].Index + program[^1].Slots];
        long epilogue = 0;
        RiscVAssembler code = new();
        for (var pass = 0; pass < 2; pass++)
        {
            code = new RiscVAssembler();
            var known = (long[])offsets.Clone();
            Array.Fill(offsets, -1);
            foreach (var i in program)
            {
                offsets[i.Index] = code.Position;
                Emit(code, i, k => pass == 0 ? code.Position : known[k], pass == 0 ? code.Position : epilogue);
            }
            epilogue = code.Position;
            code.Addi(10, RegisterMap[0], 0);
            code.Jalr(Zero, 1, 0);
        }
        return new JitCode(code.Words, offsets, epilogue);
    }

    /// <summary>
    /// Emits the code of <paramref name="i"/> at <paramref name="code"/>'s position; <paramref name="addressOf"/> gives
    /// the byte offset (from the same origin) of the code of any instruction a jump may reach, and
    /// <paramref name="epilogue"/> where <c>exit</c> goes.
    /// </summary>
    /// <exception cref="NotSupportedException">An instruction this JIT does not compile.</exception>
    public void Emit(RiscVAssembler code, BpfInstruction i, Func<int, long> addressOf, long epilogue)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(addressOf);
        if (!i.IsLegal)
        {
            throw new NotSupportedException(i.Illegal);
        }
        var rd = RegisterMap[i.Dst];
        var rs = RegisterMap[i.Src];
        switch (i.Class)
        {
            case BpfClass.Alu64:
                Alu64(code, i, rd, rs);
                break;
            case BpfClass.Alu:
                Alu32(code, i, rd, rs);
                break;
            case BpfClass.Jmp or BpfClass.Jmp32 when i.Operation == BpfOpcodes.Exit:
                code.Jal(Zero, epilogue - code.Position);
                break;
            case BpfClass.Jmp or BpfClass.Jmp32 when i.Operation == BpfOpcodes.Call:
                throw new NotSupportedException($"'{i}': calls are not compiled");
            case BpfClass.Jmp or BpfClass.Jmp32:
                Jump(code, i, rd, rs, addressOf((int)i.JumpTarget));
                break;
            case BpfClass.Ld:
                LoadImmediate(code, rd, i.Imm64Value);
                break;
            case BpfClass.Ldx:
                var (from, displacement) = Address(code, rs, i.OffsetValue);
                code.Load(i.AccessSize, i.Mode == BpfOpcodes.ModeMemSx, rd, from, displacement);
                break;
            case BpfClass.St:
                LoadImmediate(code, T1, i.ImmValue);
                var (to, stDisplacement) = Address(code, rd, i.OffsetValue);
                code.Store(i.AccessSize, T1, to, stDisplacement);
                break;
            default:
                if (i.Mode == BpfOpcodes.ModeMem)
                {
                    var (stxTo, stxDisplacement) = Address(code, rd, i.OffsetValue);
                    code.Store(i.AccessSize, rs, stxTo, stxDisplacement);
                }
                else
                {
                    Atomic(code, i, rd, rs);
                }
                break;
        }
    }

    private void Alu64(RiscVAssembler code, BpfInstruction i, int rd, int rs)
    {
        var op = i.Operation;
        if (op == BpfOpcodes.End)
        {
            ByteSwap(code, rd, i.Imm);
            return;
        }
        if (!i.UsesRegister)
        {
            var imm = Bug == JitBug.ImmZext ? i.ImmValue.Extract(31, 0).ZeroExtendTo(64) : i.ImmValue;
            if (ImmediateForm64(code, op, rd, imm, Bug))
            {
                return;
            }
            LoadImmediate(code, T0, imm);
            rs = T0;
        }
        switch (op)
        {
            case BpfOpcodes.Add: code.Add(rd, rd, rs); break;
            case BpfOpcodes.Sub: code.Sub(rd, rd, rs); break;
            case BpfOpcodes.Mul: code.Mul(rd, rd, rs); break;
            case BpfOpcodes.Div: DivideChecked(code, rd, rs, () => { if (i.Offset == 1) { code.Div(rd, rd, rs); } else { code.Divu(rd, rd, rs); } }); break;
            case BpfOpcodes.Mod when i.Offset == 1: code.Rem(rd, rd, rs); break; // RISC-V's remainder by zero is the dividend, as eBPF's
            case BpfOpcodes.Mod: code.Remu(rd, rd, rs); break;
            case BpfOpcodes.Or: code.Or(rd, rd, rs); break;
            case BpfOpcodes.And: code.And(rd, rd, rs); break;
            case BpfOpcodes.Xor: code.Xor(rd, rd, rs); break;
            case BpfOpcodes.Lsh: code.Sll(rd, rd, rs); break;
            case BpfOpcodes.Rsh: code.Srl(rd, rd, rs); break;
            case BpfOpcodes.Arsh: code.Sra(rd, rd, rs); break;
            case BpfOpcodes.Neg: code.Sub(rd, Zero, rd); break;
            case BpfOpcodes.Mov when i.Offset == 32: code.Addiw(rd, rs, 0); break;
            case BpfOpcodes.Mov when i.Offset != 0:
                code.Slli(rd, rs, 64 - i.Offset);
                code.Srai(rd, rd, 64 - i.Offset);
                break;
            default: code.Addi(rd, rs, 0); break; // mov
        }
    }

    // A 64-bit operation with a sign-extended immediate, in one instruction where RISC-V has the immediate form.
    private static bool ImmediateForm64(RiscVAssembler code, int op, int rd, BitVec imm, JitBug bug)
    {
        var fits = RiscVAssembler.FitsImm12(imm);
        // -imm fits 12 bits when -2047 <= imm <= 2048 (the bug: 2049).
        var negatedFits = bug == JitBug.SubImmRange ? imm.Sge(BitVec.Of(unchecked((ulong)-2047L), 64)) & imm.Sle(BitVec.Of(2049, 64)) : RiscVAssembler.FitsImm12(-imm);
        switch (op)
        {
            case BpfOpcodes.Mov: LoadImmediate(code, rd, imm); return true;
            case BpfOpcodes.Add when code.Decide(fits): code.Addi(rd, rd, imm); return true;
            case BpfOpcodes.Sub when code.Decide(negatedFits): code.Addi(rd, rd, -imm); return true;
            case BpfOpcodes.And when code.Decide(fits): code.Andi(rd, rd, imm); return true;
            case BpfOpcodes.Or when code.Decide(fits): code.Ori(rd, rd, imm); return true;
            case BpfOpcodes.Xor when code.Decide(fits): code.Xori(rd, rd, imm); return true;
            case BpfOpcodes.Lsh: code.Slli(rd, rd, imm & 63); return true;
            case BpfOpcodes.Rsh: code.Srli(rd, rd, imm & 63); return true;
            case BpfOpcodes.Arsh: code.Srai(rd, rd, imm & 63); return true;
            default: return false;
        }
    }

    private void Alu32(RiscVAssembler code, BpfInstruction i, int rd, int rs)
    {
        var op = i.Operation;
        if (op == BpfOpcodes.End)
        {
            if (i.UsesRegister)
            {
                ByteSwap(code, rd, i.Imm); // to_be: reverse the low bytes (this machine is little-endian)
            }
            else if (i.Imm < 64)
            {
                code.Slli(rd, rd, 64 - i.Imm); // to_le: keep the low bytes
                code.Srli(rd, rd, 64 - i.Imm);
            }
            return;
        }
        if (!i.UsesRegister)
        {
            if (op is BpfOpcodes.Lsh or BpfOpcodes.Rsh or BpfOpcodes.Arsh)
            {
                var amount = i.ImmValue & 31;
                if (Bug == JitBug.Shift32ByZero && code.Decide(amount == 0UL))
                {
                    return;
                }
                switch (op)
                {
                    case BpfOpcodes.Lsh: code.Slliw(rd, rd, amount); break;
                    case BpfOpcodes.Rsh: code.Srliw(rd, rd, amount); break;
                    default: code.Sraiw(rd, rd, amount); break;
                }
                ZeroExtend(code, rd);
                return;
            }
            if (op == BpfOpcodes.Add && code.Decide(RiscVAssembler.FitsImm12(i.ImmValue)))
            {
                code.Addiw(rd, rd, i.ImmValue);
                ZeroExtend(code, rd);
                return;
            }
            LoadImmediate(code, T0, i.ImmValue);
            rs = T0;
        }
        switch (op)
        {
            case BpfOpcodes.Add: code.Addw(rd, rd, rs); break;
            case BpfOpcodes.Sub: code.Subw(rd, rd, rs); break;
            case BpfOpcodes.Mul: code.Mulw(rd, rd, rs); break;
            case BpfOpcodes.Div:
                ZeroExtend(code, T1, rs); // the divisor's low half decides division by zero
                DivideChecked(code, rd, T1, () => { if (i.Offset == 1) { code.Divw(rd, rd, rs); } else { code.Divuw(rd, rd, rs); } });
                break;
            case BpfOpcodes.Mod when i.Offset == 1: code.Remw(rd, rd, rs); break;
            case BpfOpcodes.Mod: code.Remuw(rd, rd, rs); break;
            case BpfOpcodes.Or: code.Or(rd, rd, rs); break;
            case BpfOpcodes.And: code.And(rd, rd, rs); break;
            case BpfOpcodes.Xor: code.Xor(rd, rd, rs); break;
            case BpfOpcodes.Lsh: code.Sllw(rd, rd, rs); break;
            case BpfOpcodes.Rsh: code.Srlw(rd, rd, rs); break;
            case BpfOpcodes.Arsh: code.Sraw(rd, rd, rs); break;
            case BpfOpcodes.Neg: code.Subw(rd, Zero, rd); break;
            case BpfOpcodes.Mov when i.Offset != 0:
                code.Slli(rd, rs, 64 - i.Offset);
                code.Srai(rd, rd, 64 - i.Offset);
                break;
            default: code.Addi(rd, rs, 0); break; // mov: the zero-extension below keeps the low half
        }
        if (Bug != JitBug.Alu32Zext || op is BpfOpcodes.Mov)
        {
            ZeroExtend(code, rd);
        }
    }

    // divisor == 0 ? 0 : divide(): bne over "li rd, 0; j end".
    private static void DivideChecked(RiscVAssembler code, int rd, int divisor, Action divide)
    {
        code.Bne(divisor, Zero, 12);
        code.Addi(rd, Zero, 0);
        code.Jal(Zero, 8);
        divide();
    }

    // Reverses the low `bits` bits' bytes of rd into rd (upper bits zero), through t0/t1.
    private static void ByteSwap(RiscVAssembler code, int rd, int bits)
    {
        var bytes = bits / 8;
        code.Addi(T0, Zero, 0);
        for (var k = 0; k < bytes; k++)
        {
            code.Srli(T1, rd, 8 * k);
            code.Andi(T1, T1, 0xFF);
            code.Slli(T1, T1, 8 * (bytes - 1 - k));
            code.Or(T0, T0, T1);
        }
        code.Addi(rd, T0, 0);
    }

    private static void Jump(RiscVAssembler code, BpfInstruction i, int rd, int rs, long target)
    {
        var op = i.Operation;
        if (op == BpfOpcodes.Ja)
        {
            code.Jal(Zero, target - code.Position);
            return;
        }
        if (!i.UsesRegister)
        {
            LoadImmediate(code, T0, i.ImmValue);
            rs = T0;
        }
        if (i.Class == BpfClass.Jmp32)
        {
            // Compare the low halves: sign-extended for signed comparisons, zero-extended otherwise.
            var signed = op is BpfOpcodes.Jsgt or BpfOpcodes.Jsge or BpfOpcodes.Jslt or BpfOpcodes.Jsle;
            if (signed)
            {
                code.Addiw(T1, rd, 0);
                code.Addiw(T2, rs, 0);
            }
            else
            {
                ZeroExtend(code, T1, rd);
                ZeroExtend(code, T2, rs);
            }
            (rd, rs) = (T1, T2);
        }
        if (op == BpfOpcodes.Jset)
        {
            code.And(T1, rd, rs);
            (rd, rs, op) = (T1, Zero, BpfOpcodes.Jne);
        }
        // The inverted condition skips the jal to the target.
        switch (op)
        {
            case BpfOpcodes.Jeq: code.Bne(rd, rs, 8); break;
            case BpfOpcodes.Jne: code.Beq(rd, rs, 8); break;
            case BpfOpcodes.Jgt: code.Bgeu(rs, rd, 8); break;
            case BpfOpcodes.Jge: code.Bltu(rd, rs, 8); break;
            case BpfOpcodes.Jlt: code.Bgeu(rd, rs, 8); break;
            case BpfOpcodes.Jle: code.Bltu(rs, rd, 8); break;
            case BpfOpcodes.Jsgt: code.Bge(rs, rd, 8); break;
            case BpfOpcodes.Jsge: code.Blt(rd, rs, 8); break;
            case BpfOpcodes.Jslt: code.Bge(rd, rs, 8); break;
            default: code.Blt(rs, rd, 8); break; // jsle
        }
        code.Jal(Zero, target - code.Position);
    }

    private static void Atomic(RiscVAssembler code, BpfInstruction i, int rd, int rs)
    {
        var word = i.AccessSize == 4;
        var (@base, displacement) = Address(code, rd, i.OffsetValue);
        code.Addi(T0, @base, displacement);
        if (i.Imm == BpfOpcodes.AtomicCmpXchg)
        {
            // t1 = lr(t0); if (low(t1) != low(r0)) goto done; if (sc(t0, src) failed) retry; done: r0 = low(t1)
            var r0 = RegisterMap[0];
            var retry = code.Position;
            code.Atomic(2, word, T1, T0, Zero);
            if (word)
            {
                ZeroExtend(code, T1);
                ZeroExtend(code, T2, r0);
            }
            code.Bne(T1, word ? T2 : r0, 12);
            code.Atomic(3, word, T3, T0, rs);
            code.Bne(T3, Zero, retry - code.Position);
            code.Addi(r0, T1, 0);
            return;
        }
        var fetch = (i.Imm & BpfOpcodes.AtomicFetch) != 0;
        var funct5 = i.Imm switch
        {
            BpfOpcodes.AtomicXchg => 1,
            _ => (i.Imm & 0xF0) switch { BpfOpcodes.Add => 0, BpfOpcodes.Xor => 4, BpfOpcodes.Or => 8, _ => 12 },
        };
        code.Atomic(funct5, word, fetch ? rs : Zero, T0, rs);
        if (fetch && word)
        {
            ZeroExtend(code, rs);
        }
    }

    // The base register and displacement of an access at `offset` from `register`: itself and the offset when it
    // fits 12 bits, else t0 = register + offset and 0.
    private static (int Base, BitVec Displacement) Address(RiscVAssembler code, int register, BitVec offset)
    {
        if (code.Decide(RiscVAssembler.FitsImm12(offset)))
        {
            return (register, offset);
        }
        LoadImmediate(code, T0, offset);
        code.Add(T0, T0, register);
        return (T0, BitVec.Of(0, 64));
    }

    private static void ZeroExtend(RiscVAssembler code, int rd) => ZeroExtend(code, rd, rd);

    private static void ZeroExtend(RiscVAssembler code, int rd, int rs)
    {
        code.Slli(rd, rs, 32);
        code.Srli(rd, rd, 32);
    }

    /// <summary>
    /// Materializes any 64-bit value (<see cref="Immediate"/>: a constant, or symbolic when the checker runs the
    /// JIT): lui/addiw for 32-bit values, else the upper part shifted in and the low 12 bits added.
    /// </summary>
    public static void LoadImmediate(RiscVAssembler code, int rd, Immediate immediate)
    {
        ArgumentNullException.ThrowIfNull(code);
        var value = immediate.Value;
        var low = value.Extract(11, 0).SignExtendTo(64);
        if (code.Decide(value == value.Extract(31, 0).SignExtendTo(64)))
        {
            var high = (value - low).AShr(BitVec.Of(12, 64));
            if (code.Decide(high == 0UL))
            {
                code.Addi(rd, Zero, low);
                return;
            }
            code.Lui(rd, high);
            if (code.Decide(low != 0UL))
            {
                code.Addiw(rd, rd, low);
            }
            return;
        }
        var upper = (value - low).AShr(BitVec.Of(12, 64));
        var shift = TrailingZeroCount(upper) + 12UL;
        LoadImmediate(code, rd, (value - low).AShr(shift));
        code.Slli(rd, rd, shift);
        if (code.Decide(low != 0UL))
        {
            code.Addi(rd, rd, low);
        }
    }

    // The number of trailing zero bits of a 64-bit value (64 for zero), as a 64-bit value: an if-then-else over the
    // bits when symbolic.
    private static BitVec TrailingZeroCount(BitVec value)
    {
        if (value.TryGetValue(out var concrete))
        {
            return BitVec.Of((ulong)System.Numerics.BitOperations.TrailingZeroCount(concrete), 64);
        }
        var count = BitVec.Of(64, 64);
        for (var bit = 63; bit >= 0; bit--)
        {
            count = BitVec.Ite(value.Extract(bit, bit) == 1UL, BitVec.Of((ulong)bit, 64), count);
        }
        return count;
    }
}
