using System.Buffers.Binary;
using System.Globalization;
using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>The eight instruction classes of eBPF (the low three bits of the opcode).</summary>
public enum BpfClass : byte
{
    /// <summary>Non-standard loads (only LD_IMM64 is modelled).</summary>
    Ld = 0,

    /// <summary>Load into a register.</summary>
    Ldx = 1,

    /// <summary>Store an immediate.</summary>
    St = 2,

    /// <summary>Store a register (and atomic operations).</summary>
    Stx = 3,

    /// <summary>32-bit arithmetic.</summary>
    Alu = 4,

    /// <summary>64-bit jumps, calls and exit.</summary>
    Jmp = 5,

    /// <summary>32-bit jumps.</summary>
    Jmp32 = 6,

    /// <summary>64-bit arithmetic.</summary>
    Alu64 = 7,
}

/// <summary>
/// One decoded eBPF instruction (RFC 9669, the Linux kernel's instruction-set.rst): the opcode byte and its
/// fields, at slot <see cref="Index"/> of its program. LD_IMM64 occupies two slots; its 64-bit immediate is in
/// <see cref="Imm64"/>. An instruction the decoder does not accept has <see cref="IsLegal"/> false and says why.
/// </summary>
/// <param name="Index">The slot (8-byte unit) of the program where it starts.</param>
/// <param name="Opcode">The opcode byte.</param>
/// <param name="Dst">The destination register number (0..10 when legal).</param>
/// <param name="Src">The source register number, or the pseudo-source of LD_IMM64 and CALL.</param>
/// <param name="Offset">The signed 16-bit offset.</param>
/// <param name="Imm">The signed 32-bit immediate.</param>
/// <param name="Imm64">For LD_IMM64: the immediate of both slots; otherwise <see cref="Imm"/> sign-extended.</param>
/// <param name="Illegal">Null when legal, else why the decoder refused it.</param>
public readonly record struct BpfInstruction(int Index, byte Opcode, int Dst, int Src, short Offset, int Imm, ulong Imm64, string? Illegal)
{
    /// <summary>The instruction class.</summary>
    public BpfClass Class => (BpfClass)(Opcode & 7);

    /// <summary>Whether the decoder accepted it.</summary>
    public bool IsLegal => Illegal is null;

    /// <summary>The operation field (high four bits) of an arithmetic or jump opcode.</summary>
    public int Operation => Opcode & 0xF0;

    /// <summary>Whether an arithmetic or jump instruction takes its operand from <see cref="Src"/> (BPF_X) rather than <see cref="Imm"/> (BPF_K).</summary>
    public bool UsesRegister => (Opcode & 8) != 0;

    /// <summary>The access size in bytes of a load or store (1, 2, 4 or 8).</summary>
    public int AccessSize => ((Opcode >> 3) & 3) switch { 0 => 4, 1 => 2, 2 => 1, _ => 8 };

    /// <summary>The mode field (high three bits) of a load or store opcode.</summary>
    public int Mode => Opcode & 0xE0;

    /// <summary>How many 8-byte slots it occupies.</summary>
    public int Slots => Opcode == BpfOpcodes.LdImm64 ? 2 : 1;

    /// <summary>The slot a jump goes to when taken (JMP32 JA takes its offset from <see cref="Imm"/>).</summary>
    public long JumpTarget => Index + 1L + (Opcode == (BpfOpcodes.Ja | (byte)BpfClass.Jmp32) ? Imm : Offset);

    /// <summary>
    /// Symbolic values standing for the immediate and offset fields (the JIT checker's instructions stand for every
    /// value of them); null for an instruction with concrete fields. The interpreter and the JIT read the fields
    /// through <see cref="ImmValue"/>, <see cref="OffsetValue"/> and <see cref="Imm64Value"/>.
    /// </summary>
    public BpfFields? Fields { get; init; }

    /// <summary>The immediate sign-extended to 64 bits (symbolic when <see cref="Fields"/> says so).</summary>
    public BitVec ImmValue => Fields?.Imm is { } imm ? imm.SignExtendTo(64) : BitVec.Of((ulong)(long)Imm, 64);

    /// <summary>The offset sign-extended to 64 bits (symbolic when <see cref="Fields"/> says so).</summary>
    public BitVec OffsetValue => Fields?.Offset is { } offset ? offset.SignExtendTo(64) : BitVec.Of((ulong)(long)Offset, 64);

    /// <summary>LD_IMM64's 64-bit immediate (symbolic when <see cref="Fields"/> says so).</summary>
    public BitVec Imm64Value => Fields?.Imm64 ?? BitVec.Of(Imm64, 64);

    /// <summary>This instruction with the values <paramref name="model"/> gives its symbolic fields (itself when it has none).</summary>
    public BpfInstruction Concretize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Fields is not { } fields)
        {
            return this;
        }
        var imm = fields.Imm is { } i ? (int)model.Evaluate(i).Value : Imm;
        var imm64 = fields.Imm64 is { } wide ? model.Evaluate(wide).Value : fields.Imm is null ? Imm64 : (ulong)(long)imm;
        return this with
        {
            Imm = fields.Imm64 is null ? imm : (int)imm64,
            Offset = fields.Offset is { } o ? (short)model.Evaluate(o).Value : Offset,
            Imm64 = imm64,
            Fields = null,
        };
    }

    /// <inheritdoc />
    public override string ToString() => BpfDisassembler.Format(this);
}

