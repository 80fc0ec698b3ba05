using System.Buffers.Binary;
using Popcorn.Emulation;

namespace Popcorn.Migration;

/// <summary>
/// The little machine-code knowledge call-site metadata needs per ISA: instruction lengths, which instructions are
/// calls, and the moves and reloads a register allocator may place between a call's return address and the stack
/// map that follows it. A location the stack map gives after such an instruction is translated back to where the
/// value is at the return address (the reload's stack slot, the move's source register).
/// </summary>
internal static partial class MachineCode
{
    /// <summary>DWARF number of the stack pointer.</summary>
    public static int StackPointer(Isa isa) => isa == Isa.Aarch64 ? 31 : 2;

    /// <summary>DWARF number of the frame pointer (x29, s0).</summary>
    public static int FramePointer(Isa isa) => isa == Isa.Aarch64 ? 29 : 8;

    /// <summary>DWARF number of the link register (x30, ra).</summary>
    public static int LinkRegister(Isa isa) => isa == Isa.Aarch64 ? 30 : 1;

    /// <summary>DWARF number of the first floating-point register.</summary>
    public static int FirstFloat(Isa isa) => isa == Isa.Aarch64 ? 64 : 32;

    /// <summary>One past the highest DWARF register number used.</summary>
    public const int RegisterCount = 96;

    /// <summary>The return addresses of every call instruction in <paramref name="code"/>, loaded at <paramref name="start"/>.</summary>
    public static List<ulong> CallReturnAddresses(Isa isa, ReadOnlySpan<byte> code, ulong start)
    {
        var list = new List<ulong>();
        var at = 0;
        while (at + 2 <= code.Length)
        {
            var (word, length) = Read(isa, code, at);
            if (length == 0)
            {
                break;
            }
            if (IsCall(isa, word, length))
            {
                list.Add(start + (ulong)(at + length));
            }
            at += length;
        }
        return list;
    }

    private static (uint Word, int Length) Read(Isa isa, ReadOnlySpan<byte> code, int at)
    {
        if (isa == Isa.Aarch64)
        {
            return at + 4 <= code.Length ? (BinaryPrimitives.ReadUInt32LittleEndian(code[at..]), 4) : (0, 0);
        }
        var half = BinaryPrimitives.ReadUInt16LittleEndian(code[at..]);
        if ((half & 3) != 3)
        {
            return (half, 2);
        }
        return at + 4 <= code.Length ? (BinaryPrimitives.ReadUInt32LittleEndian(code[at..]), 4) : (0, 0);
    }

    private static bool IsCall(Isa isa, uint word, int length)
    {
        if (isa == Isa.Aarch64)
        {
            return (word & 0xFC00_0000) == 0x9400_0000 || (word & 0xFFFF_FC1F) == 0xD63F_0000;
        }
        if (length == 2)
        {
            return (word & 0xF07F) == 0x9002 && ((word >> 7) & 0x1F) != 0;
        }
        var opcode = word & 0x7F;
        var rd = (word >> 7) & 0x1F;
        return (opcode == 0x6F || opcode == 0x67) && rd == 1;
    }

    /// <summary>
    /// Moves <paramref name="location"/> (valid after <paramref name="code"/>) back to where the value is before it:
    /// through moves and reloads into registers, and through stores into the stack slot the stack map names (a
    /// 128-bit float is split for the stack map by storing it and reading the halves back). A register location
    /// with a non-zero offset stands for bytes inside a vector register. <paramref name="fpAboveSp"/> relates frame
    /// pointer and stack pointer addresses in the body (null when the frame has no frame pointer). A register
    /// written with an address in the frame (the stack or frame pointer plus a constant) becomes that address.
    /// Returns null when an instruction writes the value's register or slot in a way that cannot be undone.
    /// </summary>
    public static StackMapLocation? TranslateBack(Isa isa, ReadOnlySpan<byte> code, StackMapLocation location, long? fpAboveSp = null)
    {
        var words = new List<(uint Word, int Length)>();
        for (var at = 0; at + 2 <= code.Length;)
        {
            var item = Read(isa, code, at);
            if (item.Length == 0)
            {
                return null;
            }
            words.Add(item);
            at += item.Length;
        }
        var upTo = words.Count;
        for (var i = words.Count - 1; i >= 0; i--)
        {
            var (word, length) = words[i];
            StackMapLocation? step;
            if (location.Type == LocationType.Register)
            {
                if (location.Offset != 0 && (isa == Isa.RiscV64 || location.Register < FirstFloat(isa)))
                {
                    // Bytes inside an integer register: not a value this metadata can carry.
                    return null;
                }
                step = isa == Isa.RiscV64 ? RiscVStep(word, length, location) : A64VectorStep(word, location, out var moved) ? moved : A64Step(word, location);
            }
            else if (location.Type == LocationType.Indirect && IsFrameBase(isa, location.Register))
            {
                step = StoreStep(isa, word, length, location, fpAboveSp);
            }
            else
            {
                break;
            }
            if (step is null)
            {
                // An address in the frame rematerialized after the call (`addi a5, s0, -132`): the value is that
                // address, the same at the return address, where the register still holds something else.
                return location.Type == LocationType.Register && location.Offset == 0 && !IsFrameBase(isa, location.Register)
                    ? ResolveBase(isa, words.GetRange(0, i + 1), location with { Type = LocationType.Direct })
                    : null;
            }
            location = step.Value;
            upTo = i;
        }
        if (location.Type == LocationType.Register && location.Offset != 0)
        {
            return null;
        }
        return ResolveBase(isa, words.GetRange(0, upTo), location);
    }

