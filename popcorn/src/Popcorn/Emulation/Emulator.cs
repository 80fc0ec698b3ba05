using System.Diagnostics;
using Popcorn.Emulation.AArch64;
using Popcorn.Emulation.RiscV;
using Popcorn.Migration;
using Popcorn.Toolchain;

namespace Popcorn.Emulation;

/// <summary>Settings of one emulated run.</summary>
public sealed record RunOptions
{
    /// <summary>argv, including argv[0].</summary>
    public IReadOnlyList<string> Arguments { get; init; } = ["a.out"];

    /// <summary>envp entries (<c>NAME=value</c>).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>Scheduling quantum and other scheduler settings.</summary>
    public SchedulerOptions Scheduler { get; init; } = SchedulerOptions.Default;

    /// <summary>Where popcorn's own messages go (never the guest's stdout); null discards them.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>What an emulated run did.</summary>
/// <param name="Exit">How the process ended.</param>
/// <param name="Retired">Instructions retired per ISA.</param>
/// <param name="Threads">Threads the process created, the main thread included.</param>
/// <param name="Elapsed">Host wall-clock time of the run (loading excluded).</param>
public sealed record RunReport(ExitStatus Exit, IReadOnlyDictionary<Isa, long> Retired, int Threads, TimeSpan Elapsed)
{
    /// <summary>Every migration and refused migration, in order (empty for single-node runs).</summary>
    public IReadOnlyList<MigrationEvent> Migrations { get; init; } = [];

    /// <summary>Per thread id, instructions retired on each ISA.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<Isa, long>> RetiredPerThread { get; init; } = new Dictionary<int, IReadOnlyDictionary<Isa, long>>();

    /// <summary>Instructions retired on all ISAs.</summary>
    public long TotalRetired => Retired.Values.Sum();

    /// <summary>Emulated instructions per host second.</summary>
    public double InstructionsPerSecond => Elapsed.TotalSeconds > 0 ? TotalRetired / Elapsed.TotalSeconds : 0;
}

/// <summary>Loads programs and runs them on emulated nodes: the entry point of <c>popcorn run</c>, tests and benchmarks.</summary>
public static class Emulator
{
    /// <summary>The ISAs that have a CPU in this build.</summary>
    public static IReadOnlyList<Isa> AvailableIsas { get; } = [Isa.Aarch64, Isa.RiscV64];

    /// <summary>A CPU for <paramref name="isa"/> over <paramref name="memory"/>.</summary>
    /// <exception cref="NotSupportedException">This build has no CPU for that ISA.</exception>
    public static ICpu CreateCpu(Isa isa, GuestMemory memory) => isa switch
    {
        Isa.Aarch64 => new A64Cpu(memory),
        Isa.RiscV64 => new RiscVCpu(memory),
        _ => throw new NotSupportedException($"the {isa.Name()} node is not available in this build (available: {string.Join(", ", AvailableIsas.Select(i => i.Name()))})"),
    };

