namespace Popcorn.Emulation;

/// <summary>
/// A node's processor: executes guest threads' instructions over one <see cref="GuestMemory"/> view. One CPU serves
/// every thread that runs on its node, one at a time; all per-thread state is in the <see cref="ArchitecturalState"/>
/// passed to <see cref="Run"/>, so that a thread can stop after any instruction, be inspected, and resume on the same
/// or (after stack transformation) another node.
/// </summary>
public interface ICpu
{
    /// <summary>The ISA this CPU executes.</summary>
    Isa Isa { get; }

    /// <summary>The memory view this CPU reads, writes and fetches through.</summary>
    GuestMemory Memory { get; }

    /// <summary>A fresh, zeroed register state for a thread on this ISA.</summary>
    ArchitecturalState CreateState();

    /// <summary>
    /// Runs <paramref name="state"/> until it has retired <paramref name="instructionLimit"/> instructions, makes a
    /// system call, or faults. The reservation of LR/SC or exclusive loads does not survive across calls.
    /// </summary>
    /// <returns>
    /// Why the thread stopped and how many instructions it retired. For <see cref="StopReason.SystemCall"/> the call
    /// instruction (<c>ecall</c>/<c>svc</c>) is retired and the program counter is past it; the caller performs the
    /// call, writes the result with <see cref="ArchitecturalState.SetSystemCallResult"/> and runs the thread again.
    /// For a fault the program counter is the faulting instruction's address and that instruction is not retired.
    /// </returns>
    CpuStop Run(ArchitecturalState state, long instructionLimit);
}

/// <summary>Why <see cref="ICpu.Run"/> returned.</summary>
public enum StopReason
{
    /// <summary>The thread retired the instruction limit (its quantum).</summary>
    InstructionLimit,

    /// <summary>The thread executed a system-call instruction.</summary>
    SystemCall,

    /// <summary>A load, store or fetch touched an unmapped or forbidden address (SIGSEGV).</summary>
    MemoryFault,

    /// <summary>An encoding the CPU does not implement, or a forbidden operand (SIGILL).</summary>
    IllegalInstruction,

    /// <summary>A breakpoint instruction (<c>ebreak</c>, <c>brk</c>) (SIGTRAP).</summary>
    Breakpoint,

    /// <summary>A misaligned atomic or exclusive access (SIGBUS).</summary>
    MisalignedAccess,
}

/// <summary>What <see cref="ICpu.Run"/> reports.</summary>
/// <param name="Reason">Why the thread stopped.</param>
/// <param name="Retired">Instructions retired during this call.</param>
/// <param name="Address">The faulting data address (memory faults, misaligned accesses), else 0.</param>
/// <param name="Word">The instruction word (illegal instructions, breakpoints), else 0.</param>
/// <param name="Access">For memory faults, what the access was.</param>
/// <param name="Detail">Extra words for the error message (e.g. which operand was illegal), or null.</param>
public readonly record struct CpuStop(StopReason Reason, long Retired, ulong Address = 0, uint Word = 0,
    MemoryAccess Access = MemoryAccess.Read, string? Detail = null)
{
    /// <summary>The POSIX signal a Linux kernel would deliver for this stop, or 0 when it is not a fault.</summary>
    public int Signal => Reason switch
    {
        StopReason.MemoryFault => 11,
        StopReason.IllegalInstruction => 4,
        StopReason.Breakpoint => 5,
        StopReason.MisalignedAccess => 7,
        _ => 0,
    };
}
