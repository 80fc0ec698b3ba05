using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Popcorn.Emulation;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary>
/// <c>popcorn bench</c>: emulated instructions per second on each node for the NPB-style kernels, beside the same
/// per-ISA ELF under qemu-user and the same C compiled natively for the host, all measured in the same run. Times
/// are CPU seconds (user + system) of the best of the repetitions, so that a loaded machine does not bias the
/// ratios; wall-clock seconds are shown too.
/// </summary>
internal static class BenchCommand
{
    private static readonly (string Name, string[] Arguments)[] Kernels =
    [
        ("npb_is", ["20"]),
        ("npb_cg", ["1400"]),
        ("npb_ep", ["18"]),
    ];

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var kernels = new Option<string[]>("--kernel") { Description = "Kernels to measure (default: npb_is npb_cg npb_ep)", AllowMultipleArgumentsPerToken = true };
        var isas = new Option<string[]>("--isa") { Description = "Nodes to measure (default: every available node)", AllowMultipleArgumentsPerToken = true };
        var repetitions = new Option<int>("--repetitions") { Description = "Runs of each measurement; the best counts", DefaultValueFactory = _ => 2 };
        var command = new Command("bench", "Measure emulated instructions per second on the NPB-style kernels against qemu-user and native host code")
        {
            kernels, isas, repetitions,
        };
        command.Subcommands.Add(MigrationBench.CreateMigration());
        command.Subcommands.Add(MigrationBench.CreatePoints());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var selected = Choose(parse.GetValue(kernels), Kernels, k => k.Name, "kernel");
            var nodes = Nodes(parse.GetValue(isas));
            var runs = Math.Max(1, parse.GetValue(repetitions));
            var work = Directory.CreateTempSubdirectory("popcorn-bench-");
            try
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"machine: {Environment.ProcessorCount} cores, {CpuModel()}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
                await output.WriteLineAsync("| kernel | node | instructions | emulator CPU s (wall s) | emulator M instr/s | qemu-user CPU s | qemu M instr/s | native CPU s | emulator / qemu time | emulator / native time |");
                await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|");
                foreach (var (name, arguments) in selected)
                {
                    var build = Samples.Build(name, 2, work.FullName);
                    var native = await NativeSecondsAsync(name, arguments, work.FullName, runs, cancellationToken);
                    foreach (var isa in nodes)
                    {
                        var (retired, cpu, wall) = Emulated(build.Output, isa, arguments, runs, cancellationToken);
                        var qemu = await MeasureAsync(isa == Isa.RiscV64 ? "qemu-riscv64" : "qemu-aarch64", [$"{build.Output}.{isa.Name()}", .. arguments], runs, cancellationToken);
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                            $"| {name} {string.Join(' ', arguments)} | {isa.Name()} | {retired:N0} | {cpu:F3} ({wall:F3}) | {retired / cpu / 1e6:F1} | {Show(qemu?.Cpu)} | {Show(qemu is null ? null : retired / qemu.Value.Cpu / 1e6, "F1")} | {Show(native)} | {Show(qemu is null ? null : cpu / qemu.Value.Cpu, "F2")} | {Show(native is null ? null : cpu / native.Value, "F1")} |"));
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

    /// <summary>The entries of <paramref name="known"/> named in <paramref name="names"/>, or all of them when none is.</summary>
    /// <exception cref="UsageException">An unknown name.</exception>
    internal static List<T> Choose<T>(string[]? names, T[] known, Func<T, string> name, string what)
    {
        var chosen = (names ?? []).Select(n => Array.Find(known, k => name(k) == n) is { } found && name(found) is not null ? found
            : throw new UsageException($"unknown {what} '{n}' (known: {string.Join(", ", known.Select(name))})")).ToList();
        return chosen.Count > 0 ? chosen : [.. known];
    }

    /// <summary>The nodes named by <c>--isa</c>, or every available node.</summary>
    /// <exception cref="UsageException">A name that is no ISA.</exception>
    internal static List<Isa> Nodes(string[]? names) => names is { Length: > 0 }
        ? [.. names.Select(n => IsaNames.Parse(n) ?? throw new UsageException($"--isa '{n}' is neither aarch64 nor riscv64"))]
        : [.. Emulator.AvailableIsas];

    /// <summary>The best CPU time of <paramref name="runs"/> emulated runs of one node's image, its instructions and wall time.</summary>
    internal static (long Retired, double Cpu, double Wall) Emulated(string binary, Isa isa, string[] arguments, int runs, CancellationToken cancellationToken)
    {
        (long, double, double) best = (0, double.MaxValue, double.MaxValue);
        for (var i = 0; i < runs; i++)
        {
            var before = CpuTime();
            var (report, _) = Samples.RunCaptured(binary, isa, arguments, cancellationToken);
            var cpu = (CpuTime() - before).TotalSeconds;
            if (report.Exit.ShellCode != 0)
            {
                throw new UsageException($"{Path.GetFileName(binary)} failed on {isa.Name()}: {report.Exit.Message ?? $"exit {report.Exit.ShellCode}"}");
            }
            if (cpu < best.Item2)
            {
                best = (report.TotalRetired, cpu, report.Elapsed.TotalSeconds);
            }
        }
        return best;
    }

    private static async Task<double?> NativeSecondsAsync(string name, string[] arguments, string work, int runs, CancellationToken cancellationToken)
    {
        var native = Path.Combine(work, name + ".native");
        var compile = await MeasureAsync("clang-19", ["-O2", "-o", native, Samples.Source(name), "-lm", "-lpthread"], 1, cancellationToken);
        return compile is null || !File.Exists(native) ? null : (await MeasureAsync(native, arguments, runs, cancellationToken))?.Cpu;
    }

    /// <summary>The best CPU time (user + system) and wall time of a host program over runs, via GNU time; null if it fails.</summary>
    private static async Task<(double Cpu, double Wall)?> MeasureAsync(string program, string[] arguments, int runs, CancellationToken cancellationToken)
    {
        (double, double)? best = null;
        var timing = Path.GetTempFileName();
        try
        {
            for (var i = 0; i < runs; i++)
            {
                var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in (string[])["-f", "%U %S %e", "-o", timing, program, .. arguments])
                {
                    start.ArgumentList.Add(argument);
                }
                using var process = Process.Start(start)!;
                var drainOut = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancellationToken);
                var drainErr = process.StandardError.BaseStream.CopyToAsync(Stream.Null, cancellationToken);
                await process.WaitForExitAsync(cancellationToken);
                await Task.WhenAll(drainOut, drainErr);
                if (process.ExitCode != 0)
                {
                    return null;
                }
                var fields = (await File.ReadAllLinesAsync(timing, cancellationToken)).Last().Split(' ');
                var cpu = double.Parse(fields[0], CultureInfo.InvariantCulture) + double.Parse(fields[1], CultureInfo.InvariantCulture);
                var wall = double.Parse(fields[2], CultureInfo.InvariantCulture);
                if (best is null || cpu < best.Value.Item1)
                {
                    best = (Math.Max(cpu, 0.005), wall);
                }
            }
            return best;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        finally
        {
            File.Delete(timing);
        }
    }

    /// <summary>CPU time (user + system) this process has used.</summary>
    internal static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    internal static string Show(double? value, string format = "F3") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>The host CPU's model name.</summary>
    internal static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
