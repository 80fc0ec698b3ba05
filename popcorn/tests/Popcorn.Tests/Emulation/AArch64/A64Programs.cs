using System.Text;
using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Emulation.AArch64;

/// <summary>
/// Builds aarch64 test programs (the freestanding C under <c>AArch64/Programs</c>, and corpus samples through
/// <c>popcorn cc</c>) into the build cache, runs them on <see cref="A64Cpu"/> in this process and on qemu-aarch64,
/// and compares what they print.
/// </summary>
internal static class A64Programs
{
    public static string ProgramsDirectory => RepositoryPaths.Combine("popcorn", "tests", "Popcorn.Tests", "Emulation", "AArch64", "Programs");

    /// <summary>Compiles <c>Programs/NAME.c</c> at <paramref name="level"/> without libc (cached by contents and flags).</summary>
    public static async Task<string> BuildFreestandingAsync(string name, int level, CancellationToken cancellationToken)
    {
        var source = Path.Combine(ProgramsDirectory, name + ".c");
        string[] flags = ["--target=aarch64-linux-gnu", $"-O{level}", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld",
            "-fno-vectorize", "-fno-slp-vectorize", "-mno-outline-atomics", "-ffp-contract=off", "-fno-math-errno"];
        var key = BuildCache.Hash([BuildCache.FileInput(source), BuildCache.FileInput(Path.Combine(ProgramsDirectory, "a64test.h")), .. flags]);
        var cached = Path.Combine(BuildCache.Root, "a64-tests", key, name);
        if (File.Exists(cached))
        {
            return cached;
        }
        using var temp = new TempDirectory("popcorn-a64-build");
        var built = temp.Combine(name);
        var (code, _, stderr) = await ChildProcess.RunAsync("clang-19", [.. flags, "-o", built, source], cancellationToken);
        Assert.True(code == 0, $"clang-19 failed on {name}.c: {stderr}");
        var directory = BuildCache.GetOrBuild("a64-tests", key, staging => File.Copy(built, Path.Combine(staging, name)));
        return Path.Combine(directory, name);
    }

    /// <summary>Builds a corpus sample with <c>popcorn cc</c> (cached); returns its aarch64 ELF.</summary>
    public static string BuildSample(string sample, int level)
    {
        var runtime = RepositoryPaths.Combine("popcorn", "runtime");
        Environment.SetEnvironmentVariable("POPCORN_RUNTIME", runtime);
        var source = RepositoryPaths.Combine("popcorn", "samples", sample + ".c");
        var runtimeFiles = Directory.GetFiles(runtime, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(BuildCache.FileInput);
        // The same cache entry as the riscv64 corpus tests use, so each sample is compiled once for both.
        var key = BuildCache.Hash([BuildCache.FileInput(source), $"-O{level}", .. runtimeFiles]);
        var directory = BuildCache.GetOrBuild("emulation-corpus", key, staging =>
            MultiIsaCompiler.Compile(new CompileOptions { Sources = [source], Output = Path.Combine(staging, sample), OptimizationLevel = level }));
        return Path.Combine(directory, sample + ".aarch64");
    }

    /// <summary>What an emulated run printed and how it ended.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Messages, long Retired);

    /// <summary>Runs an aarch64 ELF on <see cref="A64Cpu"/> to completion in this process.</summary>
    public static Result RunEmulated(string path, CancellationToken cancellationToken, long quantum = 100_000)
    {
        var image = ElfImage.Load(path);
        Assert.Equal(Isa.Aarch64, image.Isa);
        using var space = new AddressSpace();
        using var memory = new GuestMemory(space, Isa.Aarch64);
        var loaded = ElfLoader.Load(memory, image, [path], []);
        var cpu = new A64Cpu(memory);
        var state = cpu.CreateState();
        state.ProgramCounter = loaded.Entry;
        state.StackPointer = loaded.StackPointer;
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var log = new StringWriter();
        using var process = new GuestProcess(space, new GuestIo(null, stdout, stderr), log);
        process.StartMainThread(state);
        var scheduler = new Scheduler(process, [cpu], new Dictionary<Isa, SymbolTable> { [Isa.Aarch64] = image.Symbols }, new SchedulerOptions(quantum));
        var exit = scheduler.Run(cancellationToken);
        if (exit.Message is { } message)
        {
            log.WriteLine(message);
        }
        return new Result(exit.ShellCode, Encoding.UTF8.GetString(stdout.ToArray()), log.ToString(), cpu.TotalRetired);
    }

    /// <summary>Runs an aarch64 ELF under qemu-aarch64.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunQemuAsync(string path, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync("qemu-aarch64", [path], cancellationToken);

    /// <summary>Runs <paramref name="path"/> on both and asserts identical output and exit code, naming the first difference.</summary>
    public static async Task<Result> AssertSameAsQemuAsync(string path, string what, CancellationToken cancellationToken)
    {
        var qemu = await RunQemuAsync(path, cancellationToken);
        var emulated = RunEmulated(path, cancellationToken);
        AssertSameOutput(qemu.Stdout, emulated.Stdout, what);
        Assert.True(qemu.ExitCode == emulated.ExitCode, $"{what}: qemu exited {qemu.ExitCode}, the emulator {emulated.ExitCode}: {emulated.Messages}");
        return emulated;
    }

    /// <summary>Asserts two outputs are equal token by token, naming the line and column of the first difference.</summary>
    public static void AssertSameOutput(string expected, string actual, string what)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var line = 0; line < Math.Min(e.Length, a.Length); line++)
        {
            if (e[line] == a[line])
            {
                continue;
            }
            var et = e[line].Split(' ');
            var at = a[line].Split(' ');
            var column = Enumerable.Range(0, Math.Min(et.Length, at.Length)).FirstOrDefault(k => et[k] != at[k], Math.Min(et.Length, at.Length));
            Assert.Fail($"{what}: line {line + 1}, item {column + 1} differs: qemu '{(column < et.Length ? et[column] : "")}', emulator '{(column < at.Length ? at[column] : "")}'");
        }
        Assert.True(e.Length == a.Length, $"{what}: qemu printed {e.Length} lines, the emulator {a.Length}");
    }
}
