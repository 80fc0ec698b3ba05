namespace Systems.RiscV;

/// <summary>
/// The C extension: each 16-bit form expanded to the 32-bit instruction the manual says it stands for, keyed by
/// quadrant (bits 1:0) and funct3 (bits 15:13). Reserved encodings and forms of the other XLEN give illegal.
/// </summary>
internal static class CompressedDecoder
{
    public static Instruction Expand(ushort parcel, Xlen xlen)
    {
        uint c = parcel;
        var rv64 = xlen == Xlen.Rv64;
        var funct3 = c >> 13;
        var rdFull = (byte)((c >> 7) & 0x1F);
        var rs2Full = (byte)((c >> 2) & 0x1F);
        var rdPrime = (byte)(((c >> 2) & 7) + 8);
        var rs1Prime = (byte)(((c >> 7) & 7) + 8);
        switch (c & 3)
        {
            case 0:
                switch (funct3)
                {
                    case 0:
                        var nzuimm = Bits(c, 12, 11, 4) | Bits(c, 10, 7, 6) | Bits(c, 6, 6, 2) | Bits(c, 5, 5, 3);
                        return nzuimm == 0 ? Illegal(c) : I(Opcode.Addi, rdPrime, 2, nzuimm, c);
                    case 1:
                        return I(Opcode.Fld, rdPrime, rs1Prime, DoubleOffset(c), c);
                    case 2:
                        return I(Opcode.Lw, rdPrime, rs1Prime, WordOffset(c), c);
                    case 3:
                        return rv64 ? I(Opcode.Ld, rdPrime, rs1Prime, DoubleOffset(c), c)
                            : I(Opcode.Flw, rdPrime, rs1Prime, WordOffset(c), c);
                    case 5:
                        return S(Opcode.Fsd, rs1Prime, rdPrime, DoubleOffset(c), c);
                    case 6:
                        return S(Opcode.Sw, rs1Prime, rdPrime, WordOffset(c), c);
                    case 7:
                        return rv64 ? S(Opcode.Sd, rs1Prime, rdPrime, DoubleOffset(c), c)
                            : S(Opcode.Fsw, rs1Prime, rdPrime, WordOffset(c), c);
                    default:
                        return Illegal(c);
                }
            case 1:
                var imm6 = SignExtend(Bits(c, 12, 12, 5) | Bits(c, 6, 2, 0), 6);
                switch (funct3)
                {
                    case 0:
                        return I(Opcode.Addi, rdFull, rdFull, imm6, c);
                    case 1:
                        if (!rv64)
                        {
                            return J(Opcode.Jal, 1, JumpOffset(c), c);
                        }
                        return rdFull == 0 ? Illegal(c) : I(Opcode.Addiw, rdFull, rdFull, imm6, c);
                    case 2:
                        return I(Opcode.Addi, rdFull, 0, imm6, c);
                    case 3:
                        if (rdFull == 2)
                        {
                            var nzimm = SignExtend(Bits(c, 12, 12, 9) | Bits(c, 6, 6, 4) | Bits(c, 5, 5, 6)
                                | Bits(c, 4, 3, 7) | Bits(c, 2, 2, 5), 10);
                            return nzimm == 0 ? Illegal(c) : I(Opcode.Addi, 2, 2, nzimm, c);
                        }
                        return imm6 == 0 ? Illegal(c) : U(Opcode.Lui, rdFull, imm6 << 12, c);
                    case 4:
                        return ExpandArithmetic(c, rs1Prime, rdPrime, imm6, rv64);
                    case 5:
                        return J(Opcode.Jal, 0, JumpOffset(c), c);
                    case 6:
                        return B(Opcode.Beq, rs1Prime, 0, BranchOffset(c), c);
                    default:
                        return B(Opcode.Bne, rs1Prime, 0, BranchOffset(c), c);
                }
            case 2:
                switch (funct3)
                {
                    case 0:
                        var shamt = Bits(c, 12, 12, 5) | Bits(c, 6, 2, 0);
                        return !rv64 && shamt >= 32 ? Illegal(c) : I(Opcode.Slli, rdFull, rdFull, shamt, c);
                    case 1:
                        return I(Opcode.Fld, rdFull, 2, Bits(c, 12, 12, 5) | Bits(c, 6, 5, 3) | Bits(c, 4, 2, 6), c);
                    case 2:
                        return rdFull == 0 ? Illegal(c) : I(Opcode.Lw, rdFull, 2, WordSpOffset(c), c);
                    case 3:
                        if (!rv64)
                        {
                            return I(Opcode.Flw, rdFull, 2, WordSpOffset(c), c);
                        }
                        return rdFull == 0 ? Illegal(c)
                            : I(Opcode.Ld, rdFull, 2, Bits(c, 12, 12, 5) | Bits(c, 6, 5, 3) | Bits(c, 4, 2, 6), c);
                    case 4:
                        return ExpandJumpOrMove(c, rdFull, rs2Full);
                    case 5:
                        return S(Opcode.Fsd, 2, rs2Full, Bits(c, 12, 10, 3) | Bits(c, 9, 7, 6), c);
                    case 6:
                        return S(Opcode.Sw, 2, rs2Full, Bits(c, 12, 9, 2) | Bits(c, 8, 7, 6), c);
                    default:
                        return rv64 ? S(Opcode.Sd, 2, rs2Full, Bits(c, 12, 10, 3) | Bits(c, 9, 7, 6), c)
                            : S(Opcode.Fsw, 2, rs2Full, Bits(c, 12, 9, 2) | Bits(c, 8, 7, 6), c);
                }
            default:
                return Illegal(c);
        }
    }

