using Popcorn.Emulation;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary>Finds the sample corpus and builds samples with <c>popcorn cc</c> for the demo and the benchmark.</summary>
internal static class Samples
{
    /// <summary>The <c>popcorn/samples</c> folder above the program or the working directory.</summary>
    /// <exception cref="UsageException">No such folder.</exception>
    public static string Directory
    {
        get
        {
            foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "popcorn", "samples");
                    if (System.IO.Directory.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }
            throw new UsageException("cannot find popcorn/samples above the program or the working directory; run from the repository");
        }
    }

    /// <summary>The source of sample <paramref name="name"/>.</summary>
    /// <exception cref="UsageException">No such sample.</exception>
    public static string Source(string name)
    {
        var path = Path.Combine(Directory, name + ".c");
        return File.Exists(path) ? path : throw new UsageException($"no sample '{name}' in {Directory}");
    }

    /// <summary>Compiles a sample into <paramref name="outputDirectory"/>; throws <see cref="UsageException"/> on a build error.</summary>
    public static CompileResult Build(string name, int level, string outputDirectory)
    {
        try
        {
            return MultiIsaCompiler.Compile(new CompileOptions
            {
                Sources = [Source(name)],
                Output = Path.Combine(outputDirectory, name),
                OptimizationLevel = level,
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