/// <summary>Symbolic immediate and offset fields of an instruction; a null member is the instruction's concrete field.</summary>
/// <param name="Imm">The 32-bit immediate.</param>
/// <param name="Offset">The 16-bit offset.</param>
/// <param name="Imm64">LD_IMM64's 64-bit immediate.</param>
public sealed record BpfFields(BitVec? Imm = null, BitVec? Offset = null, BitVec? Imm64 = null)
{
    /// <summary>Every value the instruction's fields stand for; named <c>imm</c>, <c>offset</c>, <c>imm64</c> in models.</summary>
    public static BpfFields For(bool imm, bool offset, bool imm64) => new(
        imm ? BitVec.Var("imm", 32) : null, offset ? BitVec.Var("offset", 16) : null, imm64 ? BitVec.Var("imm64", 64) : null);
}

/// <summary>Opcode fields of eBPF, as instruction-set.rst names them.</summary>
public static class BpfOpcodes
{
#pragma warning disable CS1591 // The names are the ISA's; each is documented there.
    public const int Add = 0x00, Sub = 0x10, Mul = 0x20, Div = 0x30, Or = 0x40, And = 0x50, Lsh = 0x60, Rsh = 0x70,
        Neg = 0x80, Mod = 0x90, Xor = 0xA0, Mov = 0xB0, Arsh = 0xC0, End = 0xD0;
    public const int Ja = 0x00, Jeq = 0x10, Jgt = 0x20, Jge = 0x30, Jset = 0x40, Jne = 0x50, Jsgt = 0x60, Jsge = 0x70,
        Call = 0x80, Exit = 0x90, Jlt = 0xA0, Jle = 0xB0, Jslt = 0xC0, Jsle = 0xD0;
    public const int K = 0x00, X = 0x08;
    public const int ModeImm = 0x00, ModeAbs = 0x20, ModeInd = 0x40, ModeMem = 0x60, ModeMemSx = 0x80, ModeAtomic = 0xC0;
    public const int SizeW = 0x00, SizeH = 0x08, SizeB = 0x10, SizeDw = 0x18;
    public const int AtomicFetch = 0x01, AtomicXchg = 0xE0 | AtomicFetch, AtomicCmpXchg = 0xF0 | AtomicFetch;
#pragma warning restore CS1591

    /// <summary>LD_IMM64: <c>BPF_LD | BPF_IMM | BPF_DW</c>.</summary>
    public const byte LdImm64 = 0x18;

    /// <summary>The opcode byte of an arithmetic or jump instruction.</summary>
    public static byte Of(BpfClass @class, int operation, int source) => (byte)((int)@class | operation | source);

