namespace Systems.RiscV;

/// <summary>How an encoding's immediate is laid out (the RISC-V base formats plus the variants the manual adds).</summary>
internal enum Format : byte
{
    /// <summary>No immediate: R-type, R4-type, system instructions.</summary>
    R,

    /// <summary>I-type: imm[11:0] in bits 31:20.</summary>
    I,

    /// <summary>S-type: imm[11:5] in bits 31:25, imm[4:0] in bits 11:7.</summary>
    S,

    /// <summary>B-type: a 13-bit even branch offset.</summary>
    B,

    /// <summary>U-type: imm[31:12] in bits 31:12.</summary>
    U,

    /// <summary>J-type: a 21-bit even jump offset.</summary>
    J,

    /// <summary>A shift amount in bits 25:20 (RV64; bit 25 must be clear on RV32).</summary>
    Shift,

    /// <summary>A 32-bit-word shift amount in bits 24:20.</summary>
    ShiftWord,

    /// <summary>Zicsr with a register operand: CSR number in bits 31:20.</summary>
    Csr,

    /// <summary>Zicsr with an immediate: CSR number in bits 31:20, 5-bit unsigned value in the rs1 field.</summary>
    CsrImmediate,

    /// <summary>An atomic: aq in bit 26, rl in bit 25.</summary>
    Atomic,

    /// <summary>A fence: the fm, pred and succ fields (bits 31:20) as an unsigned value.</summary>
    Fence,
}

/// <summary>One row of the encoding table: a bit pattern as the manual prints it and what it decodes to.</summary>
internal sealed class OpcodeEntry
{
    public OpcodeEntry(string pattern, Opcode opcode, Format format, string syntax, bool rv64Only)
    {
        var bits = pattern.Replace(" ", "", StringComparison.Ordinal);
        if (bits.Length != 32)
        {
            throw new ArgumentException($"Pattern for {opcode} has {bits.Length} bits, not 32.", nameof(pattern));
        }
        for (var i = 0; i < 32; i++)
        {
            var bit = 31 - i;
            if (bits[i] is '0' or '1')
            {
                Mask |= 1u << bit;
                Match |= (uint)(bits[i] - '0') << bit;
            }
        }
        Opcode = opcode;
        Format = format;
        Rv64Only = rv64Only;
        Operands = syntax.Length == 0 ? [] : syntax.Split(',');
        foreach (var operand in Operands)
        {
            switch (operand)
            {
                case "rd" or "fd":
                    UsesRd = true;
                    break;
                case "rs1" or "fs1" or "mem" or "amo":
                    UsesRs1 = true;
                    break;
                case "rs2" or "fs2":
                    UsesRs2 = true;
                    break;
                case "fs3":
                    UsesRs3 = true;
                    break;
                case "rm":
                    UsesRm = true;
                    break;
                default:
                    break;
            }
        }
    }

    public uint Mask { get; }

    public uint Match { get; }

    public Opcode Opcode { get; }

    public Format Format { get; }

    public bool Rv64Only { get; }

    public string[] Operands { get; }

    public bool UsesRd { get; }

    public bool UsesRs1 { get; }

    public bool UsesRs2 { get; }

    public bool UsesRs3 { get; }

    public bool UsesRm { get; }
}

/// <summary>
/// The 32-bit encodings, one line per instruction in the manual's bit order (bit 31 on the left, '-' for a field).
/// Operand syntax, in the order the assembler writes them: rd/rs1/rs2 integer registers, fd/fs1/fs2/fs3
/// floating-point registers, imm (decimal), uimm20 (hex, upper immediate), shamt (hex), mem (imm(rs1)), amo ((rs1)),
/// target (pc-relative address), csr, zimm (csr immediate), rm (rounding mode, printed unless dynamic), pred/succ.
/// </summary>
internal static class OpcodeTable
{
    private const bool Rv64 = true;

