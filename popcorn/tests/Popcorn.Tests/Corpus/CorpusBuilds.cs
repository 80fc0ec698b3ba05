using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Popcorn.Toolchain;

namespace Popcorn.Tests.Corpus;

/// <summary>A corpus sample built by <c>popcorn cc</c>: the multi-ISA file, the per-ISA ELFs and the expected output.</summary>
/// <param name="Name">The sample's name (its file name in <c>popcorn/samples</c> without <c>.c</c>).</param>
/// <param name="OptimizationLevel">0, 1 or 2.</param>
/// <param name="MultiIsaPath">The multi-ISA binary (<c>popcorn run</c> takes it).</param>
/// <param name="Executables">The aligned static ELF per ISA (qemu-user runs them as they are).</param>
/// <param name="ExpectedOutput">What the sample prints with no arguments (<c>samples/expected/NAME.out</c>).</param>
public sealed record CorpusBuild(string Name, int OptimizationLevel, string MultiIsaPath, IReadOnlyDictionary<TargetIsa, string> Executables,
    string ExpectedOutput)
{
    /// <summary>The aarch64 executable.</summary>
    public string Aarch64 => Executables[TargetIsa.Aarch64];

    /// <summary>The riscv64 executable.</summary>
    public string Riscv64 => Executables[TargetIsa.Riscv64];
}

/// <summary>
/// Builds corpus samples once per process and caches them across runs under <see cref="BuildCache.Root"/>, keyed
/// by a hash of the sample, the runtime, the toolchain's sources and the optimization level. Safe to call from
/// parallel tests: each (sample, level) is built once.
/// </summary>
public static class CorpusBuilds
{
    private static readonly ConcurrentDictionary<(string, int), Lazy<CorpusBuild>> Builds = new();

    static CorpusBuilds()
    {
        Environment.SetEnvironmentVariable("POPCORN_RUNTIME", RuntimeDirectory);
    }

    /// <summary>The repository: above the test binaries, or (when they are built apart, outside it) above this source file.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The corpus folder, <c>popcorn/samples</c>.</summary>
    public static string SamplesDirectory => Path.Combine(RepositoryRoot, "popcorn", "samples");

    /// <summary>The runtime folder, <c>popcorn/runtime</c>.</summary>
    public static string RuntimeDirectory => Path.Combine(RepositoryRoot, "popcorn", "runtime");

    /// <summary>Every sample's name, sorted.</summary>
    public static IReadOnlyList<string> Samples =>
        [.. Directory.GetFiles(SamplesDirectory, "*.c").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>Builds (or finds) <paramref name="name"/> at <paramref name="optimizationLevel"/>.</summary>
    public static CorpusBuild Get(string name, int optimizationLevel) =>
        Builds.GetOrAdd((name, optimizationLevel), key => new Lazy<CorpusBuild>(() => Build(key.Item1, key.Item2))).Value;

    /// <summary>Makes sure the runtime directory is configured for <c>popcorn cc</c> children started by a test.</summary>
    public static void ConfigureRuntime() => Environment.SetEnvironmentVariable("POPCORN_RUNTIME", RuntimeDirectory);

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        try
        {
            return RepositoryPaths.Root;
        }
        catch (InvalidOperationException)
        {
            for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile) ?? "."); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Systems.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw;
        }
    }

    private static CorpusBuild Build(string name, int level)
    {
        var source = Path.Combine(SamplesDirectory, name + ".c");
        var toolchainSources = Directory.GetFiles(Path.Combine(RepositoryRoot, "popcorn", "src", "Popcorn", "Toolchain"), "*.cs").Order(StringComparer.Ordinal);
        var key = BuildCache.Hash([BuildCache.FileInput(source), .. RuntimeLibrary.HashInputs(), .. toolchainSources.Select(BuildCache.FileInput), $"O{level}"]);
        var directory = BuildCache.GetOrBuild("corpus", key, staging =>
            MultiIsaCompiler.Compile(new CompileOptions { Sources = [source], Output = Path.Combine(staging, name), OptimizationLevel = level }));
        var expected = File.ReadAllText(Path.Combine(SamplesDirectory, "expected", name + ".out"));
        var output = Path.Combine(directory, name);
        return new CorpusBuild(name, level, output, TargetIsas.All.ToDictionary(isa => isa, isa => $"{output}.{isa.Name()}"), expected);
    }
}
