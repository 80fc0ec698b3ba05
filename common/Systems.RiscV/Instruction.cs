namespace Systems.RiscV;

/// <summary>The base integer width a hart runs at.</summary>
public enum Xlen : byte
{
    /// <summary>RV32: 32-bit registers.</summary>
    Rv32 = 32,

    /// <summary>RV64: 64-bit registers.</summary>
    Rv64 = 64,
}

/// <summary>The floating-point rounding mode field (<c>rm</c>) of an instruction.</summary>
public enum RoundingMode : byte
{
    /// <summary>Round to nearest, ties to even.</summary>
    Rne = 0,

    /// <summary>Round towards zero.</summary>
    Rtz = 1,

    /// <summary>Round down (towards negative infinity).</summary>
    Rdn = 2,

    /// <summary>Round up (towards positive infinity).</summary>
    Rup = 3,

    /// <summary>Round to nearest, ties to max magnitude.</summary>
    Rmm = 4,

    /// <summary>Reserved encoding 5 (illegal when executed).</summary>
    Reserved5 = 5,

    /// <summary>Reserved encoding 6 (illegal when executed).</summary>
    Reserved6 = 6,

    /// <summary>Dynamic: use the <c>frm</c> CSR.</summary>
    Dynamic = 7,
}

/// <summary>
/// One decoded instruction: a compact value with the operation, its register numbers and immediate. Compressed
/// instructions are expanded to their 32-bit equivalents, so that an executor handles one form; <see cref="Length"/>
/// (2 or 4) says how far the program counter advances and <see cref="Bits"/> keeps the original encoding.
/// </summary>
/// <param name="Opcode">The operation, or <see cref="Opcode.Illegal"/> for bits that encode nothing.</param>
/// <param name="Rd">The destination register number (integer or floating-point by the opcode), 0 when unused.</param>
/// <param name="Rs1">The first source register number, 0 when unused.</param>
/// <param name="Rs2">The second source register number, 0 when unused.</param>
/// <param name="Rs3">The third source register number (fused multiply-add), 0 when unused.</param>
/// <param name="Imm">
/// The immediate, sign-extended: offsets of loads, stores, branches and jumps; the value of I-type arithmetic; the
/// already-shifted upper value of <c>lui</c>/<c>auipc</c>; the shift amount; the 5-bit unsigned operand of
/// <c>csrr*i</c>; the fm/pred/succ field (bits 31:20) of <c>fence</c>.
/// </param>
/// <param name="Csr">The CSR number of a Zicsr instruction.</param>
/// <param name="Rm">The rounding mode of a floating-point instruction that has one.</param>
/// <param name="Aq">The acquire bit of an atomic instruction.</param>
/// <param name="Rl">The release bit of an atomic instruction.</param>
/// <param name="Length">The encoding's length in bytes: 2 (compressed) or 4.</param>
/// <param name="Bits">The encoding as fetched (a 16-bit parcel in the low half for compressed instructions).</param>
public readonly record struct Instruction(
    Opcode Opcode, byte Rd, byte Rs1, byte Rs2, byte Rs3, long Imm, ushort Csr, RoundingMode Rm, bool Aq, bool Rl,
    byte Length, uint Bits)
{
    /// <summary>Whether the bits encode an instruction this decoder knows.</summary>
    public bool IsLegal => Opcode != Opcode.Illegal;

    /// <summary>Whether this came from a 16-bit compressed parcel.</summary>
    public bool IsCompressed => Length == 2;

    /// <summary>The length in bytes of the instruction whose first 16-bit parcel is <paramref name="parcel"/>.</summary>
    public static int LengthOf(ushort parcel) => (parcel & 3) == 3 ? 4 : 2;

    /// <summary>An illegal instruction naming the bits it came from.</summary>
    public static Instruction IllegalOf(uint bits, byte length) =>
        new(Opcode.Illegal, 0, 0, 0, 0, 0, 0, RoundingMode.Rne, false, false, length, bits);

    /// <inheritdoc />
    public override string ToString() => Disassembler.Format(this, 0);
}
