using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>
/// An immediate operand of <see cref="RiscVAssembler"/>: a number, or a symbolic 64-bit value when the JIT runs on an
/// instruction whose immediate or offset stands for all values (<see cref="BpfFields"/>).
/// </summary>
/// <param name="Value">The value, 64 bits wide, signed where the field is.</param>
public readonly record struct Immediate(BitVec Value)
{
    /// <summary>A concrete immediate.</summary>
    public static implicit operator Immediate(long value) => new(BitVec.Of((ulong)value, 64));

    /// <summary>A (possibly symbolic) immediate; narrower values are sign-extended to 64 bits.</summary>
    public static implicit operator Immediate(BitVec value) => new(value.Width < 64 ? value.SignExtendTo(64) : value);

    /// <summary>A concrete immediate.</summary>
    public static Immediate FromInt64(long value) => value;

    /// <summary>A (possibly symbolic) immediate.</summary>
    public static Immediate FromBitVec(BitVec value) => value;

    /// <summary>Its bits <paramref name="high"/>..<paramref name="low"/>.</summary>
    internal BitVec Bits(int high, int low) => Value.Extract(high, low);
}

/// <summary>
/// Encodes the RV64IMA instructions the eBPF JIT emits, by format (R, I, S, B, U, J), into a growing list of words.
/// Registers are numbers 0..31. Immediates may be symbolic (the JIT checker runs the JIT on instructions whose
/// immediates and offsets stand for all values): such a word's immediate field is a term over them, kept in
/// <see cref="SymbolicWords"/>, and that an immediate fits its field is an obligation (<see cref="Obligations"/>)
/// rather than a check; a concrete immediate that does not fit throws as before. Where the JIT's code depends on a
/// symbolic value it asks <see cref="Decide"/>, which a run under <see cref="EmitPaths"/> answers both ways.
/// </summary>
public sealed class RiscVAssembler
{
    private readonly List<uint> _words = [];
    private readonly List<BitVec> _symbolic = [];
    private readonly List<(Bool Holds, string What)> _obligations = [];
    private readonly EmitPaths.Trail? _trail;

    /// <summary>An assembler for concrete code: a decision on a symbolic value throws.</summary>
    public RiscVAssembler()
    {
    }

    internal RiscVAssembler(EmitPaths.Trail trail) => _trail = trail;

    /// <summary>
    /// The words emitted so far; a word with a symbolic immediate has that field's bits zero here (its whole value
    /// is in <see cref="SymbolicWords"/>).
    /// </summary>
    public IReadOnlyList<uint> Words => _words;

    /// <summary>Every word as a 32-bit value (a term where an immediate is symbolic).</summary>
    public IReadOnlyList<BitVec> SymbolicWords => _symbolic;

    /// <summary>What must hold for the code to be encodable: every symbolic immediate fits its field, with what it is.</summary>
    public IReadOnlyList<(Bool Holds, string What)> Obligations => _obligations;

    /// <summary>The byte offset of the next instruction from the first.</summary>
    public long Position => _words.Count * 4L;

