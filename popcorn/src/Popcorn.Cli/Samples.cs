using Popcorn.Emulation;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary>Finds the sample corpus and builds samples with <c>popcorn cc</c> for the demo and the benchmark.</summary>
internal static class Samples
{
    /// <summary>The <c>popcorn/samples</c> folder above the program or the working directory.</summary>
    /// <exception cref="UsageException">No such folder.</exception>
    public static string Directory => Find("samples");

    /// <summary>The source of sample <paramref name="name"/>.</summary>
    /// <exception cref="UsageException">No such sample.</exception>
    public static string Source(string name)
    {
        var path = Path.Combine(Directory, name + ".c");
        return File.Exists(path) ? path : throw new UsageException($"no sample '{name}' in {Directory}");
    }

    /// <summary>The source of benchmark program <paramref name="name"/> (in <c>popcorn/bench/programs</c>).</summary>
    /// <exception cref="UsageException">No such program.</exception>
    public static string BenchProgram(string name)
    {
        var folder = Find(Path.Combine("bench", "programs"));
        var path = Path.Combine(folder, name + ".c");
        return File.Exists(path) ? path : throw new UsageException($"no benchmark program '{name}' in {folder}");
    }

    private static string Find(string folder)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "popcorn", folder);
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new UsageException($"cannot find popcorn/{folder} above the program or the working directory; run from the repository");
    }

    /// <summary>Compiles a sample into <paramref name="outputDirectory"/>; throws <see cref="UsageException"/> on a build error.</summary>
    public static CompileResult Build(string name, int level, string outputDirectory, MigrationPoints points = MigrationPoints.Functions) =>
        Compile(Source(name), level, Path.Combine(outputDirectory, name), points);

    /// <summary>Compiles one C file to <paramref name="output"/>; throws <see cref="UsageException"/> on a build error.</summary>
    public static CompileResult Compile(string source, int level, string output, MigrationPoints points = MigrationPoints.Functions)
    {
        try
        {
            return MultiIsaCompiler.Compile(new CompileOptions
            {
                Sources = [source],
                Output = output,
                OptimizationLevel = level,
                MigrationPoints = points,
            });
        }
        catch (CompileException e)
        {
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>Runs one ISA's image of a built sample in this process with its output captured.</summary>
    public static (RunReport Report, byte[] Output) RunCaptured(string binary, Isa isa, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var image = Emulator.LoadImage(binary, isa, isaChosen: true);
        using var output = new MemoryStream();
        var report = Emulator.Run(image, new GuestIo(null, output, output), new RunOptions { Arguments = [binary, .. arguments] }, cancellationToken);
        return (report, output.ToArray());
    }
}