    /// <summary>The opcode byte of a load or store of <paramref name="bytes"/> bytes in <paramref name="mode"/>.</summary>
    public static byte LoadStore(BpfClass @class, int mode, int bytes) => (byte)((int)@class | mode | SizeField(bytes));

    /// <summary>The size field for an access of <paramref name="bytes"/> bytes.</summary>
    public static int SizeField(int bytes) => bytes switch { 4 => SizeW, 2 => SizeH, 1 => SizeB, 8 => SizeDw, _ => throw new ArgumentOutOfRangeException(nameof(bytes)) };

    /// <summary>Encodes one slot (little-endian): opcode, registers, offset, immediate.</summary>
    public static ulong Encode(byte opcode, int dst, int src, short offset, int imm) =>
        opcode | ((ulong)(dst & 0xF) << 8) | ((ulong)(src & 0xF) << 12) | ((ulong)(ushort)offset << 16) | ((ulong)(uint)imm << 32);
}

/// <summary>
/// Decodes eBPF bytecode. It never throws on bad bits: an opcode it does not know, a register above r10, a write to
/// the read-only frame pointer r10, a reserved field that is not zero, a jump outside the program or into the second
/// slot of LD_IMM64, or a truncated LD_IMM64 gives an illegal instruction naming its word and slot.
/// </summary>
public static class BpfDecoder
{
    /// <summary>Decodes a whole program (its length must be a multiple of 8 bytes; a trailing partial slot is illegal).</summary>
    public static IReadOnlyList<BpfInstruction> Decode(ReadOnlySpan<byte> code)
    {
        var slots = code.Length / 8;
        var result = new List<BpfInstruction>(slots);
        var starts = new bool[slots];
        for (var index = 0; index < slots;)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(code.Slice(index * 8, 8));
            ulong? second = index + 1 < slots ? BinaryPrimitives.ReadUInt64LittleEndian(code.Slice((index + 1) * 8, 8)) : null;
            var instruction = DecodeSlot(index, word, second);
            result.Add(instruction);
            starts[index] = true;
            index += instruction.IsLegal ? instruction.Slots : 1;
        }
        if (code.Length % 8 != 0)
        {
            result.Add(new BpfInstruction(slots, 0, 0, 0, 0, 0, 0, $"a trailing partial slot of {code.Length % 8} bytes"));
        }
        for (var k = 0; k < result.Count; k++)
        {
            var i = result[k];
            if (i.IsLegal && IsJump(i) && (i.JumpTarget < 0 || i.JumpTarget >= slots || !starts[i.JumpTarget]))
            {
                var word = BinaryPrimitives.ReadUInt64LittleEndian(code.Slice(i.Index * 8, 8));
                result[k] = i with { Illegal = $"illegal instruction 0x{word:x16} at slot {i.Index}: jump to slot {i.JumpTarget}, "
                    + (i.JumpTarget < 0 || i.JumpTarget >= slots ? "outside the program" : "the second slot of LD_IMM64") };
            }
        }
        return result;
    }

    /// <summary>Decodes the instruction in slot <paramref name="index"/> given its word and the next one (for LD_IMM64).</summary>
    public static BpfInstruction DecodeSlot(int index, ulong word, ulong? next)
    {
        var opcode = (byte)word;
        var dst = (int)(word >> 8) & 0xF;
        var src = (int)(word >> 12) & 0xF;
        var offset = (short)(word >> 16);
        var imm = (int)(word >> 32);
        var i = new BpfInstruction(index, opcode, dst, src, offset, imm, (ulong)(long)imm, null);
        var why = Check(i, next);
        if (why is null && opcode == BpfOpcodes.LdImm64)
        {
            i = i with { Imm64 = (uint)imm | ((ulong)(uint)(next!.Value >> 32) << 32) };
        }
        return why is null ? i : i with { Illegal = $"illegal instruction 0x{word:x16} at slot {index}: {why}" };
    }

    /// <summary>Whether the instruction is a conditional or unconditional jump (not call or exit).</summary>
    public static bool IsJump(BpfInstruction i) => i.Class is BpfClass.Jmp or BpfClass.Jmp32 && i.Operation is not (BpfOpcodes.Call or BpfOpcodes.Exit);

    private static string? Check(BpfInstruction i, ulong? next)
    {
        if (i.Dst > 10 || i.Src > 10)
        {
            return $"register r{Math.Max(i.Dst, i.Src)} does not exist";
        }
        switch (i.Class)
        {
            case BpfClass.Alu or BpfClass.Alu64:
                return CheckArithmetic(i);
            case BpfClass.Jmp or BpfClass.Jmp32:
                return CheckJump(i);
            case BpfClass.Ld:
                if (i.Opcode != BpfOpcodes.LdImm64)
                {
                    return i.Mode is BpfOpcodes.ModeAbs or BpfOpcodes.ModeInd ? "legacy packet access (BPF_ABS/BPF_IND) is not modelled" : "unknown BPF_LD opcode";
                }
                if (next is not { } second)
                {
                    return "LD_IMM64 without its second slot";
                }
                if ((second & 0xFFFF_FFFF) != 0)
                {
                    return "the second slot of LD_IMM64 has non-zero opcode, registers or offset";
                }
                return i.Src != 0 ? $"LD_IMM64 with pseudo-source {i.Src} (a map or BTF reference) is not modelled"
                    : i.Offset != 0 ? "LD_IMM64 with a non-zero offset" : WritesFramePointer(i);
            case BpfClass.Ldx:
                if (i.Mode is not (BpfOpcodes.ModeMem or BpfOpcodes.ModeMemSx) || (i.Mode == BpfOpcodes.ModeMemSx && i.AccessSize == 8))
                {
                    return "unknown BPF_LDX mode";
                }
                return i.Imm != 0 ? "BPF_LDX with a non-zero immediate" : WritesFramePointer(i);
            case BpfClass.St:
                return i.Mode != BpfOpcodes.ModeMem ? "unknown BPF_ST mode" : i.Src != 0 ? "BPF_ST with a source register" : null;
            default: // Stx
                if (i.Mode == BpfOpcodes.ModeMem)
                {
                    return i.Imm != 0 ? "BPF_STX with a non-zero immediate" : null;
                }
                if (i.Mode != BpfOpcodes.ModeAtomic || i.AccessSize < 4)
                {
                    return "unknown BPF_STX mode";
                }
                return i.Imm is BpfOpcodes.Add or BpfOpcodes.Or or BpfOpcodes.And or BpfOpcodes.Xor
                    or (BpfOpcodes.Add | BpfOpcodes.AtomicFetch) or (BpfOpcodes.Or | BpfOpcodes.AtomicFetch)
                    or (BpfOpcodes.And | BpfOpcodes.AtomicFetch) or (BpfOpcodes.Xor | BpfOpcodes.AtomicFetch)
                    or BpfOpcodes.AtomicXchg or BpfOpcodes.AtomicCmpXchg
                    ? (i.Imm & BpfOpcodes.AtomicFetch) != 0 && i.Src == 10 ? "an atomic fetch into the frame pointer r10" : null
                    : $"unknown atomic operation 0x{i.Imm:x}";
        }
    }

    private static string? CheckArithmetic(BpfInstruction i)
    {
        var alu64 = i.Class == BpfClass.Alu64;
        var op = i.Operation;
        if (op > BpfOpcodes.End)
        {
            return "unknown arithmetic operation";
        }
        if (op == BpfOpcodes.End)
        {
            if (alu64 && i.UsesRegister)
            {
                return "BPF_ALU64 | BPF_END | BPF_X is reserved";
            }
            return i.Imm is not (16 or 32 or 64) ? $"byte swap of width {i.Imm}" : i.Src != 0 || i.Offset != 0 ? "reserved fields of BPF_END are not zero" : WritesFramePointer(i);
        }
        var allowedOffsets = op switch
        {
            BpfOpcodes.Div or BpfOpcodes.Mod => [0, 1],
            BpfOpcodes.Mov when i.UsesRegister => alu64 ? [0, 8, 16, 32] : [0, 8, 16],
            _ => (int[])[0],
        };
        if (!allowedOffsets.Contains(i.Offset))
        {
            return $"offset {i.Offset} is not allowed here";
        }
        if (op == BpfOpcodes.Neg && (i.UsesRegister || i.Src != 0 || i.Imm != 0))
        {
            return "BPF_NEG takes no operand";
        }
        if (!i.UsesRegister && i.Src != 0)
        {
            return "an immediate operation with a source register";
        }
        if (i.UsesRegister && i.Imm != 0)
        {
            return "a register operation with a non-zero immediate";
        }
        return WritesFramePointer(i);
    }

    private static string? CheckJump(BpfInstruction i)
    {
        var op = i.Operation;
        var jmp32 = i.Class == BpfClass.Jmp32;
        if (op > BpfOpcodes.Jsle)
        {
            return "unknown jump operation";
        }
        switch (op)
        {
            case BpfOpcodes.Ja:
                return i.UsesRegister || i.Src != 0 || i.Dst != 0 ? "reserved fields of BPF_JA are not zero"
                    : jmp32 ? (i.Offset != 0 ? "BPF_JMP32 | BPF_JA takes its offset from the immediate" : null)
                    : i.Imm != 0 ? "BPF_JA with a non-zero immediate" : null;
            case BpfOpcodes.Call:
                return jmp32 || i.UsesRegister ? "unknown call encoding" : i.Dst != 0 || i.Offset != 0 ? "reserved fields of BPF_CALL are not zero"
                    : i.Src > 2 ? $"call with source {i.Src}" : null;
            case BpfOpcodes.Exit:
                return jmp32 || i.UsesRegister || i.Src != 0 || i.Dst != 0 || i.Offset != 0 || i.Imm != 0 ? "reserved fields of BPF_EXIT are not zero" : null;
            default:
                return !i.UsesRegister && i.Src != 0 ? "an immediate comparison with a source register"
                    : i.UsesRegister && i.Imm != 0 ? "a register comparison with a non-zero immediate" : null;
        }
    }

    private static string? WritesFramePointer(BpfInstruction i) => i.Dst == 10 ? "r10 (the frame pointer) is read-only" : null;
}