    /// <summary>
    /// The executable to run from <paramref name="path"/>: a single-ISA static ELF, or the image for
    /// <paramref name="isa"/> in a multi-ISA file from <c>popcorn cc</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">Not an executable we run, or it has no image for that ISA.</exception>
    public static ElfImage LoadImage(string path, Isa isa, bool isaChosen)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.AsSpan().StartsWith(MultiIsaBinary.Magic))
        {
            var binary = MultiIsaBinary.Parse(bytes, path);
            var target = TargetIsas.Parse(isa.Name()) ?? throw new InvalidDataException($"unknown ISA {isa.Name()}");
            if (!binary.Isas.Contains(target))
            {
                throw new InvalidDataException($"{path} has no {isa.Name()} image (it has {string.Join(", ", binary.Isas.Select(i => i.Name()))})");
            }
            return ElfImage.Parse(binary.Image(target).ToArray(), $"{path} ({isa.Name()} image)");
        }
        var image = ElfImage.Parse(bytes, path);
        if (isaChosen && image.Isa != isa)
        {
            throw new InvalidDataException($"{path} is a {image.Isa.Name()} executable, not {isa.Name()}");
        }
        return image;
    }

    /// <summary>
    /// Runs a multi-ISA binary with both nodes over one address space: each node sees its own image's code and
    /// constants at the aligned addresses, data, heap, stacks and TLS are shared, and threads migrate between the
    /// nodes at migration points as <paramref name="policy"/> (or the program's own <c>migrate</c> calls) decide.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a multi-ISA binary with images for both nodes and their call-site metadata.</exception>
    public static RunReport RunMigrating(string path, Isa start, GuestIo io, RunOptions options, MigrationPolicy policy,
        Action<MigrationController>? started = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        var images = AvailableIsas.ToDictionary(isa => isa, isa => LoadImage(path, isa, isaChosen: true));
        var tables = images.ToDictionary(p => p.Key, p => CallSiteTable.Read(p.Value));
        using var space = new AddressSpace();
        var memories = AvailableIsas.ToDictionary(isa => isa, isa => new GuestMemory(space, isa));
        try
        {
            // The start node's image last, so that the shared data is its (the images' data are the same bytes).
            foreach (var isa in AvailableIsas.OrderBy(i => i == start))
            {
                ElfLoader.LoadSegments(memories[isa], images[isa], privateCode: true);
            }
            var sp = ElfLoader.BuildStack(memories[start], images[start], options.Arguments, options.Environment);
            var cpus = AvailableIsas.ToDictionary(isa => isa, isa => CreateCpu(isa, memories[isa]));
            using var process = new GuestProcess(space, io, options.Log);
            var state = cpus[start].CreateState();
            state.ProgramCounter = images[start].Entry;
            state.StackPointer = sp;
            process.StartMainThread(state);
            var flag = images[start].Symbols.Find(MigrationInstrumenter.FlagSymbol)
                ?? throw new InvalidDataException($"{path} has no {MigrationInstrumenter.FlagSymbol}: rebuild it with this popcorn cc");
            var tls = images[start].Segments.FirstOrDefault(s => s.Type == SegmentType.ThreadLocalStorage);
            var bias = (ulong)Math.Max(16, (long)tls.Alignment);
            var controller = new MigrationController(process, cpus.ToDictionary(p => p.Key, p => (ICpu)p.Value), tables, policy, flag.Address, bias, options.Log);
            started?.Invoke(controller);
            var scheduler = new Scheduler(process, cpus.Values, images.ToDictionary(p => p.Key, p => p.Value.Symbols), options.Scheduler)
            {
                Interceptor = controller,
                BetweenQuanta = controller.ApplyOutsideRequests,
            };
            var clock = Stopwatch.StartNew();
            var exit = scheduler.Run(cancellationToken);
            clock.Stop();
            return new RunReport(exit, scheduler.Retired, process.Threads.Count, clock.Elapsed)
            {
                Migrations = [.. controller.Events],
                RetiredPerThread = process.Threads.ToDictionary(t => t.Id, t => (IReadOnlyDictionary<Isa, long>)AvailableIsas.ToDictionary(i => i, t.RetiredOn)),
            };
        }
        finally
        {
            foreach (var memory in memories.Values)
            {
                memory.Dispose();
            }
        }
    }

    /// <summary>Runs <paramref name="image"/> on its ISA's node until the process ends.</summary>
    /// <exception cref="NotSupportedException">No CPU for the image's ISA.</exception>
    public static RunReport Run(ElfImage image, GuestIo io, RunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(options);
        using var memory = new GuestMemory();
        var cpu = CreateCpu(image.Isa, memory);
        var program = ElfLoader.Load(memory, image, options.Arguments, options.Environment);
        using var process = new GuestProcess(memory.Space, io, options.Log);
        var state = cpu.CreateState();
        state.ProgramCounter = program.Entry;
        state.StackPointer = program.StackPointer;
        process.StartMainThread(state);
        var scheduler = new Scheduler(process, [cpu], new Dictionary<Isa, SymbolTable> { [image.Isa] = image.Symbols }, options.Scheduler);
        var clock = Stopwatch.StartNew();
        var exit = scheduler.Run(cancellationToken);
        clock.Stop();
        return new RunReport(exit, scheduler.Retired, process.Threads.Count, clock.Elapsed);
    }
}
