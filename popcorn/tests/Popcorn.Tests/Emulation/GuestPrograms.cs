using System.Text;
using Popcorn.Emulation;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Emulation;

/// <summary>
/// Builds the test programs (freestanding C under <c>Emulation/Programs</c>, and corpus samples through
/// <c>popcorn cc</c>) into the build cache, and runs them on the emulator in-process and on qemu-user.
/// </summary>
internal static class GuestPrograms
{
    public static string ProgramsDirectory => RepositoryPaths.Combine("popcorn", "tests", "Popcorn.Tests", "Emulation", "Programs");

    public static string SamplesDirectory => RepositoryPaths.Combine("popcorn", "samples");

    /// <summary>Compiles <c>Programs/NAME.c</c> for rv64gc without libc (cached by source contents).</summary>
    public static async Task<string> BuildFreestandingAsync(string name, CancellationToken cancellationToken)
    {
        var source = Path.Combine(ProgramsDirectory, name + ".c");
        string[] flags = ["--target=riscv64-linux-gnu", "-march=rv64gc", "-mabi=lp64d", "-O1", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld"];
        var key = BuildCache.Hash([BuildCache.FileInput(source), BuildCache.FileInput(Path.Combine(ProgramsDirectory, "rvtest.h")), .. flags]);
        var cached = Path.Combine(BuildCache.Root, "emulation-tests", key, name);
        if (File.Exists(cached))
        {
            return cached;
        }
        using var temp = new TempDirectory("popcorn-rv-build");
        var built = temp.Combine(name);
        var (code, _, stderr) = await ChildProcess.RunAsync("clang-19", [.. flags, "-o", built, source], cancellationToken);
        Assert.True(code == 0, $"clang-19 failed on {name}.c: {stderr}");
        var directory = BuildCache.GetOrBuild("emulation-tests", key, staging => File.Copy(built, Path.Combine(staging, name)));
        return Path.Combine(directory, name);
    }

    /// <summary>Builds a corpus sample with <c>popcorn cc</c> at an optimization level (cached); returns the multi-ISA file.</summary>
    public static string BuildSample(string sample, int level)
    {
        var runtime = RepositoryPaths.Combine("popcorn", "runtime");
        Environment.SetEnvironmentVariable("POPCORN_RUNTIME", runtime);
        var source = Path.Combine(SamplesDirectory, sample + ".c");
        var runtimeFiles = Directory.GetFiles(runtime, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(BuildCache.FileInput);
        var key = BuildCache.Hash([BuildCache.FileInput(source), $"-O{level}", .. runtimeFiles]);
        var directory = BuildCache.GetOrBuild("emulation-corpus", key, staging =>
            MultiIsaCompiler.Compile(new CompileOptions { Sources = [source], Output = Path.Combine(staging, sample), OptimizationLevel = level }));
        return Path.Combine(directory, sample);
    }

    /// <summary>Runs an executable on the emulator in this process: exit code as a shell reports it, stdout, popcorn's messages.</summary>
    public static (int ExitCode, string Stdout, string Messages, RunReport Report) RunEmulated(string path, Isa isa, string[]? arguments = null,
        SchedulerOptions? scheduler = null, string? input = null, CancellationToken cancellationToken = default)
    {
        var image = Emulator.LoadImage(path, isa, isaChosen: true);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var stdin = new MemoryStream(Encoding.UTF8.GetBytes(input ?? ""));
        var log = new StringWriter();
        var report = Emulator.Run(image, new GuestIo(stdin, stdout, stderr), new RunOptions
        {
            Arguments = [path, .. arguments ?? []],
            Log = log,
            Scheduler = scheduler ?? SchedulerOptions.Default,
        }, cancellationToken);
        if (report.Exit.Message is { } message)
        {
            log.WriteLine(message);
        }
        return (report.Exit.ShellCode, Encoding.UTF8.GetString(stdout.ToArray()), log.ToString(), report);
    }

    /// <summary>Runs a per-ISA ELF under qemu-user.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunQemuAsync(string path, Isa isa, CancellationToken cancellationToken,
        params string[] arguments) =>
        ChildProcess.RunAsync(isa == Isa.RiscV64 ? "qemu-riscv64" : "qemu-aarch64", [path, .. arguments], cancellationToken);

    /// <summary>Asserts two outputs are the same line by line, naming the first line that differs.</summary>
    public static void AssertSameOutput(string expected, string actual, string what)
    {
        var e = expected.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        var a = actual.TrimEnd('\n').Split('\n');
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
        {
            if (e[i] != a[i])
            {
                var context = i > 0 ? $" (after '{e[i - 1]}')" : "";
                Assert.Fail($"{what}: line {i + 1} differs{context}: qemu '{e[i]}', emulator '{a[i]}'");
            }
        }
        Assert.True(e.Length == a.Length, $"{what}: qemu printed {e.Length} lines, the emulator {a.Length}");
    }
}
