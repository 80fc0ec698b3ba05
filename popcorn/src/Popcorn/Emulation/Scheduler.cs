namespace Popcorn.Emulation;

/// <summary>Scheduling settings.</summary>
/// <param name="Quantum">Instructions a thread retires before the next runnable thread gets its turn.</param>
public sealed record SchedulerOptions(long Quantum = 100_000)
{
    /// <summary>The defaults.</summary>
    public static SchedulerOptions Default { get; } = new();
}

/// <summary>Handles system calls that belong to the nodes rather than to the process (migration).</summary>
public interface ISystemCallInterceptor
{
    /// <summary>Handles <paramref name="thread"/>'s pending system call when it is one of these; returns whether it did.</summary>
    bool TryHandle(GuestThread thread);
}

/// <summary>
/// Runs a process's threads on the nodes (one <see cref="ICpu"/> per ISA) deterministically: round-robin in thread
/// creation order, each turn a quantum of retired instructions, so that a run replays exactly. A thread runs on the
/// node of its state's ISA. Faults end the process with the signal a kernel would send and a message naming the
/// instruction and its symbol.
/// </summary>
public sealed class Scheduler
{
    private readonly GuestProcess _process;
    private readonly Dictionary<Isa, ICpu> _nodes;
    private readonly Dictionary<Isa, SymbolTable> _symbols;
    private readonly SchedulerOptions _options;

    /// <summary>A scheduler for <paramref name="process"/> over <paramref name="nodes"/>.</summary>
    /// <param name="process">The process whose threads run.</param>
    /// <param name="nodes">One CPU per ISA a thread may run on.</param>
    /// <param name="symbols">Per ISA, the symbols that name addresses in fault messages.</param>
    /// <param name="options">Quantum and other settings.</param>
    public Scheduler(GuestProcess process, IEnumerable<ICpu> nodes, IReadOnlyDictionary<Isa, SymbolTable>? symbols = null, SchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(nodes);
        _process = process;
        _nodes = nodes.ToDictionary(n => n.Isa);
        _symbols = symbols?.ToDictionary() ?? [];
        _options = options ?? SchedulerOptions.Default;
        if (_options.Quantum <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the quantum must be positive");
        }
    }

    /// <summary>Handles migration system calls before the process sees them, or null.</summary>
    public ISystemCallInterceptor? Interceptor { get; init; }

    /// <summary>Called between quanta on the scheduler's thread (requests from outside the process are applied there), or null.</summary>
    public Action? BetweenQuanta { get; init; }

    /// <summary>Total instructions retired on each ISA in this run.</summary>
    public IReadOnlyDictionary<Isa, long> Retired => _process.Threads.SelectMany(t => Enum.GetValues<Isa>().Select(i => (i, n: t.RetiredOn(i))))
        .GroupBy(x => x.i).Where(g => g.Sum(x => x.n) > 0).ToDictionary(g => g.Key, g => g.Sum(x => x.n));

    /// <summary>Runs until the process ends (or <paramref name="cancellationToken"/> fires between quanta).</summary>
    /// <returns>How the process ended.</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ExitStatus Run(CancellationToken cancellationToken = default)
    {
        var threads = _process.Threads;
        var next = 0;
        while (_process.Exit is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BetweenQuanta?.Invoke();
            GuestThread? thread = null;
            for (var i = 0; i < threads.Count; i++)
            {
                var candidate = threads[(next + i) % threads.Count];
                if (candidate.Status == ThreadStatus.Runnable)
                {
                    thread = candidate;
                    next = (next + i + 1) % Math.Max(1, threads.Count);
                    break;
                }
            }
            if (thread is null)
            {
                if (threads.Count == 0)
                {
                    throw new InvalidOperationException("the process has no thread; call StartMainThread first");
                }
                if (!_process.ExpireEarliestTimeout())
                {
                    var waiting = string.Join(", ", threads.Where(t => t.Status == ThreadStatus.Blocked).Select(t => $"{t.Id} on 0x{t.FutexAddress:x}"));
                    _process.Terminate(new ExitStatus(0, 9, $"deadlock: every thread waits on a futex nobody will wake (threads {waiting})"));
                }
                continue;
            }
            RunQuantum(thread);
        }
        return _process.Exit.Value;
    }

    private void RunQuantum(GuestThread thread)
    {
        var budget = _options.Quantum;
        while (budget > 0 && thread.Status == ThreadStatus.Runnable && _process.Exit is null)
        {
            var isa = thread.State.Isa;
            if (!_nodes.TryGetValue(isa, out var cpu))
            {
                _process.Terminate(new ExitStatus(0, 4, $"thread {thread.Id} is on {isa.Name()}, but no {isa.Name()} node is running"));
                return;
            }
            var stop = cpu.Run(thread.State, budget);
            thread.AddRetired(isa, stop.Retired);
            budget -= stop.Retired;
            switch (stop.Reason)
            {
                case StopReason.InstructionLimit:
                    return;
                case StopReason.SystemCall:
                    if (Interceptor?.TryHandle(thread) == true)
                    {
                        break;
                    }
                    var outcome = _process.Dispatch(thread, cpu.Memory);
                    if (outcome != SystemCallOutcome.Continue)
                    {
                        return;
                    }
                    break;
                default:
                    _process.Terminate(new ExitStatus(0, stop.Signal, Describe(thread, stop)));
                    return;
            }
        }
    }

    private string Describe(GuestThread thread, CpuStop stop)
    {
        var pc = thread.State.ProgramCounter;
        var where = _symbols.TryGetValue(thread.State.Isa, out var symbols) ? symbols.Describe(pc) : $"0x{pc:x}";
        var at = $"at 0x{pc:x} ({where}) on {thread.State.Isa.Name()}, thread {thread.Id}";
        var detail = stop.Detail is null ? "" : $": {stop.Detail}";
        return stop.Reason switch
        {
            StopReason.IllegalInstruction => $"illegal instruction 0x{stop.Word:x8} {at}{detail}",
            StopReason.Breakpoint => $"breakpoint {at}",
            StopReason.MisalignedAccess => $"bus error: misaligned atomic access to 0x{stop.Address:x} {at}",
            _ => $"segmentation fault: {stop.Access switch { MemoryAccess.Read => "read from", MemoryAccess.Write => "write to", _ => "instruction fetch from" }} 0x{stop.Address:x} {at}{detail}",
        };
    }
}
