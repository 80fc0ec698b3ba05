namespace Popcorn.Emulation;

/// <summary>How a guest process ended.</summary>
/// <param name="Code">The exit status given to <c>exit</c>/<c>exit_group</c> (0–255), when it exited.</param>
/// <param name="Signal">The signal that killed it (11 for a memory fault, 4 for an illegal instruction…), or 0.</param>
/// <param name="Message">popcorn's explanation of a fault or a deadlock, or null.</param>
public readonly record struct ExitStatus(int Code, int Signal, string? Message)
{
    /// <summary>The status a shell reports: the exit code, or 128 + the signal.</summary>
    public int ShellCode => Signal != 0 ? 128 + Signal : Code & 0xFF;
}

/// <summary>
/// A guest process: its address space, file descriptors, threads and futex queues, and the Linux system calls both
/// ISAs make in asm-generic numbering (<see cref="Dispatch"/>). Its threads are run by a <see cref="Scheduler"/>.
/// </summary>
public sealed partial class GuestProcess : IDisposable
{
    /// <summary>The process id <c>getpid</c> returns; also the first thread's id.</summary>
    public const int ProcessId = 1000;

    private readonly Dictionary<int, GuestFile> _files = [];
    private readonly List<GuestThread> _threads = [];
    private readonly HashSet<long> _reportedUnknownCalls = [];
    private readonly TextWriter _log;
    private ulong _randomState = 0x9E3779B97F4A7C15;

    /// <summary>A process over <paramref name="space"/> whose standard streams are <paramref name="io"/>.</summary>
    /// <param name="space">The address space (the program already loaded).</param>
    /// <param name="io">Where fds 0, 1 and 2 go.</param>
    /// <param name="log">Where popcorn's own messages go (unimplemented calls); never the guest's stdout.</param>
    public GuestProcess(AddressSpace space, GuestIo io, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(io);
        Space = space;
        _log = log ?? TextWriter.Null;
        _files[0] = new GuestFile(io.Input ?? Stream.Null, "<stdin>", IsStandard: true, IsTerminal: io.Terminals.Input);
        _files[1] = new GuestFile(io.Output, "<stdout>", IsStandard: true, IsTerminal: io.Terminals.Output);
        _files[2] = new GuestFile(io.Error, "<stderr>", IsStandard: true, IsTerminal: io.Terminals.Error);
    }

    /// <summary>The address space all threads share.</summary>
    public AddressSpace Space { get; }

    /// <summary>Every thread ever created, in creation order.</summary>
    public IReadOnlyList<GuestThread> Threads => _threads;

    /// <summary>How the process ended, or null while it runs.</summary>
    public ExitStatus? Exit { get; private set; }

    /// <summary>Creates the first thread (id <see cref="ProcessId"/>) from <paramref name="state"/>.</summary>
    public GuestThread StartMainThread(ArchitecturalState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_threads.Count > 0)
        {
            throw new InvalidOperationException("the process already has its main thread");
        }
        var thread = new GuestThread(ProcessId, state);
        _threads.Add(thread);
        return thread;
    }

    /// <summary>Ends the process (a fault, a fatal signal, <c>exit_group</c>): every thread exits.</summary>
    public void Terminate(ExitStatus status)
    {
        Exit ??= status;
        foreach (var thread in _threads)
        {
            thread.Status = ThreadStatus.Exited;
        }
        foreach (var file in _files.Values)
        {
            file.Stream.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var file in _files.Values.Where(f => !f.IsStandard))
        {
            file.Stream.Dispose();
        }
        _files.Clear();
    }

    private sealed record GuestFile(Stream Stream, string Path, bool IsStandard = false, bool IsTerminal = false);
}