    // Quadrant 1, funct3 100: c.srli, c.srai, c.andi, and the register-register group.
    private static Instruction ExpandArithmetic(uint c, byte rd, byte rs2, long imm6, bool rv64)
    {
        var shamt = Bits(c, 12, 12, 5) | Bits(c, 6, 2, 0);
        switch ((c >> 10) & 3)
        {
            case 0:
                return !rv64 && shamt >= 32 ? Illegal(c) : I(Opcode.Srli, rd, rd, shamt, c);
            case 1:
                return !rv64 && shamt >= 32 ? Illegal(c) : I(Opcode.Srai, rd, rd, shamt, c);
            case 2:
                return I(Opcode.Andi, rd, rd, imm6, c);
            default:
                var op = (((c >> 12) & 1) << 2) | ((c >> 5) & 3);
                return op switch
                {
                    0 => R(Opcode.Sub, rd, rd, rs2, c),
                    1 => R(Opcode.Xor, rd, rd, rs2, c),
                    2 => R(Opcode.Or, rd, rd, rs2, c),
                    3 => R(Opcode.And, rd, rd, rs2, c),
                    4 when rv64 => R(Opcode.Subw, rd, rd, rs2, c),
                    5 when rv64 => R(Opcode.Addw, rd, rd, rs2, c),
                    _ => Illegal(c),
                };
        }
    }

    // Quadrant 2, funct3 100: c.jr, c.mv, c.ebreak, c.jalr, c.add.
    private static Instruction ExpandJumpOrMove(uint c, byte rd, byte rs2)
    {
        if ((c & 0x1000) == 0)
        {
            if (rs2 == 0)
            {
                return rd == 0 ? Illegal(c) : I(Opcode.Jalr, 0, rd, 0, c);
            }
            return R(Opcode.Add, rd, 0, rs2, c);
        }
        if (rs2 == 0)
        {
            return rd == 0
                ? new Instruction(Opcode.Ebreak, 0, 0, 0, 0, 0, 0, RoundingMode.Rne, false, false, 2, c)
                : I(Opcode.Jalr, 1, rd, 0, c);
        }
        return R(Opcode.Add, rd, rd, rs2, c);
    }

    private static long WordOffset(uint c) => Bits(c, 12, 10, 3) | Bits(c, 6, 6, 2) | Bits(c, 5, 5, 6);

    private static long DoubleOffset(uint c) => Bits(c, 12, 10, 3) | Bits(c, 6, 5, 6);

    private static long WordSpOffset(uint c) => Bits(c, 12, 12, 5) | Bits(c, 6, 4, 2) | Bits(c, 3, 2, 6);

    private static long JumpOffset(uint c) => SignExtend(Bits(c, 12, 12, 11) | Bits(c, 11, 11, 4) | Bits(c, 10, 9, 8)
        | Bits(c, 8, 8, 10) | Bits(c, 7, 7, 6) | Bits(c, 6, 6, 7) | Bits(c, 5, 3, 1) | Bits(c, 2, 2, 5), 12);

    private static long BranchOffset(uint c) => SignExtend(Bits(c, 12, 12, 8) | Bits(c, 11, 10, 3) | Bits(c, 6, 5, 6)
        | Bits(c, 4, 3, 1) | Bits(c, 2, 2, 5), 9);

    // Bits hi..lo of c, placed starting at bit position 'at'.
    private static long Bits(uint c, int hi, int lo, int at) => ((c >> lo) & ((1u << (hi - lo + 1)) - 1)) << at;

    private static long SignExtend(long value, int width) => (value << (64 - width)) >> (64 - width);

    private static Instruction Illegal(uint c) => Instruction.IllegalOf(c, 2);

    private static Instruction I(Opcode op, byte rd, byte rs1, long imm, uint c) =>
        new(op, rd, rs1, 0, 0, imm, 0, RoundingMode.Rne, false, false, 2, c);

    private static Instruction S(Opcode op, byte rs1, byte rs2, long imm, uint c) =>
        new(op, 0, rs1, rs2, 0, imm, 0, RoundingMode.Rne, false, false, 2, c);

    private static Instruction B(Opcode op, byte rs1, byte rs2, long imm, uint c) => S(op, rs1, rs2, imm, c);

    private static Instruction R(Opcode op, byte rd, byte rs1, byte rs2, uint c) =>
        new(op, rd, rs1, rs2, 0, 0, 0, RoundingMode.Rne, false, false, 2, c);

    private static Instruction U(Opcode op, byte rd, long imm, uint c) => I(op, rd, 0, imm, c);

    private static Instruction J(Opcode op, byte rd, long imm, uint c) => I(op, rd, 0, imm, c);
}
