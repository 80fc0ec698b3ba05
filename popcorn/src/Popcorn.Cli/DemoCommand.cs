using System.CommandLine;
using System.Globalization;
using System.Text;
using Popcorn.Emulation;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary><c>popcorn demo</c>: builds a sample with <c>popcorn cc</c> and runs it on every node, for real.</summary>
internal static class DemoCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var sample = new Option<string>("--sample") { Description = "The sample to build and run (a file of popcorn/samples without .c)", DefaultValueFactory = _ => "npb_is" };
        var level = new Option<int>("--level") { Description = "Optimization level 0, 1 or 2", DefaultValueFactory = _ => 2 };
        var command = new Command("demo", "Build a sample into an aligned multi-ISA binary and run it on the aarch64 and riscv64 nodes, showing output and instruction counts")
        {
            sample, level,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(sample)!;
            var optimization = parse.GetValue(level);
            if (optimization is < 0 or > 2)
            {
                throw new UsageException($"--level {optimization} is not 0, 1 or 2");
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
                return ExitCode.Success;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }
}