/// <summary>Formats eBPF instructions in the kernel's C-like syntax (as llvm-objdump prints them).</summary>
public static class BpfDisassembler
{
    /// <summary>The instruction as text, e.g. <c>w1 += 3</c>, <c>if r1 s&gt; r2 goto +4</c>, <c>*(u32 *)(r10 - 8) = r1</c>.</summary>
    public static string Format(BpfInstruction i)
    {
        if (!i.IsLegal)
        {
            return $"<{i.Illegal}>";
        }
        var wide = i.Class is BpfClass.Alu64 or BpfClass.Jmp;
        string R(int n) => (wide ? "r" : "w") + n.ToString(CultureInfo.InvariantCulture);
        var operand = i.UsesRegister ? R(i.Src) : i.Imm.ToString(CultureInfo.InvariantCulture);
        string Memory(int reg) => $"*({Width(i.AccessSize)} *)(r{reg} {(i.Offset < 0 ? "-" : "+")} {Math.Abs((int)i.Offset)})";
        switch (i.Class)
        {
            case BpfClass.Alu or BpfClass.Alu64:
                var signed = i.Offset == 1 ? "s" : "";
                return i.Operation switch
                {
                    BpfOpcodes.Neg => $"{R(i.Dst)} = -{R(i.Dst)}",
                    BpfOpcodes.End => i.Class == BpfClass.Alu64 ? $"r{i.Dst} = bswap{i.Imm} r{i.Dst}" : $"r{i.Dst} = {(i.UsesRegister ? "be" : "le")}{i.Imm} r{i.Dst}",
                    BpfOpcodes.Mov when i.Offset != 0 => $"{R(i.Dst)} = (s{i.Offset}){R(i.Src)}",
                    var op => $"{R(i.Dst)} {signed}{ArithmeticSymbol(op)}= {operand}",
                };
            case BpfClass.Jmp or BpfClass.Jmp32:
                var target = i.JumpTarget - i.Index - 1;
                var relative = target < 0 ? target.ToString(CultureInfo.InvariantCulture) : "+" + target.ToString(CultureInfo.InvariantCulture);
                return i.Operation switch
                {
                    BpfOpcodes.Ja => $"goto {relative}",
                    BpfOpcodes.Call => i.Src == 1 ? $"call pc{(i.Imm < 0 ? "" : "+")}{i.Imm}" : $"call {i.Imm}",
                    BpfOpcodes.Exit => "exit",
                    var op => $"if {R(i.Dst)} {JumpSymbol(op)} {operand} goto {relative}",
                };
            case BpfClass.Ld:
                return (long)i.Imm64 < 0 ? $"r{i.Dst} = -0x{0 - i.Imm64:x} ll" : $"r{i.Dst} = 0x{i.Imm64:x} ll";
            case BpfClass.Ldx:
                return i.Mode == BpfOpcodes.ModeMemSx
                    ? $"r{i.Dst} = *(s{i.AccessSize * 8} *)(r{i.Src} {(i.Offset < 0 ? "-" : "+")} {Math.Abs((int)i.Offset)})"
                    : $"r{i.Dst} = {Memory(i.Src)}";
            case BpfClass.St:
                return $"{Memory(i.Dst)} = {i.Imm}";
            default:
                if (i.Mode == BpfOpcodes.ModeMem)
                {
                    return $"{Memory(i.Dst)} = r{i.Src}";
                }
                // As llvm-objdump prints them: xchg_64(r10 - 8, r1), cmpxchg32_32(...), atomic_fetch_or((u64 *)(r10 - 8), r4).
                var (prefix, suffix) = i.AccessSize == 8 ? ("r", "_64") : ("w", "32_32");
                var reg = prefix + i.Src.ToString(CultureInfo.InvariantCulture);
                var address = $"r{i.Dst} {(i.Offset < 0 ? "-" : "+")} {Math.Abs((int)i.Offset)}";
                return i.Imm switch
                {
                    BpfOpcodes.AtomicXchg => $"{reg} = xchg{suffix}({address}, {reg})",
                    BpfOpcodes.AtomicCmpXchg => $"{prefix}0 = cmpxchg{suffix}({address}, {prefix}0, {reg})",
                    var op when (op & BpfOpcodes.AtomicFetch) != 0 => $"{reg} = atomic_fetch_{AtomicName(op & 0xF0)}(({Width(i.AccessSize)} *)({address}), {reg})",
                    var op => $"lock {Memory(i.Dst)} {ArithmeticSymbol(op)}= {reg}",
                };
        }
    }

