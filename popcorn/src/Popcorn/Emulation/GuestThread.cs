namespace Popcorn.Emulation;

/// <summary>Where a guest thread is in its life.</summary>
public enum ThreadStatus
{
    /// <summary>Ready to run at its next turn.</summary>
    Runnable,

    /// <summary>Waiting in <c>futex(FUTEX_WAIT)</c>.</summary>
    Blocked,

    /// <summary>Gone (<c>exit</c>, or the process ended).</summary>
    Exited,
}

/// <summary>
/// A guest thread (a Linux task in the guest's process): its id, its register state on the ISA it currently runs
/// on, and its bookkeeping. Replacing <see cref="State"/> with another ISA's state moves the thread to that node.
/// </summary>
public sealed class GuestThread
{
    private readonly long[] _retiredPerIsa = new long[Enum.GetValues<Isa>().Length];

    internal GuestThread(int id, ArchitecturalState state)
    {
        Id = id;
        State = state;
    }

    /// <summary>The thread id (<c>gettid</c>); the first thread's id is the process id.</summary>
    public int Id { get; }

    /// <summary>The registers; its <see cref="ArchitecturalState.Isa"/> is the node the thread runs on.</summary>
    public ArchitecturalState State { get; set; }

    /// <summary>Runnable, blocked or exited.</summary>
    public ThreadStatus Status { get; internal set; }

    /// <summary>The address <c>set_tid_address</c>/<c>CLONE_CHILD_CLEARTID</c> named: zeroed and futex-woken at exit.</summary>
    public ulong ClearChildTid { get; set; }

    /// <summary>Instructions retired on every ISA.</summary>
    public long Retired => _retiredPerIsa.Sum();

    /// <summary>Instructions retired on <paramref name="isa"/>.</summary>
    public long RetiredOn(Isa isa) => _retiredPerIsa[(int)isa];

    internal void AddRetired(Isa isa, long count) => _retiredPerIsa[(int)isa] += count;

    internal ulong FutexAddress { get; set; }

    internal uint FutexBitset { get; set; }

    /// <summary>Deadline in the scheduler's virtual order for a timed futex wait, or null when it waits forever.</summary>
    internal long? FutexDeadline { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"thread {Id} on {State.Isa.Name()} at 0x{State.ProgramCounter:x}";
}