    /// <summary>Whether <paramref name="register"/> (a DWARF number) is a callee-saved integer register other than the frame pointer.</summary>
    public static bool IsCalleeSavedInteger(Isa isa, int register) =>
        isa == Isa.Aarch64 ? register is >= 19 and <= 28 : register is 9 or (>= 18 and <= 27);

    /// <summary>Forgets the registers an aarch64 load or store writes besides Rt: the second register of a load
    /// pair and the base register of a pre- or post-indexed access.</summary>
    private static void A64OtherWrites(uint w, Dictionary<int, (int Base, long Offset)> known)
    {
        var isPair = (w & 0x3A00_0000) == 0x2800_0000;
        if (isPair && (w & 0x0040_0000) != 0)
        {
            known.Remove((int)((w >> 10) & 0x1F));
        }
        if (isPair && (w & 0x0080_0000) != 0 || (w & 0x3B20_0400) == 0x3800_0400)
        {
            known.Remove((int)((w >> 5) & 0x1F));
        }
    }

    private static StackMapLocation? ResolveBase(Isa isa, List<(uint Word, int Length)> words, StackMapLocation location)
    {
        if (location.Type is LocationType.Direct or LocationType.Indirect && location.Register != StackPointer(isa) && location.Register != FramePointer(isa))
        {
            // A large frame offset is materialized into a scratch base register between the call and the stack map.
            var known = new Dictionary<int, (int Base, long Offset)> { [StackPointer(isa)] = (StackPointer(isa), 0), [FramePointer(isa)] = (FramePointer(isa), 0) };
            var constants = new Dictionary<int, long> { [0] = 0 };
            foreach (var (word, length) in words)
            {
                if (isa == Isa.Aarch64)
                {
                    A64Address(word, known);
                }
                else
                {
                    RiscVAddress(word, length, known, constants);
                }
            }
            return known.TryGetValue(location.Register, out var resolved)
                ? location with { Register = resolved.Base, Offset = location.Offset + resolved.Offset }
                : null;
        }
        return location;
    }

    private static void A64Address(uint w, Dictionary<int, (int Base, long Offset)> known)
    {
        if (A64WritesNoRegister(w))
        {
            // Bits 0-4 of a branch are its offset or condition, of a store its source (a base register's writeback is A64OtherWrites').
            return;
        }
        var rd = (int)(w & 0x1F);
        var rn = (int)((w >> 5) & 0x1F);
        // ADD/SUB (immediate), 64-bit: register 31 is SP here.
        if ((w & 0xFF00_0000) == 0x9100_0000 || (w & 0xFF00_0000) == 0xD100_0000)
        {
            var imm = (long)((w >> 10) & 0xFFF) << (((w >> 22) & 1) == 1 ? 12 : 0);
            var sign = (w & 0x4000_0000) != 0 ? -1 : 1;
            if (known.TryGetValue(rn, out var b))
            {
                known[rd] = (b.Base, b.Offset + (sign * imm));
                return;
            }
        }
        known.Remove(rd);
    }

    /// <summary>Branches (B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR/BLR/RET) and stores (single and pair; not the atomic
    /// memory operations, which load into their bits 0-4).</summary>
    private static bool A64WritesNoRegister(uint w)
    {
        if ((w & 0x7C00_0000) == 0x1400_0000 || (w & 0xFF00_0010) == 0x5400_0000 || (w & 0x7C00_0000) == 0x3400_0000 || (w & 0xFF9F_FC1F) == 0xD61F_0000)
        {
            return true;
        }
        if ((w & 0x3A00_0000) == 0x2800_0000)
        {
            return (w & 0x0040_0000) == 0;
        }
        if ((w & 0x3A00_0000) == 0x3800_0000 && (w & 0x0120_0C00) != 0x0020_0000)
        {
            var opc = (w >> 22) & 3;
            return opc == 0 || opc == 2 && (w & 0x0400_0000) != 0;
        }
        return false;
    }

