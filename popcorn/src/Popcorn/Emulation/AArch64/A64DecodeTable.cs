using static Popcorn.Emulation.AArch64.A64Instruction;

namespace Popcorn.Emulation.AArch64;

/// <summary>
/// The A64 encodings this emulator implements, one row per encoding class as the Arm Architecture Reference Manual
/// lists them (bit 31 first), each with the builder that extracts its operand fields. Builders return false for
/// encodings the manual marks unallocated or reserved within a matched class.
/// </summary>
internal static class A64DecodeTable
{
    /// <summary>Fills the operand fields of <paramref name="i"/> from <paramref name="w"/> at <paramref name="pc"/>.</summary>
    public delegate bool Build(uint w, ulong pc, ref A64Instruction i);

    /// <summary>Floating-point rounding selector stored in <see cref="A64Instruction.Shift"/>.</summary>
    public enum Rounding : byte
    {
        /// <summary>To nearest, ties to even.</summary>
        TiesEven,
        /// <summary>Towards plus infinity.</summary>
        PlusInfinity,
        /// <summary>Towards minus infinity.</summary>
        MinusInfinity,
        /// <summary>Towards zero.</summary>
        Zero,
        /// <summary>To nearest, ties away from zero.</summary>
        TiesAway,
        /// <summary>The mode in FPCR, raising Inexact (FRINTX).</summary>
        FpcrExact,
        /// <summary>The mode in FPCR (FRINTI).</summary>
        Fpcr,
    }

