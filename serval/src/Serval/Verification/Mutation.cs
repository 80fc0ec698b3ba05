using System.Diagnostics;
using System.Text.RegularExpressions;
using Serval.Binary;
using Serval.Symbolic;

namespace Serval.Verification;

/// <summary>A mechanical change to one source file of the monitor.</summary>
/// <param name="File">The file (name inside the source directory).</param>
/// <param name="Line">The 1-based line of the change.</param>
/// <param name="Operator">The mutation operator: comparison, dropped store, constant, offset.</param>
/// <param name="Offset">The character offset of <paramref name="Original"/> in the file.</param>
/// <param name="Original">The text replaced.</param>
/// <param name="Replacement">What replaces it.</param>
public sealed record Mutant(string File, int Line, string Operator, int Offset, string Original, string Replacement)
{
    /// <summary>The mutant in one line: <c>monitor.c:12 comparison '&lt;' → '&lt;='</c>.</summary>
    public override string ToString() => $"{File}:{Line} {Operator} '{Original.Trim()}' -> '{Replacement.Trim()}'";
}

/// <summary>What verification said about a mutant, checked against concrete runs.</summary>
public enum MutantVerdict
{
    /// <summary>A check found a counterexample and re-running it concretely fails the same check.</summary>
    Killed,

    /// <summary>Every check proved, and no concrete run from random states finds a difference: the mutant behaves as the specification asks.</summary>
    Equivalent,

    /// <summary>Every check proved although a concrete run violates a check: a wrong proof (a verifier bug).</summary>
    WronglyProved,

    /// <summary>A counterexample that does not replay concretely (a verifier bug or an imprecise model).</summary>
    Unconfirmed,

    /// <summary>No answer: the solver gave up or the code uses what the interpreter does not model.</summary>
    Unknown,

    /// <summary>The mutant does not compile.</summary>
    Stillborn,
}

/// <summary>One mutant's result.</summary>
/// <param name="Mutant">The mutant.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Detail">The failing checks, or why there is no verdict.</param>
/// <param name="Seconds">Build, verification and concrete testing time.</param>
public sealed record MutantResult(Mutant Mutant, MutantVerdict Verdict, string Detail, double Seconds);

/// <summary>
/// Mutation testing of the verifier on the toy monitor: the sources mutated mechanically (flipped comparisons,
/// dropped stores, changed constants, changed stack offsets), each mutant built and verified; a counterexample must
/// replay concretely, and a proof is cross-examined by running the mutant concretely from random states.
/// </summary>
public static partial class Mutation
{
    private static readonly string[] CFiles = ["monitor.c", "main.c", "monitor.h"];

    private static readonly Dictionary<string, string[]> Flips = new(StringComparer.Ordinal)
    {
        ["<"] = ["<=", ">="], ["<="] = ["<", ">"], [">"] = [">=", "<="], [">="] = [">", "<"], ["=="] = ["!="], ["!="] = ["=="],
    };