    private static void RiscVAddress(uint w, int length, Dictionary<int, (int Base, long Offset)> known, Dictionary<int, long> constants)
    {
        int rd;
        if (length == 2)
        {
            var funct3 = (w >> 13) & 7;
            var op = w & 3;
            rd = (int)((w >> 7) & 0x1F);
            if (op is 0 or 2 && funct3 >= 5 || op == 1 && funct3 >= 5 || op == 2 && funct3 == 4 && ((w >> 2) & 0x1F) == 0 && ((w >> 12) & 1) == 0)
            {
                // Compressed stores (C.FSD, C.SW, C.SD and their sp forms), C.J, C.BEQZ, C.BNEZ, C.JR write no register.
                return;
            }
            if (op == 1 && funct3 == 2)
            {
                constants[rd] = SignExtend(((w >> 12) & 1) << 5 | ((w >> 2) & 0x1F), 6);
                known.Remove(rd);
                return;
            }
            if (op == 1 && funct3 == 3 && rd != 2)
            {
                constants[rd] = SignExtend(((w >> 12) & 1) << 5 | ((w >> 2) & 0x1F), 6) << 12;
                known.Remove(rd);
                return;
            }
            if (op == 1 && funct3 == 0)
            {
                var imm = SignExtend(((w >> 12) & 1) << 5 | ((w >> 2) & 0x1F), 6);
                Add(known, constants, rd, rd, imm);
                return;
            }
            if (op == 2 && funct3 == 4 && ((w >> 2) & 0x1F) != 0)
            {
                var rs2 = (int)((w >> 2) & 0x1F);
                if (((w >> 12) & 1) == 0)
                {
                    Move(known, constants, rd, rs2);
                }
                else
                {
                    AddRegisters(known, constants, rd, rd, rs2);
                }
                return;
            }
            if (op == 0 && funct3 == 0)
            {
                var imm = ((w >> 7) & 0xF) << 6 | ((w >> 11) & 3) << 4 | ((w >> 5) & 1) << 3 | ((w >> 6) & 1) << 2;
                Add(known, constants, (int)(((w >> 2) & 7) + 8), 2, imm);
                return;
            }
            // Quadrant 0 (C.LW, C.LD, C.FLD…) writes rd' in bits 2-4 and reads its base in bits 7-9; the arithmetic of
            // quadrant 1 (C.SRLI … C.ADDW) writes rd' in bits 7-9; the rest write the full rd.
            Forget(known, constants, op == 0 ? (int)(((w >> 2) & 7) + 8) : op == 1 && funct3 == 4 ? (int)(((w >> 7) & 7) + 8) : rd);
            return;
        }
        var opcode = w & 0x7F;
        rd = (int)((w >> 7) & 0x1F);
        var rs1 = (int)((w >> 15) & 0x1F);
        var f3 = (w >> 12) & 7;
        if (opcode == 0x37)
        {
            constants[rd] = (long)(int)(w & 0xFFFF_F000);
            known.Remove(rd);
        }
        else if ((opcode == 0x13 || opcode == 0x1B) && f3 == 0)
        {
            Add(known, constants, rd, rs1, (long)(int)w >> 20);
        }
        else if (opcode == 0x33 && f3 == 0 && (w >> 25) == 0)
        {
            AddRegisters(known, constants, rd, rs1, (int)((w >> 20) & 0x1F));
        }
        else if (opcode == 0x33 && f3 == 0 && (w >> 25) == 0x20 && known.TryGetValue(rs1, out var b) && constants.TryGetValue((int)((w >> 20) & 0x1F), out var c))
        {
            Forget(known, constants, rd);
            known[rd] = (b.Base, b.Offset - c);
        }
        else if (opcode is not (0x23 or 0x27 or 0x63))
        {
            Forget(known, constants, rd);
        }
    }

    private static long SignExtend(ulong value, int bits) => (long)(value << (64 - bits)) >> (64 - bits);

    private static void Forget(Dictionary<int, (int, long)> known, Dictionary<int, long> constants, int register)
    {
        known.Remove(register);
        constants.Remove(register);
    }

