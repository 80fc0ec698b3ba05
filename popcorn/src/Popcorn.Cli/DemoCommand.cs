using System.CommandLine;
using System.Globalization;
using System.Text;
using Popcorn.Emulation;
using Popcorn.Migration;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary>
/// <c>popcorn demo</c>: builds a sample with <c>popcorn cc</c>, runs it on every node, then runs it again while its
/// thread migrates back and forth between the nodes, for real.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var sample = new Option<string>("--sample") { Description = "The sample to build and run (a file of popcorn/samples without .c)", DefaultValueFactory = _ => "npb_is" };
        var level = new Option<int>("--level") { Description = "Optimization level 0, 1 or 2", DefaultValueFactory = _ => 2 };
        var every = new Option<long>("--migrate-every")
        {
            Description = "In the migration step (the sample built at -O0), migrate after every N instructions",
            DefaultValueFactory = _ => 200_000,
        };
        var command = new Command("demo", "Build a sample into an aligned multi-ISA binary and run it on the aarch64 and riscv64 nodes, showing output and instruction counts")
        {
            sample, level, every,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(sample)!;
            var optimization = parse.GetValue(level);
            if (optimization is < 0 or > 2)
            {
                throw new UsageException($"--level {optimization} is not 0, 1 or 2");
            }
            if (parse.GetValue(every) <= 0)
            {
                throw new UsageException("--migrate-every must be positive");
            }
            var output = parse.InvocationConfiguration.Output;
            var work = Directory.CreateTempSubdirectory("popcorn-demo-");
            try
            {
                await output.WriteLineAsync($"== popcorn cc {name}.c -O{optimization} (one IR, lowered for aarch64 and riscv64, linked to one layout)");
                var build = Samples.Build(name, optimization, work.FullName);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"   {build.Alignment.CommonSymbols} symbols at the same address on both ISAs; padding {string.Join(", ", build.Padding.Select(p => $"{p.Key.Name()} {p.Value} bytes"))}"));
                var outputs = new Dictionary<Isa, string>();
                foreach (var isa in Emulator.AvailableIsas)
                {
                    await output.WriteLineAsync($"== popcorn run --isa {isa.Name()} {name}");
                    var (report, bytes) = Samples.RunCaptured(build.Output, isa, [], cancellationToken);
                    var text = Encoding.UTF8.GetString(bytes);
                    outputs[isa] = text;
                    await output.WriteAsync(text);
                    var verdict = report.Exit.Message is { } message ? $"popcorn: {message}" : $"exit {report.Exit.ShellCode}";
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"   {verdict}; {report.TotalRetired:N0} {isa.Name()} instructions in {report.Elapsed.TotalSeconds:F2} s ({report.InstructionsPerSecond / 1e6:F1} M/s), {report.Threads} thread(s)"));
                }
                if (outputs.Count > 1)
                {
                    var same = outputs.Values.Distinct().Count() == 1;
                    await output.WriteLineAsync(same ? "== both nodes printed the same output" : "== the nodes printed different output");
                }
                return await MigrateAsync(output, name, parse.GetValue(every), work.FullName, cancellationToken) ? ExitCode.Success : ExitCode.Negative;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    // Builds the sample at -O0 (migration points at every function entry and exit survive there; at -O2 the hot loops
    // are inlined into main and offer few points), runs it unmigrated on aarch64, then from riscv64 migrating after
    // every N instructions, and shows that the output is the same and how often the thread moved.
    private static async Task<bool> MigrateAsync(TextWriter output, string name, long every, string work, CancellationToken cancellationToken)
    {
        var build = Samples.Build(name, 0, Path.Combine(work, "O0"));
        var (_, plain) = Samples.RunCaptured(build.Output, Isa.Aarch64, [], cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"== popcorn run --start riscv64 --migrate-every {every} --stats {name} (built at -O0)"));
        using var captured = new MemoryStream();
        var report = Emulator.RunMigrating(build.Output, Isa.RiscV64, new GuestIo(null, captured, captured),
            new RunOptions { Arguments = [build.Output] }, new MigrationPolicy { Every = every }, cancellationToken: cancellationToken);
        foreach (var line in MigrationStatistics.Format(report).Where(l => !l.StartsWith("popcorn: timeline", StringComparison.Ordinal)))
        {
            await output.WriteLineAsync($"   {line}");
        }
        var same = captured.ToArray().AsSpan().SequenceEqual(plain);
        await output.WriteLineAsync(same
            ? "== the migrating run printed exactly what the unmigrated run printed"
            : "== the migrating run printed something else than the unmigrated run");
        return same && report.Exit.ShellCode == 0;
    }
}