    /// <summary>Every mutant of the monitor's sources in <paramref name="sourceDirectory"/>, in a fixed order.</summary>
    public static IReadOnlyList<Mutant> Generate(string sourceDirectory)
    {
        var mutants = new List<Mutant>();
        foreach (var file in CFiles)
        {
            var text = File.ReadAllText(Path.Combine(sourceDirectory, file));
            foreach (var (line, start, code) in LiveLines(text))
            {
                if (code.TrimStart().StartsWith('#'))
                {
                    foreach (Match m in Define().Matches(code))
                    {
                        AddConstants(mutants, file, line, start + m.Groups[1].Index, m.Groups[1].Value);
                    }
                    continue;
                }
                foreach (Match m in Comparison().Matches(code))
                {
                    mutants.AddRange(Flips[m.Value].Select(r => new Mutant(file, line, "comparison", start + m.Index, m.Value, r)));
                }
                if (Assignment().Match(code) is { Success: true } store)
                {
                    mutants.Add(new Mutant(file, line, "dropped store", start + store.Index, store.Value, ";"));
                }
                foreach (Match m in Literal().Matches(code))
                {
                    AddConstants(mutants, file, line, start + m.Index, m.Value);
                }
            }
        }
        var assembly = File.ReadAllText(Path.Combine(sourceDirectory, "entry.S"));
        foreach (var (line, start, code) in LiveLines(assembly))
        {
            if (StackSlot().Match(code) is { Success: true } slot)
            {
                var value = int.Parse(slot.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                mutants.Add(new Mutant("entry.S", line, "offset", start + slot.Groups[2].Index, slot.Groups[2].Value, $"{value + 8}"));
                if (slot.Groups[1].Value == "sd")
                {
                    mutants.Add(new Mutant("entry.S", line, "dropped store", start + slot.Index, slot.Value, "nop"));
                }
            }
        }
        return mutants;
    }

    /// <summary>Writes the sources with <paramref name="mutant"/> applied into <paramref name="destination"/>.</summary>
    public static void Apply(string sourceDirectory, Mutant mutant, string destination)
    {
        ArgumentNullException.ThrowIfNull(mutant);
        Directory.CreateDirectory(destination);
        foreach (var source in Directory.GetFiles(sourceDirectory))
        {
            var text = File.ReadAllText(source);
            if (Path.GetFileName(source) == mutant.File)
            {
                if (string.CompareOrdinal(text, mutant.Offset, mutant.Original, 0, mutant.Original.Length) != 0)
                {
                    throw new InvalidOperationException($"{mutant} does not match {source}");
                }
                text = string.Concat(text.AsSpan(0, mutant.Offset), mutant.Replacement, text.AsSpan(mutant.Offset + mutant.Original.Length));
            }
            File.WriteAllText(Path.Combine(destination, Path.GetFileName(source)), text);
        }
    }

    /// <summary>Builds and verifies one mutant, then confirms its counterexamples or cross-examines its proof.</summary>
    public static MutantResult Run(string sourceDirectory, Mutant mutant, Compiler compiler, int optimization, string workDirectory,
        VerifierOptions options, int randomTests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mutant);
        var clock = Stopwatch.StartNew();
        var directory = Path.Combine(workDirectory, $"{mutant.File}-{mutant.Offset}-{mutant.Replacement.GetHashCode(StringComparison.Ordinal):x8}");
        Apply(sourceDirectory, mutant, directory);
        string elf;
        try
        {
            elf = ToymonBuild.Build(directory, compiler, optimization, InjectedBug.None, Path.Combine(workDirectory, "cache"));
        }
        catch (InvalidOperationException e)
        {
            return new MutantResult(mutant, MutantVerdict.Stillborn, e.Message.Split('\n')[0], clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        Toymon monitor;
        try
        {
            monitor = new Toymon(ElfImage.Load(elf));
        }
        catch (BadElfException e)
        {
            return new MutantResult(mutant, MutantVerdict.Stillborn, e.Message, clock.Elapsed.TotalSeconds);
        }
        var checks = monitor.Checks();
        var results = Verifier.Run(monitor.Image, checks, options, cancellationToken);
        var failed = results.Where(r => r.Outcome == VerifyOutcome.Counterexample).ToList();
        if (failed.Count > 0)
        {
            var names = string.Join(", ", failed.Select(r => r.Name));
            return failed.All(r => r.Confirmed)
                ? new MutantResult(mutant, MutantVerdict.Killed, names, clock.Elapsed.TotalSeconds)
                : new MutantResult(mutant, MutantVerdict.Unconfirmed, string.Join(", ", failed.Where(r => !r.Confirmed).Select(r => r.Name)), clock.Elapsed.TotalSeconds);
        }
        if (results.FirstOrDefault(r => r.Outcome == VerifyOutcome.Unknown) is { } unknown)
        {
            return new MutantResult(mutant, MutantVerdict.Unknown, $"{unknown.Name}: {unknown.Report}", clock.Elapsed.TotalSeconds);
        }
        var violated = checks.Select(c => (c.Name, Kind: RandomTesting.FindViolation(c, randomTests, seed: 7)))
            .FirstOrDefault(v => v.Kind is not null);
        return violated.Kind is null
            ? new MutantResult(mutant, MutantVerdict.Equivalent, $"no difference in {randomTests} random concrete runs per check", clock.Elapsed.TotalSeconds)
            : new MutantResult(mutant, MutantVerdict.WronglyProved, $"{violated.Name}: {violated.Kind}", clock.Elapsed.TotalSeconds);
    }

    /// <summary>The mutation score: killed mutants over all mutants that compile and are not equivalent.</summary>
    public static double Score(IReadOnlyCollection<MutantResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var counted = results.Count(r => r.Verdict is not (MutantVerdict.Stillborn or MutantVerdict.Equivalent));
        return counted == 0 ? 1.0 : (double)results.Count(r => r.Verdict == MutantVerdict.Killed) / counted;
    }

    // Each line outside comments and outside the #if branches that only the tutorial's exercises compile, with its
    // number, its offset in the text, and its text with comments blanked out.
    private static IEnumerable<(int Line, int Start, string Code)> LiveLines(string text)
    {
        var blanked = Comment().Replace(text, m => Regex.Replace(m.Value, "[^\n]", " "));
        var start = 0;
        var skipping = false;
        var lines = blanked.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i];
            var directive = code.TrimStart();
            if (directive.StartsWith("#if", StringComparison.Ordinal) || directive.StartsWith("#elif", StringComparison.Ordinal))
            {
                skipping = directive.Contains("defined(INJECT_", StringComparison.Ordinal) && !directive.Contains("!defined", StringComparison.Ordinal);
            }
            else if (directive.StartsWith("#else", StringComparison.Ordinal) || directive.StartsWith("#endif", StringComparison.Ordinal))
            {
                skipping = false;
            }
            else if (!skipping && !directive.StartsWith("#include", StringComparison.Ordinal) && !directive.StartsWith("#pragma", StringComparison.Ordinal))
            {
                yield return (i + 1, start, code);
            }
            start += code.Length + 1;
        }
    }

    private static void AddConstants(List<Mutant> mutants, string file, int line, int offset, string literal)
    {
        var hex = literal.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        var digits = literal.TrimEnd('U', 'L', 'u', 'l');
        var suffix = literal[digits.Length..];
        var value = hex ? ulong.Parse(digits[2..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)
            : ulong.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var changed in new[] { value + 1, value - 1 }.Where(v => v != ulong.MaxValue).Distinct())
        {
            mutants.Add(new Mutant(file, line, "constant", offset, literal, (hex ? $"0x{changed:x}" : $"{changed}") + suffix));
        }
    }

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*|""[^""\n]*""", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])")]
    private static partial Regex Comparison();

    [GeneratedRegex(@"(?<=^\s*)[A-Za-z_][\w\[\]]*\s*=\s*[^=;][^;]*;")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"(?<![\w.])(0x[0-9a-fA-F]+|\d+)[uUlL]*(?![\w.])")]
    private static partial Regex Literal();

    [GeneratedRegex(@"^\s*#define\s+\w+\s+(0x[0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)\s*$")]
    private static partial Regex Define();

    [GeneratedRegex(@"(?<=^\s*)(sd|ld)\s+\w+,\s*(\d+)\(sp\)")]
    private static partial Regex StackSlot();
}
