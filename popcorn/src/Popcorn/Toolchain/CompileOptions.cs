namespace Popcorn.Toolchain;

/// <summary>Where <c>popcorn cc</c> puts migration points (the flag test that lets a thread migrate) in user code.</summary>
public enum MigrationPoints
{
    /// <summary>None: threads move only through explicit <c>migrate</c>/<c>check_migrate</c> calls (stack maps are kept).</summary>
    None,

    /// <summary>At the entry and before every return of each function, as Popcorn's compiler does by default.</summary>
    Functions,

    /// <summary>At function entries and exits and on every loop back-edge, as Popcorn's <c>-more-mig-points</c>.</summary>
    FunctionsAndLoops,
}

/// <summary>What <c>popcorn cc</c> builds: sources, optimization level, preprocessor options and the output path.</summary>
public sealed record CompileOptions
{
    /// <summary>The C source files (at least one).</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    /// <summary>The output path of the multi-ISA binary; the per-ISA ELFs go beside it as <c>OUT.aarch64</c>, <c>OUT.riscv64</c>.</summary>
    public required string Output { get; init; }

    /// <summary>The optimization level, 0 to 2 (clang's default is 0).</summary>
    public int OptimizationLevel { get; init; }

    /// <summary>Extra include directories (<c>-I</c>).</summary>
    public IReadOnlyList<string> IncludeDirectories { get; init; } = [];

    /// <summary>Preprocessor definitions (<c>-D NAME</c> or <c>-D NAME=VALUE</c>).</summary>
    public IReadOnlyList<string> Defines { get; init; } = [];

    /// <summary>Where migration points go (at function entries and exits unless set).</summary>
    public MigrationPoints MigrationPoints { get; init; } = MigrationPoints.Functions;

    /// <summary>Diagnostic and language-standard options given to clang for the user's sources as they are
    /// (<c>-Wall</c>, <c>-Werror</c>, <c>-w</c>, <c>-pedantic</c>, <c>-std=c11</c>…; see <see cref="IsClangOption"/>):
    /// they change what clang reports or which C it accepts, never the IR's layout or ABI.</summary>
    public IReadOnlyList<string> ClangOptions { get; init; } = [];

    /// <summary>Whether <paramref name="option"/> is one <see cref="ClangOptions"/> takes: a warning option
    /// (<c>-W…</c>, but not <c>-Wl,</c>, <c>-Wa,</c> or <c>-Wp,</c>, which hand options to other tools), <c>-w</c>,
    /// <c>-pedantic</c>, <c>-pedantic-errors</c>, or a C standard (<c>-std=c…</c>, <c>-std=gnu…</c>; not C++).</summary>
    public static bool IsClangOption(string option)
    {
        ArgumentNullException.ThrowIfNull(option);
        if (option.StartsWith("-W", StringComparison.Ordinal))
        {
            return option.Length > 2 && !option.StartsWith("-Wl,", StringComparison.Ordinal)
                && !option.StartsWith("-Wa,", StringComparison.Ordinal) && !option.StartsWith("-Wp,", StringComparison.Ordinal);
        }
        if (option.StartsWith("-std=", StringComparison.Ordinal))
        {
            var standard = option["-std=".Length..];
            return (standard.StartsWith('c') || standard.StartsWith("gnu", StringComparison.Ordinal)) && !standard.Contains('+', StringComparison.Ordinal);
        }
        return option is "-w" or "-pedantic" or "-pedantic-errors";
    }

    /// <summary>Checks the options, naming the bad one.</summary>
    /// <exception cref="CompileException">No source, a missing source file, or an optimization level outside 0–2.</exception>
    public void Validate()
    {
        if (Sources.Count == 0)
        {
            throw new CompileException("no input files");
        }
        foreach (var source in Sources)
        {
            if (!File.Exists(source))
            {
                throw new CompileException(source.StartsWith('-')
                    ? $"unknown option {source} (popcorn cc takes -O0 to -O3, -O, -Os, -Oz, -I, -D, -o, -g, -W…, -w, -pedantic, -std=c…, -lm, -lpthread, -pthread, -v and the migration-point options)"
                    : $"no such file: {source}");
            }
        }
        foreach (var option in ClangOptions)
        {
            if (!IsClangOption(option))
            {
                throw new CompileException($"not a warning or C standard option for clang: {option}");
            }
        }
        if (OptimizationLevel is < 0 or > 2)
        {
            throw new CompileException($"unsupported optimization level -O{OptimizationLevel}; use -O0, -O1 or -O2");
        }
        if (string.IsNullOrWhiteSpace(Output))
        {
            throw new CompileException("no output file (-o)");
        }
    }
}

/// <summary>What a build produced.</summary>
/// <param name="Output">The multi-ISA binary.</param>
/// <param name="Executables">The aligned per-ISA static ELF executables beside it.</param>
/// <param name="Alignment">The check-align report (always aligned: a misaligned build throws).</param>
/// <param name="Padding">Per ISA, bytes of padding the alignment added to code and data regions.</param>
public sealed record CompileResult(string Output, IReadOnlyDictionary<TargetIsa, string> Executables, AlignmentReport Alignment,
    IReadOnlyDictionary<TargetIsa, long> Padding)
{
    /// <summary>clang's warnings for the user's sources, as it printed them (empty when there were none).</summary>
    public string Warnings { get; init; } = "";
}
