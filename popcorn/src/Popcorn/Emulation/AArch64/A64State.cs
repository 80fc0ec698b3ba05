namespace Popcorn.Emulation.AArch64;

/// <summary>
/// The architectural state of one AArch64 guest thread: X0–X30, SP, PC, NZCV, the 32 128-bit SIMD&amp;FP registers,
/// FPCR, FPSR, TPIDR_EL0 and the exclusive monitor. A plain object: stack transformation reads and writes it
/// through <see cref="GetX"/>/<see cref="SetX"/>, <see cref="GetVector"/>/<see cref="SetVector"/> and the properties.
/// </summary>
public sealed class A64State : ArchitecturalState
{
    /// <summary>Register-file slots: X0–X30, a zero slot, SP, and a write sink (see <see cref="A64Instruction"/>).</summary>
    internal readonly ulong[] Slots = new ulong[A64Instruction.SlotCount];

    /// <summary>The vector registers as pairs of 64-bit halves: V[2n] is bits 63:0 of Vn, V[2n+1] bits 127:64.</summary>
    internal readonly ulong[] V = new ulong[64];

    /// <summary>N, Z, C, V as bits 3–0.</summary>
    internal uint Flags;

    internal ulong Pc;

    /// <summary>Exclusive monitor: the address marked by the last load-exclusive, valid when <see cref="ExclusiveSize"/> is non-zero.</summary>
    internal ulong ExclusiveAddress;

    internal int ExclusiveSize;

    /// <inheritdoc />
    public override Isa Isa => Isa.Aarch64;

    /// <inheritdoc />
    public override ulong ProgramCounter { get => Pc; set => Pc = value; }

    /// <inheritdoc />
    public override ulong StackPointer { get => Slots[A64Instruction.Sp]; set => Slots[A64Instruction.Sp] = value; }

    /// <summary>TPIDR_EL0, the thread pointer.</summary>
    public override ulong ThreadPointer { get; set; }

    /// <inheritdoc />
    public override long SystemCallNumber => (long)Slots[8];

    /// <summary>The condition flags as PSTATE holds them: N, Z, C, V in bits 31–28 (the NZCV system register).</summary>
    public ulong Nzcv { get => (ulong)Flags << 28; set => Flags = (uint)(value >> 28) & 0xF; }

    internal ulong FpcrBits;

    internal ulong FpsrBits;

    /// <summary>The floating-point control register (rounding mode in bits 23–22, DN in bit 25, FZ in bit 24).</summary>
    public ulong Fpcr { get => FpcrBits; set => FpcrBits = value; }

    /// <summary>The floating-point status register (cumulative exception flags IOC, DZC, OFC, UFC, IXC, IDC).</summary>
    public ulong Fpsr { get => FpsrBits; set => FpsrBits = value; }

    /// <summary>Reads X<paramref name="n"/> (0–30); 31 reads as zero (XZR).</summary>
    public ulong GetX(int n) => n is >= 0 and <= 31 ? Slots[n] : throw new ArgumentOutOfRangeException(nameof(n), n, "X registers are numbered 0-31");

    /// <summary>Writes X<paramref name="n"/> (0–30); a write to 31 (XZR) is discarded.</summary>
    public void SetX(int n, ulong value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 31);
        if (n < 31)
        {
            Slots[n] = value;
        }
    }

    /// <summary>Reads V<paramref name="n"/> as its low and high 64-bit halves.</summary>
    public (ulong Low, ulong High) GetVector(int n) => (V[2 * n], V[(2 * n) + 1]);

    /// <summary>Writes V<paramref name="n"/> from its low and high 64-bit halves.</summary>
    public void SetVector(int n, ulong low, ulong high)
    {
        V[2 * n] = low;
        V[(2 * n) + 1] = high;
    }

    /// <inheritdoc />
    public override ulong GetSystemCallArgument(int index) =>
        index is >= 0 and <= 5 ? Slots[index] : throw new ArgumentOutOfRangeException(nameof(index), index, "system calls take arguments 0-5");

    /// <inheritdoc />
    public override void SetSystemCallResult(long value) => Slots[0] = (ulong)value;

    /// <inheritdoc />
    public override void ClearReservation() => ExclusiveSize = 0;

    /// <inheritdoc />
    public override bool HoldsReservation => ExclusiveSize != 0;

    /// <inheritdoc />
    public override ArchitecturalState Clone()
    {
        var copy = new A64State
        {
            Flags = Flags,
            Pc = Pc,
            ThreadPointer = ThreadPointer,
            FpcrBits = FpcrBits,
            FpsrBits = FpsrBits,
        };
        Slots.CopyTo(copy.Slots, 0);
        V.CopyTo(copy.V, 0);
        return copy;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        for (var n = 0; n < 31; n++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"x{n}=0x{Slots[n]:x} ");
        }
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"sp=0x{StackPointer:x} pc=0x{Pc:x} nzcv={Flags:x}");
        return text.ToString();
    }
}
