using System.Diagnostics;
using Popcorn.Emulation.AArch64;
using Popcorn.Emulation.RiscV;
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
