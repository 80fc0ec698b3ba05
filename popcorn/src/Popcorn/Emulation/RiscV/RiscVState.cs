namespace Popcorn.Emulation.RiscV;

/// <summary>
/// The user-level architectural state of one RV64GC hart: x0–x31, f0–f31 (raw 64-bit patterns; single-precision
/// values NaN-boxed), the program counter, <c>fcsr</c> (<see cref="Frm"/> and <see cref="Fflags"/>), the retired
/// instruction count read by <c>instret</c>, and the LR/SC reservation.
/// </summary>
public sealed class RiscVState : ArchitecturalState
{
    /// <summary>Index of the write-only sink that instructions naming x0 as destination write to.</summary>
    internal const int Sink = 32;

    /// <summary>Integer registers x0–x31; element 32 is a sink for writes to x0, so x0 always reads 0.</summary>
    public ulong[] X { get; } = new ulong[33];

    /// <summary>Floating-point registers f0–f31 as raw bits.</summary>
    public ulong[] F { get; } = new ulong[32];

    /// <summary>The program counter.</summary>
    public ulong Pc { get; set; }

    /// <summary>The dynamic rounding mode (<c>frm</c>, 3 bits).</summary>
    public uint Frm { get; set; }

    /// <summary>The accrued exception flags (<c>fflags</c>: NV, DZ, OF, UF, NX from bit 4 down to bit 0).</summary>
    public uint Fflags { get; set; }

    /// <summary>Instructions this hart has retired (<c>instret</c>, <c>cycle</c>).</summary>
    public long InstructionsRetired { get; set; }

    /// <summary>The address reserved by the last <c>lr.w</c>/<c>lr.d</c>, when <see cref="ReservationValid"/>.</summary>
    public ulong ReservationAddress { get; set; }

    /// <summary>Whether a reservation is held.</summary>
    public bool ReservationValid { get; set; }

    /// <inheritdoc />
    public override Isa Isa => Isa.RiscV64;

    /// <inheritdoc />
    public override ulong ProgramCounter
    {
        get => Pc;
        set => Pc = value;
    }

    /// <inheritdoc />
    public override ulong StackPointer
    {
        get => X[2];
        set => X[2] = value;
    }

    /// <inheritdoc />
    public override ulong ThreadPointer
    {
        get => X[4];
        set => X[4] = value;
    }

    /// <inheritdoc />
    public override long SystemCallNumber => (long)X[17];

    /// <inheritdoc />
    public override ulong GetSystemCallArgument(int index) =>
        index is >= 0 and < 6 ? X[10 + index] : throw new ArgumentOutOfRangeException(nameof(index), index, "system calls take arguments 0 to 5");

    /// <inheritdoc />
    public override void SetSystemCallResult(long value) => X[10] = (ulong)value;

    /// <inheritdoc />
    public override void ClearReservation() => ReservationValid = false;

    /// <inheritdoc />
    public override bool HoldsReservation => ReservationValid;

    /// <inheritdoc />
    public override ArchitecturalState Clone()
    {
        var copy = new RiscVState
        {
            Pc = Pc,
            Frm = Frm,
            Fflags = Fflags,
            ReservationAddress = ReservationAddress,
            ReservationValid = ReservationValid,
        };
        X.CopyTo(copy.X, 0);
        F.CopyTo(copy.F, 0);
        copy.X[Sink] = 0;
        return copy;
    }
}
