namespace Serval.Bpf;

/// <summary>
/// Encodes the RV64IMA instructions the eBPF JIT emits, by format (R, I, S, B, U, J), into a growing list of words.
/// Registers are numbers 0..31; immediates must fit their field (checked).
/// </summary>
public sealed class RiscVAssembler
{
    private readonly List<uint> _words = [];

    /// <summary>The words emitted so far.</summary>
    public IReadOnlyList<uint> Words => _words;

    /// <summary>The byte offset of the next instruction from the first.</summary>
    public long Position => _words.Count * 4L;

#pragma warning disable CS1591 // One method per instruction, named by its mnemonic; operands in assembly order.
    public void Lui(int rd, int imm20) => U(0x37, rd, imm20);
    public void Jal(int rd, long offset) => J(rd, offset);
    public void Jalr(int rd, int rs1, int imm) => I(0x67, 0, rd, rs1, imm);
    public void Beq(int rs1, int rs2, long offset) => B(0, rs1, rs2, offset);
    public void Bne(int rs1, int rs2, long offset) => B(1, rs1, rs2, offset);
    public void Blt(int rs1, int rs2, long offset) => B(4, rs1, rs2, offset);
    public void Bge(int rs1, int rs2, long offset) => B(5, rs1, rs2, offset);
    public void Bltu(int rs1, int rs2, long offset) => B(6, rs1, rs2, offset);
    public void Bgeu(int rs1, int rs2, long offset) => B(7, rs1, rs2, offset);
    public void Load(int bytes, bool signed, int rd, int rs1, int imm) =>
        I(0x03, (bytes switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 }) | (signed || bytes == 8 ? 0 : 4), rd, rs1, imm);
    public void Store(int bytes, int rs2, int rs1, int imm) => S(bytes switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 }, rs1, rs2, imm);
    public void Addi(int rd, int rs1, int imm) => I(0x13, 0, rd, rs1, imm);
    public void Xori(int rd, int rs1, int imm) => I(0x13, 4, rd, rs1, imm);
    public void Ori(int rd, int rs1, int imm) => I(0x13, 6, rd, rs1, imm);
    public void Andi(int rd, int rs1, int imm) => I(0x13, 7, rd, rs1, imm);
    public void Slli(int rd, int rs1, int shamt) => I(0x13, 1, rd, rs1, Shamt(shamt, 63));
    public void Srli(int rd, int rs1, int shamt) => I(0x13, 5, rd, rs1, Shamt(shamt, 63));
    public void Srai(int rd, int rs1, int shamt) => I(0x13, 5, rd, rs1, Shamt(shamt, 63) | 0x400);
    public void Addiw(int rd, int rs1, int imm) => I(0x1B, 0, rd, rs1, imm);
    public void Slliw(int rd, int rs1, int shamt) => I(0x1B, 1, rd, rs1, Shamt(shamt, 31));
    public void Srliw(int rd, int rs1, int shamt) => I(0x1B, 5, rd, rs1, Shamt(shamt, 31));
    public void Sraiw(int rd, int rs1, int shamt) => I(0x1B, 5, rd, rs1, Shamt(shamt, 31) | 0x400);
    public void Add(int rd, int rs1, int rs2) => R(0x33, 0, 0x00, rd, rs1, rs2);
    public void Sub(int rd, int rs1, int rs2) => R(0x33, 0, 0x20, rd, rs1, rs2);
    public void Sll(int rd, int rs1, int rs2) => R(0x33, 1, 0x00, rd, rs1, rs2);
    public void Xor(int rd, int rs1, int rs2) => R(0x33, 4, 0x00, rd, rs1, rs2);
    public void Srl(int rd, int rs1, int rs2) => R(0x33, 5, 0x00, rd, rs1, rs2);
    public void Sra(int rd, int rs1, int rs2) => R(0x33, 5, 0x20, rd, rs1, rs2);
    public void Or(int rd, int rs1, int rs2) => R(0x33, 6, 0x00, rd, rs1, rs2);
    public void And(int rd, int rs1, int rs2) => R(0x33, 7, 0x00, rd, rs1, rs2);
    public void Addw(int rd, int rs1, int rs2) => R(0x3B, 0, 0x00, rd, rs1, rs2);
    public void Subw(int rd, int rs1, int rs2) => R(0x3B, 0, 0x20, rd, rs1, rs2);
    public void Sllw(int rd, int rs1, int rs2) => R(0x3B, 1, 0x00, rd, rs1, rs2);
    public void Srlw(int rd, int rs1, int rs2) => R(0x3B, 5, 0x00, rd, rs1, rs2);
    public void Sraw(int rd, int rs1, int rs2) => R(0x3B, 5, 0x20, rd, rs1, rs2);
    public void Mul(int rd, int rs1, int rs2) => R(0x33, 0, 0x01, rd, rs1, rs2);
    public void Div(int rd, int rs1, int rs2) => R(0x33, 4, 0x01, rd, rs1, rs2);
    public void Divu(int rd, int rs1, int rs2) => R(0x33, 5, 0x01, rd, rs1, rs2);
    public void Rem(int rd, int rs1, int rs2) => R(0x33, 6, 0x01, rd, rs1, rs2);
    public void Remu(int rd, int rs1, int rs2) => R(0x33, 7, 0x01, rd, rs1, rs2);
    public void Mulw(int rd, int rs1, int rs2) => R(0x3B, 0, 0x01, rd, rs1, rs2);
    public void Divw(int rd, int rs1, int rs2) => R(0x3B, 4, 0x01, rd, rs1, rs2);
    public void Divuw(int rd, int rs1, int rs2) => R(0x3B, 5, 0x01, rd, rs1, rs2);
    public void Remw(int rd, int rs1, int rs2) => R(0x3B, 6, 0x01, rd, rs1, rs2);
    public void Remuw(int rd, int rs1, int rs2) => R(0x3B, 7, 0x01, rd, rs1, rs2);
