using System.Runtime.CompilerServices;

namespace Systems.RiscV;

/// <summary>
/// Decodes RISC-V machine code: a 32-bit word, or a 16-bit compressed parcel expanded to its 32-bit equivalent.
/// Never throws and never allocates: bits that encode nothing known give <see cref="Opcode.Illegal"/> carrying them.
/// </summary>
public static class InstructionDecoder
{
    // Entries bucketed by the major opcode (bits 6:2), most specific pattern first within a bucket.
    private static readonly OpcodeEntry[][] Buckets = BuildBuckets();

    /// <summary>
    /// Decodes the instruction starting in the low bits of <paramref name="bits"/>: when the low two bits are 11 the
    /// whole word is a 32-bit instruction, otherwise the low 16 bits are a compressed one (the upper half is ignored).
    /// </summary>
    public static Instruction Decode(uint bits, Xlen xlen = Xlen.Rv64) =>
        (bits & 3) == 3 ? Decode32(bits, xlen) : CompressedDecoder.Expand((ushort)bits, xlen);

    /// <summary>Decodes a 16-bit compressed parcel to the 32-bit instruction it stands for.</summary>
    public static Instruction DecodeCompressed(ushort parcel, Xlen xlen = Xlen.Rv64) =>
        (parcel & 3) == 3 ? Instruction.IllegalOf(parcel, 2) : CompressedDecoder.Expand(parcel, xlen);

    /// <summary>
    /// Decodes the instruction at the start of <paramref name="code"/> (little-endian), or an illegal instruction of
    /// length 0 when fewer bytes remain than its length needs.
    /// </summary>
    public static Instruction Decode(ReadOnlySpan<byte> code, Xlen xlen = Xlen.Rv64)
    {
        if (code.Length < 2)
        {
            return Instruction.IllegalOf(code.Length == 1 ? code[0] : 0u, 0);
        }
        var low = (uint)(code[0] | (code[1] << 8));
        if ((low & 3) != 3)
        {
            return CompressedDecoder.Expand((ushort)low, xlen);
        }
        if (code.Length < 4)
        {
            return Instruction.IllegalOf(low, 0);
        }
        return Decode32(low | (uint)(code[2] << 16) | (uint)(code[3] << 24), xlen);
    }

    /// <summary>Decodes a 32-bit encoding (its low two bits must be 11).</summary>
    public static Instruction Decode32(uint bits, Xlen xlen = Xlen.Rv64)
    {
        if ((bits & 3) != 3)
        {
            return Instruction.IllegalOf(bits, 4);
        }
        foreach (var entry in Buckets[(bits >> 2) & 0x1F])
        {
            if ((bits & entry.Mask) == entry.Match)
            {
                return Build(entry, bits, xlen);
            }
        }
        return Instruction.IllegalOf(bits, 4);
    }

    /// <summary>The table row for an opcode (used by the disassembler for its operand syntax).</summary>
    internal static OpcodeEntry EntryOf(Opcode opcode) => ByOpcode[(int)opcode];

    private static readonly OpcodeEntry[] ByOpcode = BuildIndex();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Instruction Build(OpcodeEntry entry, uint bits, Xlen xlen)
    {
        if (xlen == Xlen.Rv32 && (entry.Rv64Only || (entry.Format == Format.Shift && (bits & (1u << 25)) != 0)))
        {
            return Instruction.IllegalOf(bits, 4);
        }
        var rd = entry.UsesRd ? (byte)((bits >> 7) & 0x1F) : (byte)0;
        var rs1 = entry.UsesRs1 ? (byte)((bits >> 15) & 0x1F) : (byte)0;
        var rs2 = entry.UsesRs2 ? (byte)((bits >> 20) & 0x1F) : (byte)0;
        var rs3 = entry.UsesRs3 ? (byte)(bits >> 27) : (byte)0;
        var rm = entry.UsesRm ? (RoundingMode)((bits >> 12) & 7) : RoundingMode.Rne;
        long imm = 0;
        ushort csr = 0;
        bool aq = false, rl = false;
        switch (entry.Format)
        {
            case Format.I:
                imm = (int)bits >> 20;
                break;
            case Format.S:
                imm = ((int)bits >> 25 << 5) | (int)((bits >> 7) & 0x1F);
                break;
            case Format.B:
                imm = ((int)bits >> 31 << 12) | (int)((bits << 4) & 0x800) | (int)((bits >> 20) & 0x7E0)
                    | (int)((bits >> 7) & 0x1E);
                break;
            case Format.U:
                imm = (int)(bits & 0xFFFFF000);
                break;
            case Format.J:
                imm = ((int)bits >> 31 << 20) | (int)(bits & 0xFF000) | (int)((bits >> 9) & 0x800)
                    | (int)((bits >> 20) & 0x7FE);
                break;
            case Format.Shift:
                imm = (bits >> 20) & 0x3F;
                break;
            case Format.ShiftWord:
                imm = (bits >> 20) & 0x1F;
                break;
            case Format.Csr:
                csr = (ushort)(bits >> 20);
                break;
            case Format.CsrImmediate:
                csr = (ushort)(bits >> 20);
                imm = (bits >> 15) & 0x1F;
                break;
            case Format.Atomic:
                aq = (bits & (1u << 26)) != 0;
                rl = (bits & (1u << 25)) != 0;
                break;
            case Format.Fence:
                imm = bits >> 20;
                break;
            default:
                break;
        }
        return new Instruction(entry.Opcode, rd, rs1, rs2, rs3, imm, csr, rm, aq, rl, 4, bits);
    }

    private static OpcodeEntry[][] BuildBuckets()
    {
        var buckets = new OpcodeEntry[32][];
        for (var major = 0u; major < 32; major++)
        {
            var bits = (major << 2) | 3;
            buckets[major] = [.. OpcodeTable.Entries
                .Where(e => (e.Mask & 0x7F) == 0x7F && (e.Match & 0x7F) == bits)
                .OrderByDescending(e => System.Numerics.BitOperations.PopCount(e.Mask))];
        }
        return buckets;
    }

    private static OpcodeEntry[] BuildIndex()
    {
        var index = new OpcodeEntry[Enum.GetValues<Opcode>().Length];
        foreach (var entry in OpcodeTable.Entries)
        {
            index[(int)entry.Opcode] = entry;
        }
        return index;
    }
}