    private static void Move(Dictionary<int, (int, long)> known, Dictionary<int, long> constants, int rd, int rs) => Add(known, constants, rd, rs, 0);

    private static void Add(Dictionary<int, (int Base, long Offset)> known, Dictionary<int, long> constants, int rd, int rs, long imm)
    {
        var hasBase = known.TryGetValue(rs, out var b);
        var hasConstant = constants.TryGetValue(rs, out var c);
        Forget(known, constants, rd);
        if (hasBase)
        {
            known[rd] = (b.Base, b.Offset + imm);
        }
        else if (hasConstant)
        {
            constants[rd] = c + imm;
        }
    }

    private static void AddRegisters(Dictionary<int, (int Base, long Offset)> known, Dictionary<int, long> constants, int rd, int rs1, int rs2)
    {
        if (known.TryGetValue(rs1, out var b) && constants.TryGetValue(rs2, out var c) || known.TryGetValue(rs2, out b) && constants.TryGetValue(rs1, out c))
        {
            Forget(known, constants, rd);
            known[rd] = (b.Base, b.Offset + c);
            return;
        }
        Forget(known, constants, rd);
    }

    private static StackMapLocation? A64Step(uint w, StackMapLocation location)
    {
        var reg = location.Register;
        var rd = (int)(w & 0x1F);
        var rn = (int)((w >> 5) & 0x1F);
        var baseRegister = rn == 31 ? 31 : rn;
        // Loads with an unsigned scaled immediate: LDR Xt/Wt/Dt/St.
        foreach (var (mask, value, scale, fp) in new (uint, uint, int, bool)[]
                 { (0xFFC0_0000, 0xF940_0000, 8, false), (0xFFC0_0000, 0xB940_0000, 4, false), (0xFFC0_0000, 0xFD40_0000, 8, true), (0xFFC0_0000, 0xBD40_0000, 4, true) })
        {
            if ((w & mask) == value && Target(rd, fp, 64) == reg)
            {
                return location with { Type = LocationType.Indirect, Register = baseRegister, Offset = ((w >> 10) & 0xFFF) * scale };
            }
        }
        // Unscaled loads: LDUR.
        foreach (var (value, fp) in new (uint, bool)[] { (0xF840_0000, false), (0xB840_0000, false), (0xFC40_0000, true), (0xBC40_0000, true) })
        {
            if ((w & 0xFFE0_0C00) == value && Target(rd, fp, 64) == reg)
            {
                var imm = (long)((w >> 12) & 0x1FF);
                return location with { Type = LocationType.Indirect, Register = baseRegister, Offset = (imm << 55) >> 55 };
            }
        }
        // Load pairs with a signed offset: LDP X, W, D.
        foreach (var (value, scale, fp) in new (uint, int, bool)[] { (0xA940_0000, 8, false), (0x2940_0000, 4, false), (0x6D40_0000, 8, true) })
        {
            if ((w & 0xFFC0_0000) == value)
            {
                var imm = (((long)((w >> 15) & 0x7F)) << 57 >> 57) * scale;
                var rt2 = (int)((w >> 10) & 0x1F);
                if (Target(rd, fp, 64) == reg)
                {
                    return location with { Type = LocationType.Indirect, Register = baseRegister, Offset = imm };
                }
                if (Target(rt2, fp, 64) == reg)
                {
                    return location with { Type = LocationType.Indirect, Register = baseRegister, Offset = imm + scale };
                }
                return location;
            }
        }
        // Register moves: ORR Xd, XZR, Xm (64/32-bit), FMOV Dd, Dn / Sd, Sn.
        if (((w & 0xFFE0_FFE0) == 0xAA00_03E0 || (w & 0xFFE0_FFE0) == 0x2A00_03E0) && rd == reg)
        {
            return location with { Register = (int)((w >> 16) & 0x1F) };
        }
        if (((w & 0xFFFF_FC00) == 0x1E60_4000 || (w & 0xFFFF_FC00) == 0x1E20_4000) && 64 + rd == reg)
        {
            return location with { Register = 64 + rn };
        }
        // Stores and branches write no register; anything else must leave the location's register alone.
        var isStore = (w & 0x3B40_0000) == 0x3900_0000 || (w & 0x3B60_0C00) == 0x3800_0000 || (w & 0x3A40_0000) == 0x2800_0000;
        var isBranch = (w & 0x7C00_0000) == 0x1400_0000 || (w & 0xFE00_0000) == 0xD600_0000 || (w & 0x7E00_0000) == 0x3400_0000 || (w & 0xFF00_0010) == 0x5400_0000;
        if (isStore || isBranch || w == 0xD503_201F)
        {
            return location;
        }
        // Only the SIMD and floating-point encodings (data processing, or a load or store with V set) can write a
        // vector register; some of them write a general register instead, so they count for both.
        var simdFp = (w & 0x0E00_0000) == 0x0E00_0000 || (w & 0x0E00_0000) == 0x0C00_0000;
        return rd == reg || simdFp && 64 + rd == reg ? null : location;
    }

