namespace Popcorn.Toolchain;

/// <summary>
/// Popcorn's C runtime (<c>popcorn/runtime</c>): headers in <c>include/</c>, portable sources in <c>src/</c> that go
/// through the one-IR pipeline like user code, and per-ISA start-up and system-call code in <c>arch/ISA/</c>.
/// Built once per optimization level and cached.
/// </summary>
public static class RuntimeLibrary
{
    /// <summary>The object names of the runtime inside a cache entry, per ISA directory.</summary>
    internal const string PortableObject = "pc-rt.o";

    /// <summary>The per-ISA start-up and system-call object.</summary>
    internal const string ArchObject = "pc-rtarch.o";

    /// <summary>
    /// The runtime directory: <c>POPCORN_RUNTIME</c> when set, else <c>runtime/</c> beside the program, else the
    /// <c>popcorn/runtime</c> folder of the repository holding the program.
    /// </summary>
    /// <exception cref="CompileException">No runtime directory was found.</exception>
    public static string Directory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("POPCORN_RUNTIME");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }
            var beside = Path.Combine(AppContext.BaseDirectory, "runtime");
            if (File.Exists(Path.Combine(beside, "include", "stdio.h")))
            {
                return beside;
            }
            for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "popcorn", "runtime");
                if (File.Exists(Path.Combine(candidate, "include", "stdio.h")))
                {
                    return candidate;
                }
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "popcorn", "runtime");
                if (File.Exists(Path.Combine(candidate, "include", "stdio.h")))
                {
                    return candidate;
                }
            }
            throw new CompileException("cannot find the popcorn runtime (popcorn/runtime); set POPCORN_RUNTIME to its directory");
        }
    }

    /// <summary>The header directory programs compile against.</summary>
    public static string IncludeDirectory => Path.Combine(Directory, "include");

    /// <summary>The portable runtime sources (compiled through the one IR).</summary>
    internal static IReadOnlyList<string> PortableSources =>
        [.. System.IO.Directory.GetFiles(Path.Combine(Directory, "src"), "*.c").Order(StringComparer.Ordinal)];

    /// <summary>The start-up and system-call source of <paramref name="isa"/>.</summary>
    internal static string ArchSource(TargetIsa isa) => Path.Combine(Directory, "arch", isa.Name(), "arch.c");

    /// <summary>A hash of every runtime file, part of every build's cache key.</summary>
    internal static IEnumerable<string> HashInputs()
    {
        var root = Directory;
        return System.IO.Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(root, f) + BuildCache.FileInput(f));
    }
}