    public static IEnumerable<(string Pattern, A64Op Op, Build Build)> Rows() =>
    [
        // Data processing: immediate.
        ("0xx10000 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.MovConst, Adr),
        ("1xx10000 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.MovConst, Adrp),
        ("x0010001 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.AddImm, AddSubImm),
        ("x0110001 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.AddsImm, AddSubImm),
        ("x1010001 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.SubImm, AddSubImm),
        ("x1110001 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.SubsImm, AddSubImm),
        ("x0010010 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.AndImm, LogicalImm),
        ("x0110010 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.OrrImm, LogicalImm),
        ("x1010010 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.EorImm, LogicalImm),
        ("x1110010 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.AndsImm, LogicalImm),
        ("x0010010 1xxxxxxxxxxxxxxxxxxxxxxx", A64Op.MovConst, MoveWide),
        ("x1010010 1xxxxxxxxxxxxxxxxxxxxxxx", A64Op.MovConst, MoveWide),
        ("x1110010 1xxxxxxxxxxxxxxxxxxxxxxx", A64Op.Movk, MoveWide),
        ("x0010011 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.Sbfm, Bitfield),
        ("x0110011 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.Bfm, Bitfield),
        ("x1010011 0xxxxxxxxxxxxxxxxxxxxxxx", A64Op.Ubfm, Bitfield),
        ("x0010011 1x0xxxxxxxxxxxxxxxxxxxxx", A64Op.Extr, Extract),

        // Branches, exception generation and system instructions.
        ("01010100 xxxxxxxxxxxxxxxxxxx0xxxx", A64Op.BCond, ConditionalBranch),
        ("11010100 000xxxxxxxxxxxxxxxx00001", A64Op.Svc, ExceptionImm),
        ("11010100 001xxxxxxxxxxxxxxxx00000", A64Op.Brk, ExceptionImm),
        ("11010101 00000011 0010xxxx xxx11111", A64Op.Nop, NoOperands),
        ("11010101 00000011 0011xxxx 01011111", A64Op.Clrex, NoOperands),
        ("11010101 00000011 0011xxxx 10011111", A64Op.Barrier, NoOperands),
        ("11010101 00000011 0011xxxx 10111111", A64Op.Barrier, NoOperands),
        ("11010101 00000011 0011xxxx 11011111", A64Op.Barrier, NoOperands),
        ("11010101 0011xxxx xxxxxxxx xxxxxxxx", A64Op.Mrs, SystemRegister),
        ("11010101 0001xxxx xxxxxxxx xxxxxxxx", A64Op.Msr, SystemRegister),
        ("000101xx xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.B, UnconditionalBranch),
        ("100101xx xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Bl, UnconditionalBranch),
        ("x0110100 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Cbz, CompareBranch),
        ("x0110101 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Cbnz, CompareBranch),
        ("x0110110 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Tbz, TestBranch),
        ("x0110111 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Tbnz, TestBranch),
        ("11010110 00011111 000000xx xxx00000", A64Op.Br, BranchRegister),
        ("11010110 00111111 000000xx xxx00000", A64Op.Blr, BranchRegister),
        ("11010110 01011111 000000xx xxx00000", A64Op.Ret, BranchRegister),

        // Loads and stores.
        ("xx001000 010xxxxx xxxxxxxx xxxxxxxx", A64Op.Ldxr, Exclusive),
        ("xx001000 000xxxxx xxxxxxxx xxxxxxxx", A64Op.Stxr, Exclusive),
        ("xx001000 110xxxxx xxxxxxxx xxxxxxxx", A64Op.Ldar, Exclusive),
        ("xx001000 100xxxxx xxxxxxxx xxxxxxxx", A64Op.Stlr, Exclusive),
        ("xx011x00 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Unknown, LoadLiteral),
        ("xx101x0x xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Unknown, LoadStorePair),
        ("xx111x01 xxxxxxxxxxxxxxxxxxxxxxxx", A64Op.Unknown, LoadStoreUnsignedOffset),
        ("xx111x00 xx0xxxxx xxxx00xx xxxxxxxx", A64Op.Unknown, LoadStoreUnscaled),
        ("xx111x00 xx0xxxxx xxxx01xx xxxxxxxx", A64Op.Unknown, LoadStorePostIndex),
        ("xx111x00 xx0xxxxx xxxx10xx xxxxxxxx", A64Op.Unknown, LoadStoreUnscaled),
        ("xx111x00 xx0xxxxx xxxx11xx xxxxxxxx", A64Op.Unknown, LoadStorePreIndex),
        ("xx111x00 xx1xxxxx xxxx10xx xxxxxxxx", A64Op.Unknown, LoadStoreRegisterOffset),

        // Data processing: register.
        ("x0001010 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.AndShift, ShiftedRegister),
        ("x0001010 xx1xxxxx xxxxxxxx xxxxxxxx", A64Op.BicShift, ShiftedRegister),
        ("x0101010 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.OrrShift, ShiftedRegister),
        ("x0101010 xx1xxxxx xxxxxxxx xxxxxxxx", A64Op.OrnShift, ShiftedRegister),
        ("x1001010 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.EorShift, ShiftedRegister),
        ("x1001010 xx1xxxxx xxxxxxxx xxxxxxxx", A64Op.EonShift, ShiftedRegister),
        ("x1101010 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.AndsShift, ShiftedRegister),
        ("x1101010 xx1xxxxx xxxxxxxx xxxxxxxx", A64Op.BicsShift, ShiftedRegister),
        ("x0001011 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.AddShift, ShiftedRegister),
        ("x0101011 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.AddsShift, ShiftedRegister),
        ("x1001011 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.SubShift, ShiftedRegister),
        ("x1101011 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.SubsShift, ShiftedRegister),
        ("x0001011 001xxxxx xxxxxxxx xxxxxxxx", A64Op.AddExt, ExtendedRegister),
        ("x0101011 001xxxxx xxxxxxxx xxxxxxxx", A64Op.AddsExt, ExtendedRegister),
        ("x1001011 001xxxxx xxxxxxxx xxxxxxxx", A64Op.SubExt, ExtendedRegister),
        ("x1101011 001xxxxx xxxxxxxx xxxxxxxx", A64Op.SubsExt, ExtendedRegister),
        ("x0011010 000xxxxx 000000xx xxxxxxxx", A64Op.Adc, ThreeRegisters),
        ("x0111010 000xxxxx 000000xx xxxxxxxx", A64Op.Adcs, ThreeRegisters),
        ("x1011010 000xxxxx 000000xx xxxxxxxx", A64Op.Sbc, ThreeRegisters),
        ("x1111010 000xxxxx 000000xx xxxxxxxx", A64Op.Sbcs, ThreeRegisters),
        ("x0111010 010xxxxx xxxx00xx xxx0xxxx", A64Op.CcmnReg, ConditionalCompare),
        ("x1111010 010xxxxx xxxx00xx xxx0xxxx", A64Op.CcmpReg, ConditionalCompare),
        ("x0111010 010xxxxx xxxx10xx xxx0xxxx", A64Op.CcmnImm, ConditionalCompare),
        ("x1111010 010xxxxx xxxx10xx xxx0xxxx", A64Op.CcmpImm, ConditionalCompare),
        ("x0011010 100xxxxx xxxx00xx xxxxxxxx", A64Op.Csel, ThreeRegisters),
        ("x0011010 100xxxxx xxxx01xx xxxxxxxx", A64Op.Csinc, ThreeRegisters),
        ("x1011010 100xxxxx xxxx00xx xxxxxxxx", A64Op.Csinv, ThreeRegisters),
        ("x1011010 100xxxxx xxxx01xx xxxxxxxx", A64Op.Csneg, ThreeRegisters),
        ("x0011010 110xxxxx 000010xx xxxxxxxx", A64Op.Udiv, ThreeRegisters),
        ("x0011010 110xxxxx 000011xx xxxxxxxx", A64Op.Sdiv, ThreeRegisters),
        ("x0011010 110xxxxx 001000xx xxxxxxxx", A64Op.Lslv, ThreeRegisters),
        ("x0011010 110xxxxx 001001xx xxxxxxxx", A64Op.Lsrv, ThreeRegisters),
        ("x0011010 110xxxxx 001010xx xxxxxxxx", A64Op.Asrv, ThreeRegisters),
        ("x0011010 110xxxxx 001011xx xxxxxxxx", A64Op.Rorv, ThreeRegisters),
        ("x1011010 11000000 000000xx xxxxxxxx", A64Op.Rbit, ThreeRegisters),
        ("x1011010 11000000 000001xx xxxxxxxx", A64Op.Rev16, ThreeRegisters),
        ("x1011010 11000000 000010xx xxxxxxxx", A64Op.Rev32, ThreeRegisters),
        ("11011010 11000000 000011xx xxxxxxxx", A64Op.Rev64, ThreeRegisters),
        ("x1011010 11000000 000100xx xxxxxxxx", A64Op.Clz, ThreeRegisters),
        ("x1011010 11000000 000101xx xxxxxxxx", A64Op.Cls, ThreeRegisters),
        ("x0011011 000xxxxx 0xxxxxxx xxxxxxxx", A64Op.Madd, ThreeRegisters),
        ("x0011011 000xxxxx 1xxxxxxx xxxxxxxx", A64Op.Msub, ThreeRegisters),
        ("10011011 001xxxxx 0xxxxxxx xxxxxxxx", A64Op.Smaddl, ThreeRegisters),
        ("10011011 001xxxxx 1xxxxxxx xxxxxxxx", A64Op.Smsubl, ThreeRegisters),
        ("10011011 010xxxxx 0xxxxxxx xxxxxxxx", A64Op.Smulh, ThreeRegisters),
        ("10011011 101xxxxx 0xxxxxxx xxxxxxxx", A64Op.Umaddl, ThreeRegisters),
        ("10011011 101xxxxx 1xxxxxxx xxxxxxxx", A64Op.Umsubl, ThreeRegisters),
        ("10011011 110xxxxx 0xxxxxxx xxxxxxxx", A64Op.Umulh, ThreeRegisters),

        // Scalar floating point.
        ("00011110 xx1xxxxx x10000xx xxxxxxxx", A64Op.Unknown, FloatOneSource),
        ("00011110 xx1xxxxx xxxx10xx xxxxxxxx", A64Op.Unknown, FloatTwoSource),
        ("00011111 xx0xxxxx 0xxxxxxx xxxxxxxx", A64Op.Fmadd, FloatThreeSource),
        ("00011111 xx0xxxxx 1xxxxxxx xxxxxxxx", A64Op.Fmsub, FloatThreeSource),
        ("00011111 xx1xxxxx 0xxxxxxx xxxxxxxx", A64Op.Fnmadd, FloatThreeSource),
        ("00011111 xx1xxxxx 1xxxxxxx xxxxxxxx", A64Op.Fnmsub, FloatThreeSource),
        ("00011110 xx1xxxxx 001000xx xxx00000", A64Op.Fcmp, FloatCompare),
        ("00011110 xx1xxxxx 001000xx xxx01000", A64Op.Fcmp, FloatCompare),
        ("00011110 xx1xxxxx 001000xx xxx10000", A64Op.Fcmp, FloatCompare),
        ("00011110 xx1xxxxx 001000xx xxx11000", A64Op.Fcmp, FloatCompare),
        ("00011110 xx1xxxxx xxxx01xx xxxxxxxx", A64Op.Fccmp, FloatConditionalCompare),
        ("00011110 xx1xxxxx xxxx11xx xxxxxxxx", A64Op.Fcsel, FloatConditionalSelect),
        ("00011110 xx1xxxxx xxx10000 000xxxxx", A64Op.FmovImm, FloatImmediate),
        ("x0011110 xx1xxxxx 000000xx xxxxxxxx", A64Op.Unknown, FloatInteger),
        ("x0011110 xx0xxxxx xxxxxxxx xxxxxxxx", A64Op.Unknown, FloatFixedPoint),
        ("01011110 0x100001 110110xx xxxxxxxx", A64Op.ScvtfScalar, ScalarConversion),
        ("01111110 0x100001 110110xx xxxxxxxx", A64Op.UcvtfScalar, ScalarConversion),
        ("01011110 1x100001 101110xx xxxxxxxx", A64Op.FcvtzsScalar, ScalarConversion),
        ("01111110 1x100001 101110xx xxxxxxxx", A64Op.FcvtzuScalar, ScalarConversion),
        // FABD (scalar): LLVM selects it for fabs(a - b).
        ("01111110 1x1xxxxx 110101xx xxxxxxxx", A64Op.Fabd, ScalarAbsoluteDifference),

        // The SIMD moves and bit operations compilers emit in scalar code.
        ("0x001110 000xxxxx 000011xx xxxxxxxx", A64Op.DupGeneral, CopyElement),
        ("0x001110 000xxxxx 000001xx xxxxxxxx", A64Op.DupElement, CopyElement),
        ("01011110 000xxxxx 000001xx xxxxxxxx", A64Op.DupElement, CopyElement),
        ("01001110 000xxxxx 000111xx xxxxxxxx", A64Op.InsGeneral, CopyElement),
        ("01101110 000xxxxx 0xxxx1xx xxxxxxxx", A64Op.InsElement, CopyElement),
        ("0x001110 000xxxxx 001111xx xxxxxxxx", A64Op.Umov, CopyElement),
        ("0x001110 000xxxxx 001011xx xxxxxxxx", A64Op.Smov, CopyElement),
        ("0xx01111 00000xxx xxxx01xx xxxxxxxx", A64Op.MoviImm, ModifiedImmediate),
        ("0x001110 001xxxxx 000111xx xxxxxxxx", A64Op.VecAnd, VectorLogical),
        ("0x001110 011xxxxx 000111xx xxxxxxxx", A64Op.VecBic, VectorLogical),
        ("0x001110 101xxxxx 000111xx xxxxxxxx", A64Op.VecOrr, VectorLogical),
        ("0x001110 111xxxxx 000111xx xxxxxxxx", A64Op.VecOrn, VectorLogical),
        ("0x101110 001xxxxx 000111xx xxxxxxxx", A64Op.VecEor, VectorLogical),
        ("0x101110 011xxxxx 000111xx xxxxxxxx", A64Op.VecBsl, VectorLogical),
        ("0x101110 101xxxxx 000111xx xxxxxxxx", A64Op.VecBit, VectorLogical),
        ("0x101110 111xxxxx 000111xx xxxxxxxx", A64Op.VecBif, VectorLogical),
        ("0x101110 1x100000 111110xx xxxxxxxx", A64Op.VecFneg, VectorFloatUnary),
        ("0x001110 1x100000 111110xx xxxxxxxx", A64Op.VecFabs, VectorFloatUnary),
        ("0x001110 00100000 010110xx xxxxxxxx", A64Op.Cnt, VectorLogical),
        ("0x101110 00110000 001110xx xxxxxxxx", A64Op.Uaddlv, VectorLogical),
    ];

    private static uint Bits(uint w, int hi, int lo) => (w >> lo) & (uint)((1UL << (hi - lo + 1)) - 1);

    private static bool Bit(uint w, int n) => ((w >> n) & 1) != 0;

    private static long SignExtend(ulong value, int bits) => (long)(value << (64 - bits)) >> (64 - bits);

    /// <summary>Register 31 read as XZR.</summary>
    private static byte Src(uint r) => (byte)r;

    /// <summary>Register 31 read as SP.</summary>
    private static byte SrcSp(uint r) => r == 31 ? Sp : (byte)r;

    /// <summary>Register 31 written as XZR (discarded).</summary>
    private static byte Dst(uint r) => r == 31 ? Sink : (byte)r;

    /// <summary>Register 31 written as SP.</summary>
    private static byte DstSp(uint r) => r == 31 ? Sp : (byte)r;

    private static bool Adr(uint w, ulong pc, ref A64Instruction i)
    {
        var offset = SignExtend((Bits(w, 23, 5) << 2) | Bits(w, 30, 29), 21);
        i.Sf = true;
        i.Rd = Dst(Bits(w, 4, 0));
        i.Imm = (long)pc + offset;
        return true;
    }

    private static bool Adrp(uint w, ulong pc, ref A64Instruction i)
    {
        var offset = SignExtend((Bits(w, 23, 5) << 2) | Bits(w, 30, 29), 21) << 12;
        i.Sf = true;
        i.Rd = Dst(Bits(w, 4, 0));
        i.Imm = (long)(pc & ~0xFFFUL) + offset;
        return true;
    }

    private static bool AddSubImm(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Imm = Bits(w, 21, 10) << (Bit(w, 22) ? 12 : 0);
        i.Rn = SrcSp(Bits(w, 9, 5));
        i.Rd = Bit(w, 29) ? Dst(Bits(w, 4, 0)) : DstSp(Bits(w, 4, 0));
        return true;
    }

    private static bool LogicalImm(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        if (!i.Sf && Bit(w, 22))
        {
            return false;
        }
        if (!A64Decoder.DecodeBitMasks(Bits(w, 22, 22), Bits(w, 15, 10), Bits(w, 21, 16), true, i.Sf ? 64 : 32, out var wmask, out _))
        {
            return false;
        }
        i.Imm = (long)wmask;
        i.Rn = Src(Bits(w, 9, 5));
        i.Rd = i.Op == A64Op.AndsImm ? Dst(Bits(w, 4, 0)) : DstSp(Bits(w, 4, 0));
        return true;
    }

    private static bool MoveWide(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        var hw = Bits(w, 22, 21);
        if (!i.Sf && hw > 1)
        {
            return false;
        }
        var shift = (int)hw * 16;
        ulong imm16 = Bits(w, 20, 5);
        i.Rd = Dst(Bits(w, 4, 0));
        if (i.Op == A64Op.Movk)
        {
            i.Imm = (long)imm16;
            i.Amount = (byte)shift;
            return true;
        }
        var value = imm16 << shift;
        if (Bits(w, 30, 29) == 0)
        {
            value = ~value;
        }
        i.Imm = (long)(i.Sf ? value : (uint)value);
        return true;
    }

    private static bool Bitfield(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        var n = Bits(w, 22, 22);
        var immr = Bits(w, 21, 16);
        var imms = Bits(w, 15, 10);
        if (n != (i.Sf ? 1u : 0u) || (!i.Sf && (immr > 31 || imms > 31)))
        {
            return false;
        }
        if (!A64Decoder.DecodeBitMasks(n, imms, immr, false, i.Sf ? 64 : 32, out var wmask, out var tmask))
        {
            return false;
        }
        i.Imm = (long)wmask;
        i.Imm2 = (long)tmask;
        i.Amount = (byte)immr;
        i.Shift = (byte)imms;
        i.Rn = Src(Bits(w, 9, 5));
        i.Rd = Dst(Bits(w, 4, 0));
        return true;
    }

    private static bool Extract(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        var imms = Bits(w, 15, 10);
        if (Bit(w, 22) != i.Sf || (!i.Sf && imms > 31))
        {
            return false;
        }
        i.Amount = (byte)imms;
        i.Rm = Src(Bits(w, 20, 16));
        i.Rn = Src(Bits(w, 9, 5));
        i.Rd = Dst(Bits(w, 4, 0));
        return true;
    }

    private static bool ConditionalBranch(uint w, ulong pc, ref A64Instruction i)
    {
        i.Cond = (byte)Bits(w, 3, 0);
        i.Imm = (long)pc + (SignExtend(Bits(w, 23, 5), 19) << 2);
        return true;
    }

    private static bool ExceptionImm(uint w, ulong pc, ref A64Instruction i)
    {
        i.Imm = Bits(w, 20, 5);
        return true;
    }

    private static bool NoOperands(uint w, ulong pc, ref A64Instruction i) => true;

    private static bool SystemRegister(uint w, ulong pc, ref A64Instruction i)
    {
        i.Imm = Bits(w, 19, 5);
        i.Rd = Dst(Bits(w, 4, 0));
        i.Rn = Src(Bits(w, 4, 0));
        return true;
    }

    private static bool UnconditionalBranch(uint w, ulong pc, ref A64Instruction i)
    {
        i.Imm = (long)pc + (SignExtend(Bits(w, 25, 0), 26) << 2);
        return true;
    }

    private static bool CompareBranch(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Rn = Src(Bits(w, 4, 0));
        i.Imm = (long)pc + (SignExtend(Bits(w, 23, 5), 19) << 2);
        return true;
    }

    private static bool TestBranch(uint w, ulong pc, ref A64Instruction i)
    {
        i.Amount = (byte)((Bits(w, 31, 31) << 5) | Bits(w, 23, 19));
        i.Rn = Src(Bits(w, 4, 0));
        i.Imm = (long)pc + (SignExtend(Bits(w, 18, 5), 14) << 2);
        return true;
    }

    private static bool BranchRegister(uint w, ulong pc, ref A64Instruction i)
    {
        i.Rn = Src(Bits(w, 9, 5));
        return true;
    }

    private static bool Exclusive(uint w, ulong pc, ref A64Instruction i)
    {
        i.Size = (byte)(1 << (int)Bits(w, 31, 30));
        i.Rn = SrcSp(Bits(w, 9, 5));
        var rt = Bits(w, 4, 0);
        i.Rd = i.Op is A64Op.Ldxr or A64Op.Ldar ? Dst(rt) : Src(rt);
        i.Rm = Dst(Bits(w, 20, 16));
        return true;
    }

    private static bool LoadLiteral(uint w, ulong pc, ref A64Instruction i)
    {
        var opc = Bits(w, 31, 30);
        i.Op = Bit(w, 26)
            ? opc switch { 0 => A64Op.LdrS, 1 => A64Op.LdrD, 2 => A64Op.LdrQ, _ => A64Op.Unknown }
            : opc switch { 0 => A64Op.LdrW, 1 => A64Op.LdrX, 2 => A64Op.Ldrsw, _ => A64Op.Prfm };
        i.Mode = AddressMode.Literal;
        i.Imm = (long)pc + (SignExtend(Bits(w, 23, 5), 19) << 2);
        i.Rd = Bit(w, 26) ? (byte)Bits(w, 4, 0) : Dst(Bits(w, 4, 0));
        return i.Op != A64Op.Unknown;
    }

    private static bool LoadStorePair(uint w, ulong pc, ref A64Instruction i)
    {
        var opc = Bits(w, 31, 30);
        var vector = Bit(w, 26);
        var load = Bit(w, 22);
        int scale;
        (i.Op, scale) = (vector, opc, load) switch
        {
            (false, 0, false) => (A64Op.StpW, 2),
            (false, 0, true) => (A64Op.LdpW, 2),
            (false, 1, true) => (A64Op.Ldpsw, 2),
            (false, 2, false) => (A64Op.StpX, 3),
            (false, 2, true) => (A64Op.LdpX, 3),
            (true, 0, false) => (A64Op.StpS, 2),
            (true, 0, true) => (A64Op.LdpS, 2),
            (true, 1, false) => (A64Op.StpD, 3),
            (true, 1, true) => (A64Op.LdpD, 3),
            (true, 2, false) => (A64Op.StpQ, 4),
            (true, 2, true) => (A64Op.LdpQ, 4),
            _ => (A64Op.Unknown, 0),
        };
        i.Mode = Bits(w, 24, 23) switch { 1 => AddressMode.PostIndex, 3 => AddressMode.PreIndex, _ => AddressMode.Offset };
        i.Imm = SignExtend(Bits(w, 21, 15), 7) << scale;
        i.Size = (byte)(1 << scale);
        i.Rn = SrcSp(Bits(w, 9, 5));
        var rt = Bits(w, 4, 0);
        var rt2 = Bits(w, 14, 10);
        i.Rd = vector ? (byte)rt : load ? Dst(rt) : Src(rt);
        i.Ra = vector ? (byte)rt2 : load ? Dst(rt2) : Src(rt2);
        return i.Op != A64Op.Unknown;
    }

    /// <summary>The operation and scale of a single-register load/store from its size, V and opc fields.</summary>
    private static bool RegisterKind(uint w, ref A64Instruction i, out int scale)
    {
        var size = (int)Bits(w, 31, 30);
        var opc = Bits(w, 23, 22);
        var vector = Bit(w, 26);
        scale = size;
        if (vector)
        {
            if (opc >= 2)
            {
                scale = 4;
                i.Op = size == 0 ? (opc == 2 ? A64Op.StrQ : A64Op.LdrQ) : A64Op.Unknown;
            }
            else
            {
                i.Op = opc == 0
                    ? size switch { 0 => A64Op.StrB, 1 => A64Op.StrH, 2 => A64Op.StrS, _ => A64Op.StrD }
                    : size switch { 0 => A64Op.LdrB, 1 => A64Op.LdrH, 2 => A64Op.LdrS, _ => A64Op.LdrD };
            }
            i.Rd = (byte)Bits(w, 4, 0);
        }
        else
        {
            i.Op = (size, opc) switch
            {
                (0, 0) => A64Op.Strb, (0, 1) => A64Op.Ldrb, (0, 2) => A64Op.LdrsbX, (0, 3) => A64Op.LdrsbW,
                (1, 0) => A64Op.Strh, (1, 1) => A64Op.Ldrh, (1, 2) => A64Op.LdrshX, (1, 3) => A64Op.LdrshW,
                (2, 0) => A64Op.StrW, (2, 1) => A64Op.LdrW, (2, 2) => A64Op.Ldrsw,
                (3, 0) => A64Op.StrX, (3, 1) => A64Op.LdrX, (3, 2) => A64Op.Prfm,
                _ => A64Op.Unknown,
            };
            i.Rd = opc == 0 ? Src(Bits(w, 4, 0)) : Dst(Bits(w, 4, 0));
        }
        i.Size = (byte)(1 << scale);
        i.Rn = SrcSp(Bits(w, 9, 5));
        return i.Op != A64Op.Unknown;
    }

    private static bool LoadStoreUnsignedOffset(uint w, ulong pc, ref A64Instruction i)
    {
        if (!RegisterKind(w, ref i, out var scale))
        {
            return false;
        }
        i.Mode = AddressMode.Offset;
        i.Imm = Bits(w, 21, 10) << scale;
        return true;
    }

    private static bool LoadStoreUnscaled(uint w, ulong pc, ref A64Instruction i)
    {
        if (!RegisterKind(w, ref i, out _))
        {
            return false;
        }
        i.Mode = AddressMode.Offset;
        i.Imm = SignExtend(Bits(w, 20, 12), 9);
        return true;
    }

    private static bool LoadStorePostIndex(uint w, ulong pc, ref A64Instruction i)
    {
        var ok = LoadStoreUnscaled(w, pc, ref i) && i.Op != A64Op.Prfm;
        i.Mode = AddressMode.PostIndex;
        return ok;
    }

    private static bool LoadStorePreIndex(uint w, ulong pc, ref A64Instruction i)
    {
        var ok = LoadStoreUnscaled(w, pc, ref i) && i.Op != A64Op.Prfm;
        i.Mode = AddressMode.PreIndex;
        return ok;
    }

    private static bool LoadStoreRegisterOffset(uint w, ulong pc, ref A64Instruction i)
    {
        if (!RegisterKind(w, ref i, out var scale))
        {
            return false;
        }
        var option = Bits(w, 15, 13);
        i.Mode = AddressMode.Register;
        i.Shift = (byte)option;
        i.Amount = (byte)(Bit(w, 12) ? scale : 0);
        i.Rm = Src(Bits(w, 20, 16));
        return (option & 2) != 0;
    }

    private static bool ShiftedRegister(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Shift = (byte)Bits(w, 23, 22);
        i.Amount = (byte)Bits(w, 15, 10);
        i.Rm = Src(Bits(w, 20, 16));
        i.Rn = Src(Bits(w, 9, 5));
        i.Rd = Dst(Bits(w, 4, 0));
        var arithmetic = i.Op is A64Op.AddShift or A64Op.AddsShift or A64Op.SubShift or A64Op.SubsShift;
        return (i.Sf || i.Amount < 32) && !(arithmetic && i.Shift == 3);
    }

    private static bool ExtendedRegister(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Shift = (byte)Bits(w, 15, 13);
        i.Amount = (byte)Bits(w, 12, 10);
        i.Rm = Src(Bits(w, 20, 16));
        i.Rn = SrcSp(Bits(w, 9, 5));
        i.Rd = Bit(w, 29) ? Dst(Bits(w, 4, 0)) : DstSp(Bits(w, 4, 0));
        return i.Amount <= 4;
    }

    private static bool ThreeRegisters(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Cond = (byte)Bits(w, 15, 12);
        i.Rm = Src(Bits(w, 20, 16));
        i.Ra = Src(Bits(w, 14, 10));
        i.Rn = Src(Bits(w, 9, 5));
        i.Rd = Dst(Bits(w, 4, 0));
        return true;
    }

    private static bool ConditionalCompare(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Cond = (byte)Bits(w, 15, 12);
        i.Rm = Src(Bits(w, 20, 16));
        i.Imm = Bits(w, 20, 16);
        i.Imm2 = Bits(w, 3, 0);
        i.Rn = Src(Bits(w, 9, 5));
        return true;
    }

    /// <summary>Size in bytes of a scalar FP type field; 0 for types not implemented (half) or unallocated.</summary>
    private static byte FloatSize(uint w) => Bits(w, 23, 22) switch { 0 => 4, 1 => 8, _ => 0 };

    private static void FloatRegisters(uint w, ref A64Instruction i)
    {
        i.Size = FloatSize(w);
        i.Rd = (byte)Bits(w, 4, 0);
        i.Rn = (byte)Bits(w, 9, 5);
        i.Rm = (byte)Bits(w, 20, 16);
        i.Ra = (byte)Bits(w, 14, 10);
        i.Cond = (byte)Bits(w, 15, 12);
    }

    private static bool FloatOneSource(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        var opcode = Bits(w, 20, 15);
        (i.Op, i.Shift) = opcode switch
        {
            0 => (A64Op.FmovReg, (byte)0),
            1 => (A64Op.Fabs, (byte)0),
            2 => (A64Op.Fneg, (byte)0),
            3 => (A64Op.Fsqrt, (byte)0),
            4 when i.Size == 8 => (A64Op.FcvtToSingle, (byte)0),
            5 when i.Size == 4 => (A64Op.FcvtToDouble, (byte)0),
            8 => (A64Op.Frint, (byte)Rounding.TiesEven),
            9 => (A64Op.Frint, (byte)Rounding.PlusInfinity),
            10 => (A64Op.Frint, (byte)Rounding.MinusInfinity),
            11 => (A64Op.Frint, (byte)Rounding.Zero),
            12 => (A64Op.Frint, (byte)Rounding.TiesAway),
            14 => (A64Op.Frint, (byte)Rounding.FpcrExact),
            15 => (A64Op.Frint, (byte)Rounding.Fpcr),
            _ => (A64Op.Unknown, (byte)0),
        };
        return i.Size != 0 && i.Op != A64Op.Unknown;
    }

    private static bool FloatTwoSource(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        i.Op = Bits(w, 15, 12) switch
        {
            0 => A64Op.Fmul, 1 => A64Op.Fdiv, 2 => A64Op.Fadd, 3 => A64Op.Fsub,
            4 => A64Op.Fmax, 5 => A64Op.Fmin, 6 => A64Op.Fmaxnm, 7 => A64Op.Fminnm, 8 => A64Op.Fnmul,
            _ => A64Op.Unknown,
        };
        return i.Size != 0 && i.Op != A64Op.Unknown;
    }

    private static bool ScalarAbsoluteDifference(uint w, ulong pc, ref A64Instruction i)
    {
        i.Size = (byte)(Bit(w, 22) ? 8 : 4);
        i.Rd = (byte)Bits(w, 4, 0);
        i.Rn = (byte)Bits(w, 9, 5);
        i.Rm = (byte)Bits(w, 20, 16);
        return true;
    }

    private static bool FloatThreeSource(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        return i.Size != 0;
    }

    private static bool FloatCompare(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        i.Amount = (byte)Bits(w, 3, 3);
        i.Shift = (byte)Bits(w, 4, 4);
        return i.Size != 0;
    }

    private static bool FloatConditionalCompare(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        i.Shift = (byte)Bits(w, 4, 4);
        i.Imm2 = Bits(w, 3, 0);
        return i.Size != 0;
    }

    private static bool FloatConditionalSelect(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        return i.Size != 0;
    }

    private static bool FloatImmediate(uint w, ulong pc, ref A64Instruction i)
    {
        FloatRegisters(w, ref i);
        var imm8 = Bits(w, 20, 13);
        i.Imm = i.Size == 8 ? (long)ExpandFloat64(imm8) : ExpandFloat32(imm8);
        return i.Size != 0;
    }

    /// <summary>VFPExpandImm for double precision.</summary>
    public static ulong ExpandFloat64(uint imm8)
    {
        ulong sign = (imm8 >> 7) & 1, b6 = (imm8 >> 6) & 1;
        var exponent = ((b6 ^ 1) << 10) | ((b6 == 1 ? 0xFFUL : 0) << 2) | ((imm8 >> 4) & 3);
        ulong fraction = imm8 & 0xF;
        return (sign << 63) | (exponent << 52) | (fraction << 48);
    }

    /// <summary>VFPExpandImm for single precision.</summary>
    public static uint ExpandFloat32(uint imm8)
    {
        uint sign = (imm8 >> 7) & 1, b6 = (imm8 >> 6) & 1;
        var exponent = ((b6 ^ 1) << 7) | ((b6 == 1 ? 0x1Fu : 0) << 2) | ((imm8 >> 4) & 3);
        var fraction = imm8 & 0xF;
        return (sign << 31) | (exponent << 23) | (fraction << 19);
    }

    private static bool FloatInteger(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        var type = Bits(w, 23, 22);
        var rmode = Bits(w, 20, 19);
        var opcode = Bits(w, 18, 16);
        i.Size = FloatSize(w);
        var rd = Bits(w, 4, 0);
        var rn = Bits(w, 9, 5);
        switch (opcode)
        {
            case 2 or 3 when rmode == 0 && i.Size != 0:
                i.Op = opcode == 2 ? A64Op.Scvtf : A64Op.Ucvtf;
                i.Rn = Src(rn);
                i.Rd = (byte)rd;
                return true;
            case 0 or 1 or 4 or 5 when i.Size != 0 && (opcode < 4 || rmode == 0):
                i.Op = (opcode & 1) == 0 ? A64Op.FcvtToSigned : A64Op.FcvtToUnsigned;
                i.Shift = (byte)(opcode >= 4 ? Rounding.TiesAway : rmode switch
                {
                    0 => Rounding.TiesEven, 1 => Rounding.PlusInfinity, 2 => Rounding.MinusInfinity, _ => Rounding.Zero,
                });
                i.Rn = (byte)rn;
                i.Rd = Dst(rd);
                return true;
            case 6 or 7:
                var toGeneral = opcode == 6;
                if (rmode == 0 && ((!i.Sf && type == 0) || (i.Sf && type == 1)))
                {
                    i.Op = toGeneral ? A64Op.FmovToGeneral : A64Op.FmovFromGeneral;
                }
                else if (rmode == 1 && i.Sf && type == 2)
                {
                    i.Op = toGeneral ? A64Op.FmovFromTop : A64Op.FmovToTop;
                }
                else
                {
                    return false;
                }
                i.Rn = toGeneral ? (byte)rn : Src(rn);
                i.Rd = toGeneral ? Dst(rd) : (byte)rd;
                return true;
            default:
                return false;
        }
    }

    /// <summary>SCVTF/UCVTF/FCVTZS/FCVTZU (scalar, fixed-point): the fraction bits travel in Amount.</summary>
    private static bool FloatFixedPoint(uint w, ulong pc, ref A64Instruction i)
    {
        i.Sf = Bit(w, 31);
        i.Size = FloatSize(w);
        var scale = Bits(w, 15, 10);
        if (i.Size == 0 || (!i.Sf && scale < 32))
        {
            return false;
        }
        i.Amount = (byte)(64 - scale);
        var rd = Bits(w, 4, 0);
        var rn = Bits(w, 9, 5);
        switch ((Bits(w, 20, 19), Bits(w, 18, 16)))
        {
            case (0, 2) or (0, 3):
                i.Op = Bits(w, 18, 16) == 2 ? A64Op.Scvtf : A64Op.Ucvtf;
                i.Rn = Src(rn);
                i.Rd = (byte)rd;
                return true;
            case (3, 0) or (3, 1):
                i.Op = Bits(w, 18, 16) == 0 ? A64Op.FcvtToSigned : A64Op.FcvtToUnsigned;
                i.Shift = (byte)Rounding.Zero;
                i.Rn = (byte)rn;
                i.Rd = Dst(rd);
                return true;
            default:
                return false;
        }
    }

    private static bool ScalarConversion(uint w, ulong pc, ref A64Instruction i)
    {
        i.Size = (byte)(Bit(w, 22) ? 8 : 4);
        i.Rd = (byte)Bits(w, 4, 0);
        i.Rn = (byte)Bits(w, 9, 5);
        return true;
    }

    private static bool CopyElement(uint w, ulong pc, ref A64Instruction i)
    {
        var imm5 = Bits(w, 20, 16);
        if ((imm5 & 0xF) == 0)
        {
            return false;
        }
        var sizeLog = System.Numerics.BitOperations.TrailingZeroCount(imm5);
        i.Size = (byte)(1 << sizeLog);
        i.Imm = imm5 >> (sizeLog + 1);
        i.Imm2 = Bits(w, 14, 11) >> sizeLog;
        var q = Bit(w, 30);
        var scalar = Bits(w, 31, 28) == 0b0101;
        i.Amount = (byte)(scalar ? 2 : q ? 1 : 0);
        i.Sf = q;
        i.Rd = (byte)Bits(w, 4, 0);
        i.Rn = (byte)Bits(w, 9, 5);
        switch (i.Op)
        {
            case A64Op.DupGeneral or A64Op.InsGeneral:
                i.Rn = Src(Bits(w, 9, 5));
                return !(i.Size == 8 && !q && i.Op == A64Op.DupGeneral);
            case A64Op.DupElement:
                return !(i.Size == 8 && !q && !scalar);
            case A64Op.Umov:
                i.Rd = Dst(Bits(w, 4, 0));
                return q == (i.Size == 8);
            case A64Op.Smov:
                i.Rd = Dst(Bits(w, 4, 0));
                return i.Size < 8 && !(i.Size == 4 && !q);
            default:
                return true;
        }
    }

    private static bool ModifiedImmediate(uint w, ulong pc, ref A64Instruction i)
    {
        var op = Bit(w, 29);
        var cmode = Bits(w, 15, 12);
        var imm8 = (Bits(w, 18, 16) << 5) | Bits(w, 9, 5);
        i.Amount = (byte)(Bit(w, 30) ? 1 : 0);
        i.Rd = (byte)Bits(w, 4, 0);
        if (cmode == 0xF && op && i.Amount == 0)
        {
            return false;
        }
        var imm = ExpandSimdImmediate(op, cmode, imm8);
        var shiftedOrMasked = cmode < 0xC && (cmode & 1) == 1;
        if (shiftedOrMasked)
        {
            i.Op = op ? A64Op.BicVecImm : A64Op.OrrVecImm;
        }
        else if (op && cmode < 0xE)
        {
            imm = ~imm;
        }
        i.Imm = (long)imm;
        return true;
    }

    /// <summary>AdvSIMDExpandImm: the 64-bit pattern a modified-immediate instruction replicates.</summary>
    public static ulong ExpandSimdImmediate(bool op, uint cmode, uint imm8)
    {
        ulong b = imm8;
        static ulong Twice(ulong x) => x | (x << 32);
        static ulong Four(ulong x) => x | (x << 16) | (x << 32) | (x << 48);
        return (cmode >> 1) switch
        {
            0 => Twice(b),
            1 => Twice(b << 8),
            2 => Twice(b << 16),
            3 => Twice(b << 24),
            4 => Four(b),
            5 => Four(b << 8),
            6 => (cmode & 1) == 0 ? Twice((b << 8) | 0xFF) : Twice((b << 16) | 0xFFFF),
            _ => (cmode & 1, op) switch
            {
                (0, false) => b * 0x0101010101010101UL,
                (0, true) => ByteMask(imm8),
                (_, false) => Twice(ExpandFloat32(imm8)),
                _ => ExpandFloat64(imm8),
            },
        };
    }

    private static ulong ByteMask(uint imm8)
    {
        var result = 0UL;
        for (var bit = 0; bit < 8; bit++)
        {
            if (((imm8 >> bit) & 1) != 0)
            {
                result |= 0xFFUL << (bit * 8);
            }
        }
        return result;
    }

    private static bool VectorLogical(uint w, ulong pc, ref A64Instruction i)
    {
        i.Amount = (byte)(Bit(w, 30) ? 1 : 0);
        i.Rd = (byte)Bits(w, 4, 0);
        i.Rn = (byte)Bits(w, 9, 5);
        i.Rm = (byte)Bits(w, 20, 16);
        return true;
    }

    private static bool VectorFloatUnary(uint w, ulong pc, ref A64Instruction i)
    {
        VectorLogical(w, pc, ref i);
        i.Size = (byte)(Bit(w, 22) ? 8 : 4);
        return !(i.Size == 8 && i.Amount == 0);
    }
}