    /// <summary>The mnemonic of an opcode form, e.g. <c>ALU64 ADD X</c>, <c>JMP32 JSGT K</c>, <c>STX MEM W</c>.</summary>
    public static string FormName(byte opcode, int offset = 0, int imm = 0)
    {
        var @class = (BpfClass)(opcode & 7);
        var name = @class.ToString().ToUpperInvariant();
        if (@class is BpfClass.Alu or BpfClass.Alu64 or BpfClass.Jmp or BpfClass.Jmp32)
        {
            var op = opcode & 0xF0;
            var opName = @class is BpfClass.Alu or BpfClass.Alu64
                ? op switch
                {
                    BpfOpcodes.Div or BpfOpcodes.Mod when offset == 1 => "S" + ArithmeticName(op),
                    BpfOpcodes.Mov when offset != 0 => $"MOVSX{offset}",
                    BpfOpcodes.End => @class == BpfClass.Alu64 ? $"BSWAP{imm}" : $"{((opcode & 8) != 0 ? "TO_BE" : "TO_LE")}{imm}",
                    _ => ArithmeticName(op),
                }
                : JumpName(op);
            var source = op is BpfOpcodes.Neg or BpfOpcodes.End && @class is BpfClass.Alu or BpfClass.Alu64
                || op is BpfOpcodes.Ja or BpfOpcodes.Call or BpfOpcodes.Exit && @class is BpfClass.Jmp or BpfClass.Jmp32 ? "" : (opcode & 8) != 0 ? " X" : " K";
            return $"{name} {opName}{source}";
        }
        if (opcode == BpfOpcodes.LdImm64)
        {
            return "LD IMM64";
        }
        var size = ((opcode >> 3) & 3) switch { 0 => "W", 1 => "H", 2 => "B", _ => "DW" };
        var mode = (opcode & 0xE0) switch { BpfOpcodes.ModeMem => "MEM", BpfOpcodes.ModeMemSx => "MEMSX", BpfOpcodes.ModeAtomic => "ATOMIC", _ => "?" };
        return mode == "ATOMIC" ? $"{name} ATOMIC {AtomicFormName(imm)} {size}" : $"{name} {mode} {size}";
    }