    private static int Target(int register, bool fp, int firstFloat) => fp ? firstFloat + register : register;

    private static StackMapLocation? RiscVStep(uint w, int length, StackMapLocation location)
    {
        var reg = location.Register;
        if (length == 2)
        {
            var funct3 = (w >> 13) & 7;
            var op = w & 3;
            var rdFull = (int)((w >> 7) & 0x1F);
            if (op == 2 && funct3 == 3 && rdFull == reg)
            {
                // C.LDSP
                var imm = ((w >> 12) & 1) << 5 | ((w >> 5) & 3) << 3 | ((w >> 2) & 7) << 6;
                return location with { Type = LocationType.Indirect, Register = 2, Offset = imm };
            }
            if (op == 2 && funct3 == 1 && 32 + rdFull == reg)
            {
                // C.FLDSP
                var imm = ((w >> 12) & 1) << 5 | ((w >> 5) & 3) << 3 | ((w >> 2) & 7) << 6;
                return location with { Type = LocationType.Indirect, Register = 2, Offset = imm };
            }
            if (op == 2 && funct3 == 2 && rdFull == reg)
            {
                // C.LWSP
                var imm = ((w >> 12) & 1) << 5 | ((w >> 4) & 7) << 2 | ((w >> 2) & 3) << 6;
                return location with { Type = LocationType.Indirect, Register = 2, Offset = imm };
            }
            var rdPrime = (int)(((w >> 2) & 7) + 8);
            var rs1Prime = (int)(((w >> 7) & 7) + 8);
            if (op == 0 && (funct3 == 3 || funct3 == 1) && (funct3 == 3 ? rdPrime : 32 + rdPrime) == reg)
            {
                // C.LD, C.FLD
                var imm = ((w >> 10) & 7) << 3 | ((w >> 5) & 3) << 6;
                return location with { Type = LocationType.Indirect, Register = rs1Prime, Offset = imm };
            }
            if (op == 0 && funct3 == 2 && rdPrime == reg)
            {
                // C.LW
                var imm = ((w >> 10) & 7) << 3 | ((w >> 6) & 1) << 2 | ((w >> 5) & 1) << 6;
                return location with { Type = LocationType.Indirect, Register = rs1Prime, Offset = imm };
            }
            if (op == 2 && funct3 == 4 && ((w >> 12) & 1) == 0 && ((w >> 2) & 0x1F) != 0 && rdFull == reg)
            {
                // C.MV
                return location with { Register = (int)((w >> 2) & 0x1F) };
            }
            var writesFull = op == 1 && funct3 is 0 or 1 or 2 or 3 || op == 2 && (funct3 == 0 || funct3 == 4 && ((w >> 2) & 0x1F) != 0);
            var writesPrime = op == 0 && funct3 is 0 or 2 or 3 || op == 1 && funct3 == 4;
            if (writesFull && rdFull == reg || writesPrime && (rdPrime == reg || rs1Prime == reg))
            {
                return null;
            }
            return location;
        }
        var opcode = w & 0x7F;
        var rd = (int)((w >> 7) & 0x1F);
        var f3 = (w >> 12) & 7;
        var rs1 = (int)((w >> 15) & 0x1F);
        var immI = (long)(int)w >> 20;
        if (opcode == 0x03 && rd == reg || opcode == 0x07 && 32 + rd == reg)
        {
            return location with { Type = LocationType.Indirect, Register = rs1, Offset = immI };
        }
        if (opcode == 0x13 && f3 == 0 && immI == 0 && rd == reg)
        {
            return location with { Register = rs1 };
        }
        if (opcode == 0x53 && (w >> 25) == 0x11 && f3 == 0 && rs1 == (int)((w >> 20) & 0x1F) && 32 + rd == reg)
        {
            return location with { Register = 32 + rs1 };
        }
        if (opcode is 0x23 or 0x27 or 0x63)
        {
            return location;
        }
        var fpWrite = opcode is 0x53 or 0x43 or 0x47 or 0x4B or 0x4F;
        return (fpWrite ? 32 + rd : rd) == reg ? null : location;
    }
}