    public static readonly OpcodeEntry[] Entries =
    [
        // RV32I / RV64I
        new("------- ----- ----- --- ----- 0110111", Opcode.Lui, Format.U, "rd,uimm20", false),
        new("------- ----- ----- --- ----- 0010111", Opcode.Auipc, Format.U, "rd,uimm20", false),
        new("------- ----- ----- --- ----- 1101111", Opcode.Jal, Format.J, "rd,target", false),
        new("------- ----- ----- 000 ----- 1100111", Opcode.Jalr, Format.I, "rd,mem", false),
        new("------- ----- ----- 000 ----- 1100011", Opcode.Beq, Format.B, "rs1,rs2,target", false),
        new("------- ----- ----- 001 ----- 1100011", Opcode.Bne, Format.B, "rs1,rs2,target", false),
        new("------- ----- ----- 100 ----- 1100011", Opcode.Blt, Format.B, "rs1,rs2,target", false),
        new("------- ----- ----- 101 ----- 1100011", Opcode.Bge, Format.B, "rs1,rs2,target", false),
        new("------- ----- ----- 110 ----- 1100011", Opcode.Bltu, Format.B, "rs1,rs2,target", false),
        new("------- ----- ----- 111 ----- 1100011", Opcode.Bgeu, Format.B, "rs1,rs2,target", false),
        new("------- ----- ----- 000 ----- 0000011", Opcode.Lb, Format.I, "rd,mem", false),
        new("------- ----- ----- 001 ----- 0000011", Opcode.Lh, Format.I, "rd,mem", false),
        new("------- ----- ----- 010 ----- 0000011", Opcode.Lw, Format.I, "rd,mem", false),
        new("------- ----- ----- 011 ----- 0000011", Opcode.Ld, Format.I, "rd,mem", Rv64),
        new("------- ----- ----- 100 ----- 0000011", Opcode.Lbu, Format.I, "rd,mem", false),
        new("------- ----- ----- 101 ----- 0000011", Opcode.Lhu, Format.I, "rd,mem", false),
        new("------- ----- ----- 110 ----- 0000011", Opcode.Lwu, Format.I, "rd,mem", Rv64),
        new("------- ----- ----- 000 ----- 0100011", Opcode.Sb, Format.S, "rs2,mem", false),
        new("------- ----- ----- 001 ----- 0100011", Opcode.Sh, Format.S, "rs2,mem", false),
        new("------- ----- ----- 010 ----- 0100011", Opcode.Sw, Format.S, "rs2,mem", false),
        new("------- ----- ----- 011 ----- 0100011", Opcode.Sd, Format.S, "rs2,mem", Rv64),
        new("------- ----- ----- 000 ----- 0010011", Opcode.Addi, Format.I, "rd,rs1,imm", false),
        new("------- ----- ----- 010 ----- 0010011", Opcode.Slti, Format.I, "rd,rs1,imm", false),
        new("------- ----- ----- 011 ----- 0010011", Opcode.Sltiu, Format.I, "rd,rs1,imm", false),
        new("------- ----- ----- 100 ----- 0010011", Opcode.Xori, Format.I, "rd,rs1,imm", false),
        new("------- ----- ----- 110 ----- 0010011", Opcode.Ori, Format.I, "rd,rs1,imm", false),
        new("------- ----- ----- 111 ----- 0010011", Opcode.Andi, Format.I, "rd,rs1,imm", false),
        new("000000- ----- ----- 001 ----- 0010011", Opcode.Slli, Format.Shift, "rd,rs1,shamt", false),
        new("000000- ----- ----- 101 ----- 0010011", Opcode.Srli, Format.Shift, "rd,rs1,shamt", false),
        new("010000- ----- ----- 101 ----- 0010011", Opcode.Srai, Format.Shift, "rd,rs1,shamt", false),
        new("0000000 ----- ----- 000 ----- 0110011", Opcode.Add, Format.R, "rd,rs1,rs2", false),
        new("0100000 ----- ----- 000 ----- 0110011", Opcode.Sub, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 001 ----- 0110011", Opcode.Sll, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 010 ----- 0110011", Opcode.Slt, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 011 ----- 0110011", Opcode.Sltu, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 100 ----- 0110011", Opcode.Xor, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 101 ----- 0110011", Opcode.Srl, Format.R, "rd,rs1,rs2", false),
        new("0100000 ----- ----- 101 ----- 0110011", Opcode.Sra, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 110 ----- 0110011", Opcode.Or, Format.R, "rd,rs1,rs2", false),
        new("0000000 ----- ----- 111 ----- 0110011", Opcode.And, Format.R, "rd,rs1,rs2", false),
        new("------- ----- ----- 000 ----- 0011011", Opcode.Addiw, Format.I, "rd,rs1,imm", Rv64),
        new("0000000 ----- ----- 001 ----- 0011011", Opcode.Slliw, Format.ShiftWord, "rd,rs1,shamt", Rv64),
        new("0000000 ----- ----- 101 ----- 0011011", Opcode.Srliw, Format.ShiftWord, "rd,rs1,shamt", Rv64),
        new("0100000 ----- ----- 101 ----- 0011011", Opcode.Sraiw, Format.ShiftWord, "rd,rs1,shamt", Rv64),
        new("0000000 ----- ----- 000 ----- 0111011", Opcode.Addw, Format.R, "rd,rs1,rs2", Rv64),
        new("0100000 ----- ----- 000 ----- 0111011", Opcode.Subw, Format.R, "rd,rs1,rs2", Rv64),
        new("0000000 ----- ----- 001 ----- 0111011", Opcode.Sllw, Format.R, "rd,rs1,rs2", Rv64),
        new("0000000 ----- ----- 101 ----- 0111011", Opcode.Srlw, Format.R, "rd,rs1,rs2", Rv64),
        new("0100000 ----- ----- 101 ----- 0111011", Opcode.Sraw, Format.R, "rd,rs1,rs2", Rv64),
        new("------- ----- ----- 000 ----- 0001111", Opcode.Fence, Format.Fence, "pred,succ", false),
        new("1000001 10011 00000 000 00000 0001111", Opcode.FenceTso, Format.R, "", false),
        new("0000000 00000 00000 000 00000 1110011", Opcode.Ecall, Format.R, "", false),
        new("0000000 00001 00000 000 00000 1110011", Opcode.Ebreak, Format.R, "", false),

        // Zifencei
        new("------- ----- ----- 001 ----- 0001111", Opcode.FenceI, Format.R, "", false),

        // Zicsr
        new("------- ----- ----- 001 ----- 1110011", Opcode.Csrrw, Format.Csr, "rd,csr,rs1", false),
        new("------- ----- ----- 010 ----- 1110011", Opcode.Csrrs, Format.Csr, "rd,csr,rs1", false),
        new("------- ----- ----- 011 ----- 1110011", Opcode.Csrrc, Format.Csr, "rd,csr,rs1", false),
        new("------- ----- ----- 101 ----- 1110011", Opcode.Csrrwi, Format.CsrImmediate, "rd,csr,zimm", false),
        new("------- ----- ----- 110 ----- 1110011", Opcode.Csrrsi, Format.CsrImmediate, "rd,csr,zimm", false),
        new("------- ----- ----- 111 ----- 1110011", Opcode.Csrrci, Format.CsrImmediate, "rd,csr,zimm", false),

        // M
        new("0000001 ----- ----- 000 ----- 0110011", Opcode.Mul, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 001 ----- 0110011", Opcode.Mulh, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 010 ----- 0110011", Opcode.Mulhsu, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 011 ----- 0110011", Opcode.Mulhu, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 100 ----- 0110011", Opcode.Div, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 101 ----- 0110011", Opcode.Divu, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 110 ----- 0110011", Opcode.Rem, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 111 ----- 0110011", Opcode.Remu, Format.R, "rd,rs1,rs2", false),
        new("0000001 ----- ----- 000 ----- 0111011", Opcode.Mulw, Format.R, "rd,rs1,rs2", Rv64),
        new("0000001 ----- ----- 100 ----- 0111011", Opcode.Divw, Format.R, "rd,rs1,rs2", Rv64),
        new("0000001 ----- ----- 101 ----- 0111011", Opcode.Divuw, Format.R, "rd,rs1,rs2", Rv64),
        new("0000001 ----- ----- 110 ----- 0111011", Opcode.Remw, Format.R, "rd,rs1,rs2", Rv64),
        new("0000001 ----- ----- 111 ----- 0111011", Opcode.Remuw, Format.R, "rd,rs1,rs2", Rv64),

        // A (funct5, aq, rl)
        new("00010-- 00000 ----- 010 ----- 0101111", Opcode.LrW, Format.Atomic, "rd,amo", false),
        new("00011-- ----- ----- 010 ----- 0101111", Opcode.ScW, Format.Atomic, "rd,rs2,amo", false),
        new("00001-- ----- ----- 010 ----- 0101111", Opcode.AmoswapW, Format.Atomic, "rd,rs2,amo", false),
        new("00000-- ----- ----- 010 ----- 0101111", Opcode.AmoaddW, Format.Atomic, "rd,rs2,amo", false),
        new("00100-- ----- ----- 010 ----- 0101111", Opcode.AmoxorW, Format.Atomic, "rd,rs2,amo", false),
        new("01100-- ----- ----- 010 ----- 0101111", Opcode.AmoandW, Format.Atomic, "rd,rs2,amo", false),
        new("01000-- ----- ----- 010 ----- 0101111", Opcode.AmoorW, Format.Atomic, "rd,rs2,amo", false),
        new("10000-- ----- ----- 010 ----- 0101111", Opcode.AmominW, Format.Atomic, "rd,rs2,amo", false),
        new("10100-- ----- ----- 010 ----- 0101111", Opcode.AmomaxW, Format.Atomic, "rd,rs2,amo", false),
        new("11000-- ----- ----- 010 ----- 0101111", Opcode.AmominuW, Format.Atomic, "rd,rs2,amo", false),
        new("11100-- ----- ----- 010 ----- 0101111", Opcode.AmomaxuW, Format.Atomic, "rd,rs2,amo", false),
        new("00010-- 00000 ----- 011 ----- 0101111", Opcode.LrD, Format.Atomic, "rd,amo", Rv64),
        new("00011-- ----- ----- 011 ----- 0101111", Opcode.ScD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("00001-- ----- ----- 011 ----- 0101111", Opcode.AmoswapD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("00000-- ----- ----- 011 ----- 0101111", Opcode.AmoaddD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("00100-- ----- ----- 011 ----- 0101111", Opcode.AmoxorD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("01100-- ----- ----- 011 ----- 0101111", Opcode.AmoandD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("01000-- ----- ----- 011 ----- 0101111", Opcode.AmoorD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("10000-- ----- ----- 011 ----- 0101111", Opcode.AmominD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("10100-- ----- ----- 011 ----- 0101111", Opcode.AmomaxD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("11000-- ----- ----- 011 ----- 0101111", Opcode.AmominuD, Format.Atomic, "rd,rs2,amo", Rv64),
        new("11100-- ----- ----- 011 ----- 0101111", Opcode.AmomaxuD, Format.Atomic, "rd,rs2,amo", Rv64),

        // F
        new("------- ----- ----- 010 ----- 0000111", Opcode.Flw, Format.I, "fd,mem", false),
        new("------- ----- ----- 010 ----- 0100111", Opcode.Fsw, Format.S, "fs2,mem", false),
        new("-----00 ----- ----- --- ----- 1000011", Opcode.FmaddS, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("-----00 ----- ----- --- ----- 1000111", Opcode.FmsubS, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("-----00 ----- ----- --- ----- 1001011", Opcode.FnmsubS, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("-----00 ----- ----- --- ----- 1001111", Opcode.FnmaddS, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("0000000 ----- ----- --- ----- 1010011", Opcode.FaddS, Format.R, "fd,fs1,fs2,rm", false),
        new("0000100 ----- ----- --- ----- 1010011", Opcode.FsubS, Format.R, "fd,fs1,fs2,rm", false),
        new("0001000 ----- ----- --- ----- 1010011", Opcode.FmulS, Format.R, "fd,fs1,fs2,rm", false),
        new("0001100 ----- ----- --- ----- 1010011", Opcode.FdivS, Format.R, "fd,fs1,fs2,rm", false),
        new("0101100 00000 ----- --- ----- 1010011", Opcode.FsqrtS, Format.R, "fd,fs1,rm", false),
        new("0010000 ----- ----- 000 ----- 1010011", Opcode.FsgnjS, Format.R, "fd,fs1,fs2", false),
        new("0010000 ----- ----- 001 ----- 1010011", Opcode.FsgnjnS, Format.R, "fd,fs1,fs2", false),
        new("0010000 ----- ----- 010 ----- 1010011", Opcode.FsgnjxS, Format.R, "fd,fs1,fs2", false),
        new("0010100 ----- ----- 000 ----- 1010011", Opcode.FminS, Format.R, "fd,fs1,fs2", false),
        new("0010100 ----- ----- 001 ----- 1010011", Opcode.FmaxS, Format.R, "fd,fs1,fs2", false),
        new("1100000 00000 ----- --- ----- 1010011", Opcode.FcvtWS, Format.R, "rd,fs1,rm", false),
        new("1100000 00001 ----- --- ----- 1010011", Opcode.FcvtWuS, Format.R, "rd,fs1,rm", false),
        new("1110000 00000 ----- 000 ----- 1010011", Opcode.FmvXW, Format.R, "rd,fs1", false),
        new("1010000 ----- ----- 010 ----- 1010011", Opcode.FeqS, Format.R, "rd,fs1,fs2", false),
        new("1010000 ----- ----- 001 ----- 1010011", Opcode.FltS, Format.R, "rd,fs1,fs2", false),
        new("1010000 ----- ----- 000 ----- 1010011", Opcode.FleS, Format.R, "rd,fs1,fs2", false),
        new("1110000 00000 ----- 001 ----- 1010011", Opcode.FclassS, Format.R, "rd,fs1", false),
        new("1101000 00000 ----- --- ----- 1010011", Opcode.FcvtSW, Format.R, "fd,rs1,rm", false),
        new("1101000 00001 ----- --- ----- 1010011", Opcode.FcvtSWu, Format.R, "fd,rs1,rm", false),
        new("1111000 00000 ----- 000 ----- 1010011", Opcode.FmvWX, Format.R, "fd,rs1", false),
        new("1100000 00010 ----- --- ----- 1010011", Opcode.FcvtLS, Format.R, "rd,fs1,rm", Rv64),
        new("1100000 00011 ----- --- ----- 1010011", Opcode.FcvtLuS, Format.R, "rd,fs1,rm", Rv64),
        new("1101000 00010 ----- --- ----- 1010011", Opcode.FcvtSL, Format.R, "fd,rs1,rm", Rv64),
        new("1101000 00011 ----- --- ----- 1010011", Opcode.FcvtSLu, Format.R, "fd,rs1,rm", Rv64),

        // D
        new("------- ----- ----- 011 ----- 0000111", Opcode.Fld, Format.I, "fd,mem", false),
        new("------- ----- ----- 011 ----- 0100111", Opcode.Fsd, Format.S, "fs2,mem", false),
        new("-----01 ----- ----- --- ----- 1000011", Opcode.FmaddD, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("-----01 ----- ----- --- ----- 1000111", Opcode.FmsubD, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("-----01 ----- ----- --- ----- 1001011", Opcode.FnmsubD, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("-----01 ----- ----- --- ----- 1001111", Opcode.FnmaddD, Format.R, "fd,fs1,fs2,fs3,rm", false),
        new("0000001 ----- ----- --- ----- 1010011", Opcode.FaddD, Format.R, "fd,fs1,fs2,rm", false),
        new("0000101 ----- ----- --- ----- 1010011", Opcode.FsubD, Format.R, "fd,fs1,fs2,rm", false),
        new("0001001 ----- ----- --- ----- 1010011", Opcode.FmulD, Format.R, "fd,fs1,fs2,rm", false),
        new("0001101 ----- ----- --- ----- 1010011", Opcode.FdivD, Format.R, "fd,fs1,fs2,rm", false),
        new("0101101 00000 ----- --- ----- 1010011", Opcode.FsqrtD, Format.R, "fd,fs1,rm", false),
        new("0010001 ----- ----- 000 ----- 1010011", Opcode.FsgnjD, Format.R, "fd,fs1,fs2", false),
        new("0010001 ----- ----- 001 ----- 1010011", Opcode.FsgnjnD, Format.R, "fd,fs1,fs2", false),
        new("0010001 ----- ----- 010 ----- 1010011", Opcode.FsgnjxD, Format.R, "fd,fs1,fs2", false),
        new("0010101 ----- ----- 000 ----- 1010011", Opcode.FminD, Format.R, "fd,fs1,fs2", false),
        new("0010101 ----- ----- 001 ----- 1010011", Opcode.FmaxD, Format.R, "fd,fs1,fs2", false),
        new("0100000 00001 ----- --- ----- 1010011", Opcode.FcvtSD, Format.R, "fd,fs1,rm", false),
        new("0100001 00000 ----- --- ----- 1010011", Opcode.FcvtDS, Format.R, "fd,fs1", false),
        new("1010001 ----- ----- 010 ----- 1010011", Opcode.FeqD, Format.R, "rd,fs1,fs2", false),
        new("1010001 ----- ----- 001 ----- 1010011", Opcode.FltD, Format.R, "rd,fs1,fs2", false),
        new("1010001 ----- ----- 000 ----- 1010011", Opcode.FleD, Format.R, "rd,fs1,fs2", false),
        new("1110001 00000 ----- 001 ----- 1010011", Opcode.FclassD, Format.R, "rd,fs1", false),
        new("1100001 00000 ----- --- ----- 1010011", Opcode.FcvtWD, Format.R, "rd,fs1,rm", false),
        new("1100001 00001 ----- --- ----- 1010011", Opcode.FcvtWuD, Format.R, "rd,fs1,rm", false),
        new("1101001 00000 ----- --- ----- 1010011", Opcode.FcvtDW, Format.R, "fd,rs1", false),
        new("1101001 00001 ----- --- ----- 1010011", Opcode.FcvtDWu, Format.R, "fd,rs1", false),
        new("1100001 00010 ----- --- ----- 1010011", Opcode.FcvtLD, Format.R, "rd,fs1,rm", Rv64),
        new("1100001 00011 ----- --- ----- 1010011", Opcode.FcvtLuD, Format.R, "rd,fs1,rm", Rv64),
        new("1110001 00000 ----- 000 ----- 1010011", Opcode.FmvXD, Format.R, "rd,fs1", Rv64),
        new("1101001 00010 ----- --- ----- 1010011", Opcode.FcvtDL, Format.R, "fd,rs1,rm", Rv64),
        new("1101001 00011 ----- --- ----- 1010011", Opcode.FcvtDLu, Format.R, "fd,rs1,rm", Rv64),
        new("1111001 00000 ----- 000 ----- 1010011", Opcode.FmvDX, Format.R, "fd,rs1", Rv64),

        // Privileged
        new("0001000 00010 00000 000 00000 1110011", Opcode.Sret, Format.R, "", false),
        new("0011000 00010 00000 000 00000 1110011", Opcode.Mret, Format.R, "", false),
        new("0001000 00101 00000 000 00000 1110011", Opcode.Wfi, Format.R, "", false),
        new("0001001 ----- ----- 000 00000 1110011", Opcode.SfenceVma, Format.R, "rs1,rs2", false),
    ];
}