    private static string AtomicFormName(int imm) => imm switch
    {
        BpfOpcodes.AtomicXchg => "XCHG",
        BpfOpcodes.AtomicCmpXchg => "CMPXCHG",
        _ => AtomicName(imm & 0xF0).ToUpperInvariant() + ((imm & BpfOpcodes.AtomicFetch) != 0 ? " FETCH" : ""),
    };

    private static string Width(int bytes) => bytes switch { 1 => "u8", 2 => "u16", 4 => "u32", _ => "u64" };

    private static string AtomicName(int op) => op switch { BpfOpcodes.Add => "add", BpfOpcodes.Or => "or", BpfOpcodes.And => "and", _ => "xor" };

    private static string ArithmeticSymbol(int op) => op switch
    {
        BpfOpcodes.Add => "+", BpfOpcodes.Sub => "-", BpfOpcodes.Mul => "*", BpfOpcodes.Div => "/", BpfOpcodes.Or => "|",
        BpfOpcodes.And => "&", BpfOpcodes.Lsh => "<<", BpfOpcodes.Rsh => ">>", BpfOpcodes.Mod => "%", BpfOpcodes.Xor => "^",
        BpfOpcodes.Mov => "", _ => "s>>",
    };

    private static string ArithmeticName(int op) => op switch
    {
        BpfOpcodes.Add => "ADD", BpfOpcodes.Sub => "SUB", BpfOpcodes.Mul => "MUL", BpfOpcodes.Div => "DIV", BpfOpcodes.Or => "OR",
        BpfOpcodes.And => "AND", BpfOpcodes.Lsh => "LSH", BpfOpcodes.Rsh => "RSH", BpfOpcodes.Neg => "NEG", BpfOpcodes.Mod => "MOD",
        BpfOpcodes.Xor => "XOR", BpfOpcodes.Mov => "MOV", BpfOpcodes.Arsh => "ARSH", _ => "END",
    };

    private static string JumpSymbol(int op) => op switch
    {
        BpfOpcodes.Jeq => "==", BpfOpcodes.Jgt => ">", BpfOpcodes.Jge => ">=", BpfOpcodes.Jset => "&", BpfOpcodes.Jne => "!=",
        BpfOpcodes.Jsgt => "s>", BpfOpcodes.Jsge => "s>=", BpfOpcodes.Jlt => "<", BpfOpcodes.Jle => "<=", BpfOpcodes.Jslt => "s<", _ => "s<=",
    };

    private static string JumpName(int op) => op switch
    {
        BpfOpcodes.Ja => "JA", BpfOpcodes.Jeq => "JEQ", BpfOpcodes.Jgt => "JGT", BpfOpcodes.Jge => "JGE", BpfOpcodes.Jset => "JSET",
        BpfOpcodes.Jne => "JNE", BpfOpcodes.Jsgt => "JSGT", BpfOpcodes.Jsge => "JSGE", BpfOpcodes.Call => "CALL", BpfOpcodes.Exit => "EXIT",
        BpfOpcodes.Jlt => "JLT", BpfOpcodes.Jle => "JLE", BpfOpcodes.Jslt => "JSLT", _ => "JSLE",
    };
}