#pragma warning restore CS1591

    /// <summary>An atomic memory operation (funct5: 0 add, 1 swap, 2 lr, 3 sc, 4 xor, 8 or, 12 and) on a word or doubleword, acquire and release clear.</summary>
    public void Atomic(int funct5, bool word, int rd, int rs1, int rs2) => R(0x2F, word ? 2 : 3, funct5 << 2, rd, rs1, rs2);

    /// <summary>Whether <paramref name="value"/> fits a signed 12-bit immediate.</summary>
    public static bool FitsImm12(long value) => value is >= -2048 and <= 2047;

    private static int Shamt(int shamt, int max) => shamt >= 0 && shamt <= max ? shamt : throw new ArgumentOutOfRangeException(nameof(shamt), shamt, $"a shift amount is 0..{max}");

    private void R(int opcode, int funct3, int funct7, int rd, int rs1, int rs2) =>
        _words.Add((uint)(opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20) | (funct7 << 25)));

    private void I(int opcode, int funct3, int rd, int rs1, int imm)
    {
        if (!FitsImm12(imm) && !(opcode is 0x13 or 0x1B && funct3 is 1 or 5))
        {
            throw new ArgumentOutOfRangeException(nameof(imm), imm, "an I-type immediate is 12 bits, signed");
        }
        _words.Add((uint)(opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | ((imm & 0xFFF) << 20)));
    }

    private void S(int funct3, int rs1, int rs2, int imm)
    {
        if (!FitsImm12(imm))
        {
            throw new ArgumentOutOfRangeException(nameof(imm), imm, "an S-type immediate is 12 bits, signed");
        }
        _words.Add((uint)(0x23 | ((imm & 0x1F) << 7) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20) | (((imm >> 5) & 0x7F) << 25)));
    }

    private void B(int funct3, int rs1, int rs2, long offset)
    {
        if (offset is < -4096 or > 4094 || (offset & 1) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "a branch reaches ±4 KiB, even offsets");
        }
        var o = (int)offset;
        _words.Add((uint)(0x63 | (((o >> 11) & 1) << 7) | (((o >> 1) & 0xF) << 8) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20)
            | (((o >> 5) & 0x3F) << 25) | (((o >> 12) & 1) << 31)));
    }

    private void U(int opcode, int rd, int imm20) => _words.Add((uint)(opcode | (rd << 7) | ((imm20 & 0xFFFFF) << 12)));

    private void J(int rd, long offset)
    {
        if (offset is < -(1 << 20) or >= 1 << 20 || (offset & 1) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "jal reaches ±1 MiB, even offsets");
        }
        var o = (int)offset;
        _words.Add((uint)(0x6F | (rd << 7) | (((o >> 12) & 0xFF) << 12) | (((o >> 11) & 1) << 20) | (((o >> 1) & 0x3FF) << 21) | (((o >> 20) & 1) << 31)));
    }
}
