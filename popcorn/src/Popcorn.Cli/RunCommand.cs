using System.CommandLine;
using Popcorn.Emulation;
using Popcorn.Migration;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary><c>popcorn run</c>: runs a program on an emulated node, forwarding its streams and exit code.</summary>
internal static class RunCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var program = new Argument<string>("program") { Description = "A multi-ISA binary from 'popcorn cc', or a static aarch64/riscv64 ELF" };
        var arguments = new Argument<string[]>("args") { Description = "Arguments for the program (after --)", Arity = ArgumentArity.ZeroOrMore };
        var isa = new Option<string?>("--isa", "--start") { Description = "The node the program starts on: aarch64 (the default for multi-ISA binaries) or riscv64" };
        var log = new Option<string?>("--log") { Description = "Write popcorn's own messages to this file instead of stderr" };
        var stats = new Option<bool>("--stats") { Description = "Report instructions retired per ISA and threads on stderr (or the log) at exit" };
        var quantum = new Option<long>("--quantum") { Description = "Instructions a thread runs before the next one's turn (deterministic round-robin)", DefaultValueFactory = _ => SchedulerOptions.Default.Quantum };
        var every = new Option<long>("--migrate-every") { Description = "Migrate each thread to the other node at its first migration point after every N instructions it retires" };
        var random = new Option<int?>("--migrate-at-random") { Description = "Seed: at each migration point migrate with --migrate-probability (replays exactly)" };
        var probability = new Option<double>("--migrate-probability") { Description = "Probability of a migration at each migration point with --migrate-at-random", DefaultValueFactory = _ => 0.001 };
        var schedule = new Option<string?>("--schedule") { Description = "A schedule file: lines 'THREAD INSTRUCTIONS ISA' (thread 0 is the main thread)" };
        var timeline = new Option<string?>("--timeline") { Description = "Write an SVG picture of where each thread ran to this file" };
        var command = new Command("run", "Run a program on an emulated aarch64 or riscv64 node; exits with the program's exit code (128+signal on a fault)")
        {
            program, arguments, isa, log, stats, quantum, every, random, probability, schedule, timeline,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(program)!;
            var isaText = parse.GetValue(isa);
            var chosen = isaText is not null;
            var start = chosen ? IsaNames.Parse(isaText!) ?? throw new UsageException($"--isa '{isaText}' is neither aarch64 nor riscv64") : Isa.Aarch64;
            if (!File.Exists(path))
            {
                throw new UsageException($"program '{path}' does not exist");
            }
            if (parse.GetValue(quantum) <= 0)
            {
                throw new UsageException("--quantum must be positive");
            }
            var policy = new MigrationPolicy
            {
                Every = parse.GetValue(every),
                RandomSeed = parse.GetValue(random),
                Probability = parse.GetValue(probability),
                Schedule = parse.GetValue(schedule) is { } file ? ReadSchedule(file) : [],
            };
            if (policy.Every < 0 || policy.Probability is < 0 or > 1)
            {
                throw new UsageException("--migrate-every must be positive and --migrate-probability between 0 and 1");
            }
            if (MultiIsaBinary.IsMultiIsaFile(path))
            {
                return await RunMigratingAsync(parse, path, start, policy, parse.GetValue(arguments) ?? [], parse.GetValue(log), parse.GetValue(stats),
                    parse.GetValue(quantum), parse.GetValue(timeline), cancellationToken);
            }
            if (policy.IsActive)
            {
                throw new UsageException($"{path} is a single-ISA executable: migration needs a multi-ISA binary from 'popcorn cc'");
            }
            ElfImage image;
            try
            {
                image = chosen || !IsElf(path) ? Emulator.LoadImage(path, start, chosen) : ElfImage.Load(path);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message, e);
            }
            if (!Emulator.AvailableIsas.Contains(image.Isa))
            {
                throw new UsageException($"the {image.Isa.Name()} node is not available yet; run with --isa {string.Join(" or --isa ", Emulator.AvailableIsas.Select(i => i.Name()))}");
            }
            var logPath = parse.GetValue(log);
            await using var logWriter = logPath is null ? null : new StreamWriter(logPath, append: true) { AutoFlush = true };
            var messages = (TextWriter?)logWriter ?? parse.InvocationConfiguration.Error;
            var options = new RunOptions
            {
                Arguments = [path, .. parse.GetValue(arguments) ?? []],
                Environment = [.. Environment.GetEnvironmentVariables().Keys.Cast<string>().Order(StringComparer.Ordinal).Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")],
                Scheduler = new SchedulerOptions(parse.GetValue(quantum)),
                Log = messages,
            };
            var report = Emulator.Run(image, GuestIo.Console(), options, cancellationToken);
            if (report.Exit.Message is { } message)
            {
                await messages.WriteLineAsync($"popcorn: {message}");
            }
            if (parse.GetValue(stats))
            {
                foreach (var (node, retired) in report.Retired)
                {
                    await messages.WriteLineAsync($"popcorn: {node.Name()}: {retired} instructions retired");
                }
                await messages.WriteLineAsync($"popcorn: {report.Threads} thread(s), {report.Elapsed.TotalSeconds:F3} s, {report.InstructionsPerSecond / 1e6:F1} M instructions/s");
            }
            return report.Exit.ShellCode;
        });
        return command;
    }

    private static IReadOnlyList<ScheduledMigration> ReadSchedule(string file)
    {
        if (!File.Exists(file))
        {
            throw new UsageException($"schedule file '{file}' does not exist");
        }
        try
        {
            return MigrationPolicy.ParseSchedule(File.ReadAllText(file));
        }
        catch (FormatException e)
        {
            throw new UsageException($"{file}: {e.Message}", e);
        }
    }

    private static async Task<int> RunMigratingAsync(ParseResult parse, string path, Isa start, MigrationPolicy policy, string[] arguments,
        string? logPath, bool stats, long quantum, string? timelinePath, CancellationToken cancellationToken)
    {
        await using var logWriter = logPath is null ? null : new StreamWriter(logPath, append: true) { AutoFlush = true };
        var messages = (TextWriter?)logWriter ?? parse.InvocationConfiguration.Error;
        var options = new RunOptions
        {
            Arguments = [path, .. arguments],
            Environment = [.. Environment.GetEnvironmentVariables().Keys.Cast<string>().Order(StringComparer.Ordinal).Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")],
            Scheduler = new SchedulerOptions(quantum),
            Log = messages,
        };
        RunReport report;
        ControlSocket? control = null;
        try
        {
            report = Emulator.RunMigrating(path, start, GuestIo.Console(), options, policy, controller =>
            {
                try
                {
                    control = ControlSocket.Start(controller);
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
                {
                    messages.WriteLine($"popcorn: no control socket ('popcorn migrate' cannot reach this run): {e.Message}");
                }
            }, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message, e);
        }
        finally
        {
            if (control is not null)
            {
                await control.DisposeAsync();
            }
        }
        if (report.Exit.Message is { } message)
        {
            await messages.WriteLineAsync($"popcorn: {message}");
        }
        if (stats)
        {
            foreach (var line in MigrationStatistics.Format(report))
            {
                await messages.WriteLineAsync(line);
            }
        }
        if (timelinePath is not null)
        {
            await File.WriteAllTextAsync(timelinePath, MigrationStatistics.TimelineSvg(report, start), cancellationToken);
        }
        return report.Exit.ShellCode;
    }

    private static bool IsElf(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual((ReadOnlySpan<byte>)[0x7F, (byte)'E', (byte)'L', (byte)'F']);
    }
}
