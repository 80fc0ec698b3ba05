using System.CommandLine;
using System.Globalization;
using Popcorn.Emulation;
using Popcorn.Migration;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary>
/// <c>popcorn bench migration</c> (what a migration costs: stack transformation per frame and per migration, and the
/// end-to-end latency of <c>migrate()</c>, against a trap that moves nothing) and <c>popcorn bench points</c> (what
/// migration points cost when they do not fire, against a build without them), each measured in one run.
/// </summary>
internal static class MigrationBench
{
    private static readonly (string Name, string[] Arguments, bool CallHeavy)[] Programs =
    [
        ("npb_is", ["20"], false),
        ("npb_cg", ["1400"], false),
        ("npb_ep", ["18"], false),
        ("recursion", ["3"], true),
        ("funcptr", ["20000"], true),
    ];

    /// <summary>Creates <c>bench migration</c>.</summary>
    public static Command CreateMigration()
    {
        var frames = new Option<int[]>("--frames") { Description = "Stack depths to measure, in frames moved (default: 3 20 100 400)", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--count") { Description = "Migrations per run", DefaultValueFactory = _ => 2000 };
        var level = new Option<int>("--level") { Description = "Optimization level of the benchmark program (0-2)", DefaultValueFactory = _ => 0 };
        var repetitions = new Option<int>("--repetitions") { Description = "Runs of each measurement; the fastest counts", DefaultValueFactory = _ => 3 };
        var command = new Command("migration", "Measure stack transformation per frame and per migration, and migrate() end to end, against a trap that moves nothing")
        {
            frames, count, level, repetitions,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var n = parse.GetValue(count);
            var optimization = parse.GetValue(level);
            if (n < 1 || optimization is < 0 or > 2)
            {
                throw new UsageException("--count must be positive and --level 0, 1 or 2");
            }
            var runs = Math.Max(1, parse.GetValue(repetitions));
            var work = Directory.CreateTempSubdirectory("popcorn-bench-");
            try
            {
                var binary = Samples.Compile(Samples.BenchProgram("migrate_depth"), optimization, Path.Combine(work.FullName, "migrate_depth")).Output;
                // The frames below the recursion (main, migrate) are counted once from the shallowest run.
                var baseFrames = Measure(binary, 1, 1, 1, 1, cancellationToken).Frames - 1;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"machine: {Environment.ProcessorCount} cores, {BenchCommand.CpuModel()}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {LoadAverage()}; migrate_depth -O{optimization}, {n} migrations per run, best of {runs}"));
                await output.WriteLineAsync("| frames moved | stack bytes | transformation mean us | median riscv64->aarch64 us | median aarch64->riscv64 us | migrate() end to end us | trap that stays us | migration beyond the trap us | per frame us |");
                await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|");
                foreach (var target in parse.GetValue(frames) is { Length: > 0 } chosen ? chosen : [3, 20, 100, 400])
                {
                    var depth = Math.Max(1, target - baseFrames);
                    // All three timed by the guest around its loop of calls (monotonic clock), best of the runs each.
                    var loop = Measure(binary, depth, n, 2, runs, cancellationToken);
                    var stay = Measure(binary, depth, n, 0, runs, cancellationToken);
                    var hop = Measure(binary, depth, n, 1, runs, cancellationToken);
                    var endToEnd = (hop.LoopNanoseconds - loop.LoopNanoseconds) / n / 1e3;
                    var trap = (stay.LoopNanoseconds - loop.LoopNanoseconds) / n / 1e3;
                    var beyond = endToEnd - trap;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"| {hop.Frames} | {hop.StackBytes:N0} | {hop.Transformation.Mean:F2} | {hop.Transformation.ToAarch64:F2} | {hop.Transformation.ToRiscV64:F2} | {endToEnd:F2} | {trap:F2} | {beyond:F2} | {beyond / hop.Frames:F3} |"));
                }
                return ExitCode.Success;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    /// <summary>Creates <c>bench points</c>.</summary>
    public static Command CreatePoints()
    {
        var kernels = new Option<string[]>("--kernel") { Description = $"Programs to measure (default: {string.Join(' ', Programs.Select(p => p.Name))})", AllowMultipleArgumentsPerToken = true };
        var level = new Option<int>("--level") { Description = "Optimization level (0-2)", DefaultValueFactory = _ => 2 };
        var isas = new Option<string[]>("--isa") { Description = "Nodes to measure (default: every available node)", AllowMultipleArgumentsPerToken = true };
        var repetitions = new Option<int>("--repetitions") { Description = "Runs of each build, interleaved; the fastest counts", DefaultValueFactory = _ => 3 };
        var command = new Command("points", "Measure the slowdown from migration points that never fire (function entries and exits; loop back-edges) against a build without them")
        {
            kernels, level, isas, repetitions,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var optimization = parse.GetValue(level);
            if (optimization is < 0 or > 2)
            {
                throw new UsageException("--level must be 0, 1 or 2");
            }
            var selected = BenchCommand.Choose(parse.GetValue(kernels), Programs, p => p.Name, "program");
            var nodes = BenchCommand.Nodes(parse.GetValue(isas));
            var runs = Math.Max(1, parse.GetValue(repetitions));
            var work = Directory.CreateTempSubdirectory("popcorn-bench-");
            try
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"machine: {Environment.ProcessorCount} cores, {BenchCommand.CpuModel()}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {LoadAverage()}; -O{optimization}, CPU seconds, best of {runs}"));
                await output.WriteLineAsync("| program | node | instructions, no points | entry/exit points: instructions | CPU s none / points | slowdown | with loop points: instructions | CPU s | slowdown |");
                await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|");
                foreach (var (name, arguments, callHeavy) in selected)
                {
                    var builds = new[] { MigrationPoints.None, MigrationPoints.Functions, MigrationPoints.FunctionsAndLoops }
                        .Select(points => Samples.Compile(Samples.Source(name), optimization, Path.Combine(work.FullName, $"{name}-{points}"), points).Output).ToArray();
                    foreach (var isa in nodes)
                    {
                        var best = new (long Retired, double Cpu)[builds.Length];
                        Array.Fill(best, (0, double.MaxValue));
                        for (var run = 0; run < runs; run++)
                        {
                            for (var b = 0; b < builds.Length; b++)
                            {
                                var (retired, cpu, _) = BenchCommand.Emulated(builds[b], isa, arguments, 1, cancellationToken);
                                best[b] = (retired, Math.Min(best[b].Cpu, cpu));
                            }
                        }
                        var (plain, points, loops) = (best[0], best[1], best[2]);
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                            $"| {name} {string.Join(' ', arguments)}{(callHeavy ? " (call-heavy)" : "")} | {isa.Name()} | {plain.Retired:N0} | {points.Retired:N0} (+{Percent(points.Retired, plain.Retired)}) | {plain.Cpu:F3} / {points.Cpu:F3} | {Percent(points.Cpu, plain.Cpu)} | {loops.Retired:N0} (+{Percent(loops.Retired, plain.Retired)}) | {loops.Cpu:F3} | {Percent(loops.Cpu, plain.Cpu)} |"));
                    }
                }
                return ExitCode.Success;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    private static string Percent(double value, double baseline) => string.Create(CultureInfo.InvariantCulture, $"{(value / baseline - 1) * 100:F1} %");

    /// <summary>The transformation's own cost (timed by the controller around <c>StackTransformer.Transform</c>):
    /// the mean over every migration of a run, and the median of each direction. The two directions cost differently
    /// (different frame layouts and destination code), so one median over both lands on whichever direction has the
    /// middle element and is no summary of either.</summary>
    private readonly record struct TransformationCost(double Mean, double ToAarch64, double ToRiscV64);

    /// <summary>
    /// The fastest of <paramref name="runs"/> runs of the benchmark program starting on riscv64: the guest's own
    /// monotonic time around its loop (so loading the program and building call-site tables are outside it), and
    /// from the run's migrations the frames and bytes moved and what the transformation cost.
    /// </summary>
    private static (double LoopNanoseconds, int Frames, long StackBytes, TransformationCost Transformation) Measure(string binary, int depth, int count, int mode, int runs,
        CancellationToken cancellationToken)
    {
        (double LoopNanoseconds, int, long, TransformationCost) best = (double.MaxValue, 0, 0, default);
        for (var run = 0; run < runs; run++)
        {
            using var captured = new MemoryStream();
            var report = Emulator.RunMigrating(binary, Isa.RiscV64, new GuestIo(null, captured, captured),
                new RunOptions { Arguments = [binary, .. new[] { depth, count, mode }.Select(v => v.ToString(CultureInfo.InvariantCulture))] },
                new MigrationPolicy(), cancellationToken: cancellationToken);
            var text = System.Text.Encoding.UTF8.GetString(captured.ToArray());
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (report.Exit.ShellCode != 0 || words.Length != 6 || words[1] != count.ToString(CultureInfo.InvariantCulture)
                || !double.TryParse(words[5], CultureInfo.InvariantCulture, out var nanoseconds) || report.Migrations.Count(m => m.Refusal is null) != (mode == 1 ? count : 0))
            {
                throw new InvalidOperationException($"migrate_depth {depth} {count} {mode} did not migrate as asked: exit {report.Exit.ShellCode}, printed '{text.Trim()}', {report.Migrations.Count} migrations");
            }
            var last = report.Migrations.Count == 0 ? null : report.Migrations[^1];
            if (nanoseconds < best.LoopNanoseconds)
            {
                best = (nanoseconds, last?.Frames ?? 0, last?.StackBytes ?? 0, Costs(report.Migrations));
            }
        }
        return best;
    }

    private static TransformationCost Costs(IReadOnlyList<MigrationEvent> migrations)
    {
        if (migrations.Count == 0)
        {
            return default;
        }
        double Median(Isa to)
        {
            // The first eighth of each direction left out as warm-up.
            var costs = migrations.Where(m => m.To == to).Select(m => m.Cost.TotalMicroseconds).ToList();
            var kept = costs.Skip(costs.Count / 8).Order().ToList();
            return kept.Count == 0 ? 0 : kept[kept.Count / 2];
        }
        return new TransformationCost(migrations.Average(m => m.Cost.TotalMicroseconds), Median(Isa.Aarch64), Median(Isa.RiscV64));
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