    /// <summary>
    /// Which way code generation goes on <paramref name="condition"/>: its value when concrete; when symbolic, the
    /// way this run of <see cref="EmitPaths.Explore"/> takes (another run takes the other way).
    /// </summary>
    /// <exception cref="InvalidOperationException">A symbolic condition outside <see cref="EmitPaths"/>.</exception>
    public bool Decide(Bool condition)
    {
        if (condition.TryGetValue(out var value))
        {
            return value;
        }
        return _trail is null ? throw new InvalidOperationException($"code generation depends on a symbolic value ({condition}) outside a symbolic run")
            : _trail.Choose(condition);
    }

#pragma warning disable CS1591 // One method per instruction, named by its mnemonic; operands in assembly order.
    public void Lui(int rd, Immediate imm20) => Add(imm20.Bits(19, 0), Fixed(0x37 | (rd << 7), 12));
    public void Jal(int rd, Immediate offset) => J(rd, offset);
    public void Jalr(int rd, int rs1, Immediate imm) => I(0x67, 0, rd, rs1, imm);
    public void Beq(int rs1, int rs2, Immediate offset) => B(0, rs1, rs2, offset);
    public void Bne(int rs1, int rs2, Immediate offset) => B(1, rs1, rs2, offset);
    public void Blt(int rs1, int rs2, Immediate offset) => B(4, rs1, rs2, offset);
    public void Bge(int rs1, int rs2, Immediate offset) => B(5, rs1, rs2, offset);
    public void Bltu(int rs1, int rs2, Immediate offset) => B(6, rs1, rs2, offset);
    public void Bgeu(int rs1, int rs2, Immediate offset) => B(7, rs1, rs2, offset);
    public void Load(int bytes, bool signed, int rd, int rs1, Immediate imm) =>
        I(0x03, (bytes switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 }) | (signed || bytes == 8 ? 0 : 4), rd, rs1, imm);
    public void Store(int bytes, int rs2, int rs1, Immediate imm) => S(bytes switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 }, rs1, rs2, imm);
    public void Addi(int rd, int rs1, Immediate imm) => I(0x13, 0, rd, rs1, imm);
    public void Xori(int rd, int rs1, Immediate imm) => I(0x13, 4, rd, rs1, imm);
    public void Ori(int rd, int rs1, Immediate imm) => I(0x13, 6, rd, rs1, imm);
    public void Andi(int rd, int rs1, Immediate imm) => I(0x13, 7, rd, rs1, imm);
    public void Slli(int rd, int rs1, Immediate shamt) => Shift(0x13, 1, 0, rd, rs1, shamt, 63);
    public void Srli(int rd, int rs1, Immediate shamt) => Shift(0x13, 5, 0, rd, rs1, shamt, 63);
    public void Srai(int rd, int rs1, Immediate shamt) => Shift(0x13, 5, 0x400, rd, rs1, shamt, 63);
    public void Addiw(int rd, int rs1, Immediate imm) => I(0x1B, 0, rd, rs1, imm);
    public void Slliw(int rd, int rs1, Immediate shamt) => Shift(0x1B, 1, 0, rd, rs1, shamt, 31);
    public void Srliw(int rd, int rs1, Immediate shamt) => Shift(0x1B, 5, 0, rd, rs1, shamt, 31);
    public void Sraiw(int rd, int rs1, Immediate shamt) => Shift(0x1B, 5, 0x400, rd, rs1, shamt, 31);
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

    /// <summary>Whether <paramref name="value"/> (64 bits) fits a signed 12-bit immediate.</summary>
    public static Bool FitsImm12(BitVec value) => FitsSigned(value, 12);

    // -2^(bits-1) <= value < 2^(bits-1), as a 64-bit signed comparison.
    private static Bool FitsSigned(BitVec value, int bits) =>
        value.Sge(BitVec.Of(unchecked((ulong)-(1L << (bits - 1))), 64)) & value.Slt(BitVec.Of(1UL << (bits - 1), 64));

    private void R(int opcode, int funct3, int funct7, int rd, int rs1, int rs2) =>
        Add(Fixed(opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20) | (funct7 << 25), 32));

    private void I(int opcode, int funct3, int rd, int rs1, Immediate imm)
    {
        Require(FitsSigned(imm.Value, 12), imm, "an I-type immediate is 12 bits, signed");
        Add(imm.Bits(11, 0), Fixed(opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15), 20));
    }

    // An immediate shift: `high` is bit 10 of the I-type immediate (arithmetic right shifts), the amount below it.
    private void Shift(int opcode, int funct3, int high, int rd, int rs1, Immediate shamt, int max)
    {
        Require(shamt.Value.Ule(BitVec.Of((ulong)max, 64)), shamt, $"a shift amount is 0..{max}");
        Add(Fixed(high >> 6, 6), shamt.Bits(5, 0), Fixed(opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15), 20));
    }

    private void S(int funct3, int rs1, int rs2, Immediate imm)
    {
        Require(FitsSigned(imm.Value, 12), imm, "an S-type immediate is 12 bits, signed");
        Add(imm.Bits(11, 5), Fixed((rs2 << 8) | (rs1 << 3) | funct3, 13), imm.Bits(4, 0), Fixed(0x23, 7));
    }

    private void B(int funct3, int rs1, int rs2, Immediate offset)
    {
        Require(FitsSigned(offset.Value, 13) & (offset.Value & 1UL) == 0UL, offset, "a branch reaches ±4 KiB, even offsets");
        Add(offset.Bits(12, 12), offset.Bits(10, 5), Fixed((rs2 << 8) | (rs1 << 3) | funct3, 13), offset.Bits(4, 1), offset.Bits(11, 11), Fixed(0x63, 7));
    }

    private void J(int rd, Immediate offset)
    {
        Require(FitsSigned(offset.Value, 21) & (offset.Value & 1UL) == 0UL, offset, "jal reaches ±1 MiB, even offsets");
        Add(offset.Bits(20, 20), offset.Bits(10, 1), offset.Bits(11, 11), offset.Bits(19, 12), Fixed((rd << 7) | 0x6F, 12));
    }

    private static BitVec Fixed(int bits, int width) => BitVec.Of((ulong)(uint)bits & ((1UL << width) - 1), width);

    // A concrete immediate that does not fit throws (a bug in the JIT); a symbolic one makes an obligation.
    private void Require(Bool fits, Immediate value, string what)
    {
        if (fits.TryGetValue(out var holds))
        {
            if (!holds)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value.Value.SignedValue, what);
            }
            return;
        }
        _obligations.Add((fits, $"word {_words.Count}: {what}"));
    }

    // A word from its fields, high to low (32 bits in all): fixed fields and immediate bits, concrete or terms. A
    // word of concatenated fields lets the interpreter's extraction of a field give back the term it came from.
    private void Add(params BitVec[] fields)
    {
        var word = fields[0];
        var skeleton = 0UL;
        for (var k = 0; k < fields.Length; k++)
        {
            skeleton = (skeleton << fields[k].Width) | (fields[k].TryGetValue(out var bits) ? bits : 0);
            word = k == 0 ? word : word.Concat(fields[k]);
        }
        _words.Add((uint)skeleton);
        _symbolic.Add(word);
    }
}
