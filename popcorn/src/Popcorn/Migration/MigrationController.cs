using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Popcorn.Emulation;

namespace Popcorn.Migration;

/// <summary>One entry of a migration schedule: thread (by creation order, 0 is the main thread) moves to an ISA at
/// its first migration point after it has retired the given number of instructions.</summary>
/// <param name="Thread">The thread's index in creation order.</param>
/// <param name="AfterInstructions">Instructions the thread has retired first.</param>
/// <param name="To">The destination.</param>
public readonly record struct ScheduledMigration(int Thread, long AfterInstructions, Isa To);

/// <summary>When threads migrate at their migration points.</summary>
public sealed record MigrationPolicy
{
    /// <summary>Migrate to the other node at the first migration point after every this many retired instructions; 0 for never.</summary>
    public long Every { get; init; }

    /// <summary>Seed of the generator that decides at each migration point, or null.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Probability of a migration at each migration point when <see cref="RandomSeed"/> is set.</summary>
    public double Probability { get; init; } = 0.001;

    /// <summary>Migrations at given points of each thread's run.</summary>
    public IReadOnlyList<ScheduledMigration> Schedule { get; init; } = [];

    /// <summary>Whether any policy makes migration points trap.</summary>
    public bool IsActive => Every > 0 || RandomSeed is not null || Schedule.Count > 0;

    /// <summary>Parses a schedule file: lines <c>THREAD INSTRUCTIONS ISA</c>; <c>#</c> starts a comment.</summary>
    /// <exception cref="FormatException">A malformed line, named by its number.</exception>
    public static IReadOnlyList<ScheduledMigration> ParseSchedule(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<ScheduledMigration>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var thread) || thread < 0
                || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var after) || after < 0 || IsaNames.Parse(parts[2]) is not { } isa)
            {
                throw new FormatException($"schedule line {number}: expected 'THREAD INSTRUCTIONS ISA' (e.g. '0 100000 riscv64'), got '{line}'");
            }
            list.Add(new ScheduledMigration(thread, after, isa));
        }
        return list;
    }
}

/// <summary>One migration (or refused migration) of a thread.</summary>
/// <param name="Thread">The thread id.</param>
/// <param name="From">The source ISA.</param>
/// <param name="To">The destination ISA.</param>
/// <param name="AtInstruction">Instructions the thread had retired.</param>
/// <param name="Frames">Frames rewritten (or unwound before the refusal).</param>
/// <param name="StackBytes">Bytes of stack moved.</param>
/// <param name="Cost">Host time the transformation took.</param>
/// <param name="Trigger">What asked for it: every, random, schedule, request or api.</param>
/// <param name="Refusal">Why it did not happen, or null.</param>
public sealed record MigrationEvent(int Thread, Isa From, Isa To, long AtInstruction, int Frames, long StackBytes, TimeSpan Cost, string Trigger, string? Refusal);

/// <summary>
/// The nodes' side of migration: answers the runtime's migration trap and node queries, decides at each migration
/// point from the policy, external requests and the schedule, runs <see cref="StackTransformer"/>, keeps the flag
/// that makes compiled migration points trap, and records every migration.
/// </summary>
public sealed class MigrationController : ISystemCallInterceptor
{
    /// <summary>The trap's system-call number (<c>SYS_popcorn_migrate</c> in the runtime).</summary>
    public const long MigrateCall = 4000;

    /// <summary>The node query's system-call number (<c>SYS_popcorn_node</c>).</summary>
    public const long NodeCall = 4001;

    private const long Migrated = 0x100;
    private readonly GuestProcess _process;
    private readonly IReadOnlyDictionary<Isa, ICpu> _nodes;
    private readonly IReadOnlyDictionary<Isa, CallSiteTable> _tables;
    private readonly MigrationPolicy _policy;
    private readonly ulong _flagAddress;
    private readonly Random? _random;
    private readonly Dictionary<int, long> _lastMigration = [];
    private readonly HashSet<ScheduledMigration> _done = [];
    private readonly ConcurrentDictionary<int, Isa> _requests = new();
    private readonly ConcurrentQueue<(ControlRequest Request, TaskCompletionSource<string> Reply)> _outside = new();
    private readonly ulong _threadPointerBias;
    private readonly List<MigrationEvent> _events = [];
    private readonly TextWriter _log;
    private readonly StackReferenceIndex _references;

