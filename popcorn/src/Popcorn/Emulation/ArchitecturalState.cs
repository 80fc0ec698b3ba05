namespace Popcorn.Emulation;

/// <summary>
/// The architectural state of one guest thread on one ISA: everything a CPU needs to resume it (registers, program
/// counter, floating-point control, thread pointer, an LR/SC or exclusive-monitor reservation). It is a plain object
/// a CPU reads and writes while the thread runs and that the scheduler, the system-call layer and (later) stack
/// transformation read and replace between quanta; nothing of a thread lives inside a CPU.
/// </summary>
public abstract class ArchitecturalState
{
    /// <summary>The ISA whose registers these are.</summary>
    public abstract Isa Isa { get; }

    /// <summary>The address of the next instruction to execute.</summary>
    public abstract ulong ProgramCounter { get; set; }

    /// <summary>The stack pointer (riscv64 <c>sp</c>/x2, aarch64 <c>SP</c>).</summary>
    public abstract ulong StackPointer { get; set; }

    /// <summary>The thread pointer (riscv64 <c>tp</c>/x4, aarch64 <c>TPIDR_EL0</c>).</summary>
    public abstract ulong ThreadPointer { get; set; }

    /// <summary>The system-call number of a pending system call (riscv64 <c>a7</c>, aarch64 <c>x8</c>), asm-generic numbering.</summary>
    public abstract long SystemCallNumber { get; }

    /// <summary>Argument <paramref name="index"/> (0–5) of a pending system call (riscv64 <c>a0</c>–<c>a5</c>, aarch64 <c>x0</c>–<c>x5</c>).</summary>
    public abstract ulong GetSystemCallArgument(int index);

    /// <summary>Writes a system call's result (a non-negative value or a negated errno) to the return register (<c>a0</c>/<c>x0</c>).</summary>
    public abstract void SetSystemCallResult(long value);

    /// <summary>Forgets any load-reserved/exclusive-monitor reservation (on a context switch, a migration, a signal).</summary>
    public abstract void ClearReservation();

    /// <summary>Whether a load-reserved/load-exclusive reservation is held.</summary>
    public abstract bool HoldsReservation { get; }

    /// <summary>
    /// Instructions a CPU runs past its limit when the thread still holds a reservation there, so that a
    /// load-reserved/store-conditional sequence reaches its store before the thread leaves the CPU (which clears the
    /// reservation). RISC-V promises that such a loop of at most 16 instructions eventually succeeds; without this,
    /// a quantum that keeps ending between the two (threads in lock-step, every call a migration point that traps)
    /// makes the loop retry forever.
    /// </summary>
    public const int ReservationGrace = 16;

    /// <summary>A deep copy (<c>clone</c> starts a thread from a copy of its parent's registers).</summary>
    public abstract ArchitecturalState Clone();
}