    /// <summary>A controller for <paramref name="process"/> running on <paramref name="nodes"/>.</summary>
    public MigrationController(GuestProcess process, IReadOnlyDictionary<Isa, ICpu> nodes, IReadOnlyDictionary<Isa, CallSiteTable> tables,
        MigrationPolicy policy, ulong flagAddress, ulong threadPointerBias, TextWriter? log)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(policy);
        _process = process;
        _nodes = nodes;
        _tables = tables;
        _policy = policy;
        _flagAddress = flagAddress;
        _threadPointerBias = threadPointerBias;
        _random = policy.RandomSeed is { } seed ? new Random(seed) : null;
        _log = log ?? TextWriter.Null;
        _references = new StackReferenceIndex(process.Space);
        UpdateFlag();
    }

    /// <summary>Every migration and refusal so far, in order.</summary>
    public IReadOnlyList<MigrationEvent> Events => _events;

    /// <summary>The node id of an ISA: its index among the nodes (aarch64 0, riscv64 1).</summary>
    public static int NodeId(Isa isa) => isa == Isa.Aarch64 ? 0 : 1;

    /// <summary>Asks thread <paramref name="threadId"/> to move to <paramref name="to"/> at its next migration point
    /// (call it between quanta, on the thread that runs the scheduler).</summary>
    public void Request(int threadId, Isa to)
    {
        _requests[threadId] = to;
        UpdateFlag();
    }

    /// <summary>
    /// Hands a request from another host thread (the control socket) to the scheduler's thread, which applies it at
    /// its next <see cref="ApplyOutsideRequests"/>; completes with the reply: <c>ok …</c> naming the threads asked to
    /// move, or <c>error …</c> naming a thread that does not exist.
    /// </summary>
    public Task<string> RequestFromOutsideAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _outside.Enqueue((request, reply));
        return reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Applies the requests from <see cref="RequestFromOutsideAsync"/> (the scheduler calls it between quanta).</summary>
    public void ApplyOutsideRequests()
    {
        while (_outside.TryDequeue(out var pending))
        {
            var (request, reply) = pending;
            if (!_nodes.ContainsKey(request.To))
            {
                reply.TrySetResult($"error: there is no {request.To.Name()} node");
                continue;
            }
            var live = _process.Threads.Where(t => t.Status != ThreadStatus.Exited).ToList();
            var chosen = request.Thread is { } id ? live.Where(t => t.Id == id).ToList() : live;
            if (chosen.Count == 0)
            {
                reply.TrySetResult($"error: no thread {request.Thread} (threads: {string.Join(", ", live.Select(t => t.Id))})");
                continue;
            }
            var moving = chosen.Where(t => t.State.Isa != request.To).ToList();
            foreach (var thread in moving)
            {
                Request(thread.Id, request.To);
            }
            reply.TrySetResult(moving.Count == 0
                ? $"ok: thread {string.Join(", ", chosen.Select(t => t.Id))} already on {request.To.Name()}"
                : $"ok: thread {string.Join(", ", moving.Select(t => t.Id))} will move to {request.To.Name()} at the next migration point");
        }
    }

    /// <inheritdoc />
    public bool TryHandle(GuestThread thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        var state = thread.State;
        var number = state.SystemCallNumber;
        if (number == NodeCall)
        {
            var asked = (long)state.GetSystemCallArgument(0);
            state.SetSystemCallResult(asked < 0 ? NodeId(state.Isa) : _nodes.Keys.Any(isa => NodeId(isa) == asked) ? 1 : 0);
            return true;
        }
        if (number != MigrateCall)
        {
            return false;
        }
        var requested = (long)state.GetSystemCallArgument(0);
        var current = NodeId(state.Isa);
        Isa? target;
        string trigger;
        if (requested >= 0)
        {
            var node = _nodes.Keys.Where(isa => NodeId(isa) == requested).Select(isa => (Isa?)isa).FirstOrDefault();
            if (node is null)
            {
                state.SetSystemCallResult(-22);
                return true;
            }
            target = node == state.Isa ? null : node;
            trigger = "api";
        }
        else
        {
            (target, trigger) = Decide(thread);
        }
        if (target is not { } to)
        {
            state.SetSystemCallResult(current);
            return true;
        }
        var clock = Stopwatch.StartNew();
        var destination = _nodes[to].CreateState();
        var outcome = StackTransformer.Transform(thread, _process.Threads, _nodes[to].Memory, _references, _tables[state.Isa], _tables[to], destination,
            (ulong)(NodeId(to) | Migrated), _threadPointerBias);
        clock.Stop();
        var record = new MigrationEvent(thread.Id, state.Isa, to, thread.Retired, outcome.Frames, outcome.StackBytes, clock.Elapsed, trigger, outcome.Refusal);
        _events.Add(record);
        if (outcome.State is null)
        {
            _log.WriteLine($"popcorn: thread {thread.Id} stays on {state.Isa.Name()}: {outcome.Refusal}");
            state.SetSystemCallResult(requested >= 0 ? -11 : current);
            return true;
        }
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"popcorn: thread {thread.Id} migrated {state.Isa.Name()} -> {to.Name()} ({trigger}) after {thread.Retired} instructions: {outcome.Frames} frames, {outcome.StackBytes} bytes, {clock.Elapsed.TotalMicroseconds:F1} us"));
        thread.State = outcome.State;
        _lastMigration[thread.Id] = thread.Retired;
        if (_requests.TryGetValue(thread.Id, out var wanted) && wanted == to)
        {
            _requests.TryRemove(thread.Id, out _);
            UpdateFlag();
        }
        return true;
    }

    private (Isa? Target, string Trigger) Decide(GuestThread thread)
    {
        var isa = thread.State.Isa;
        var other = _nodes.Keys.FirstOrDefault(i => i != isa);
        if (_requests.TryGetValue(thread.Id, out var wanted))
        {
            if (wanted == isa)
            {
                _requests.TryRemove(thread.Id, out _);
                UpdateFlag();
                return (null, "request");
            }
            return (wanted, "request");
        }
        var index = IndexOf(thread);
        foreach (var entry in _policy.Schedule)
        {
            if (entry.Thread == index && thread.Retired >= entry.AfterInstructions && _done.Add(entry))
            {
                return entry.To == isa ? (null, "schedule") : (entry.To, "schedule");
            }
        }
        if (_policy.Every > 0 && thread.Retired - _lastMigration.GetValueOrDefault(thread.Id) >= _policy.Every)
        {
            _lastMigration[thread.Id] = thread.Retired;
            return (other, "every");
        }
        if (_random is not null && _random.NextDouble() < _policy.Probability)
        {
            return (other, "random");
        }
        return (null, "");
    }

    private int IndexOf(GuestThread thread)
    {
        for (var i = 0; i < _process.Threads.Count; i++)
        {
            if (_process.Threads[i] == thread)
            {
                return i;
            }
        }
        return -1;
    }

    private void UpdateFlag()
    {
        var memory = _nodes.Values.First().Memory;
        memory.Write32(_flagAddress, _policy.IsActive || !_requests.IsEmpty ? 1u : 0u);
    }
}
