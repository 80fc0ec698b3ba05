using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Serval.Binary;
using Serval.Profiling;
using Serval.RiscV;
using Serval.Smt;
using Serval.Spec;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.Verification;

/// <summary>The result of one check.</summary>
/// <param name="Name">The check.</param>
/// <param name="Outcome">Proved, counterexample or unknown.</param>
/// <param name="Report">What a person reads: the failing goals, the model, the replayed trace.</param>
/// <param name="Seconds">Wall time of the check.</param>
/// <param name="Cached">Whether the result came from the cache.</param>
/// <param name="Confirmed">For a counterexample: whether re-running the step from the model's concrete initial
/// states (no symbolic values left but those the model fixes) falsifies the same obligation.</param>
public sealed record CheckResult(string Name, VerifyOutcome Outcome, string Report, double Seconds, bool Cached, bool Confirmed = false);

/// <summary>How to run checks: parallelism, cache, solver options.</summary>
/// <param name="Jobs">Checks run at once.</param>
/// <param name="CacheDirectory">Where proved results are remembered (null: no cache).</param>
/// <param name="Solver">The solver back end by name (z3, cvc5, boolector, portfolio); one instance per worker.</param>
/// <param name="Timeout">The limit per solver query (null: none).</param>
/// <param name="Variant">What besides the code the proofs depend on (memory model, options): part of the cache key.</param>
public sealed record VerifierOptions(int Jobs, string? CacheDirectory, string Solver = "z3", TimeSpan? Timeout = null, string Variant = "");

/// <summary>
/// Runs checks in parallel, each with its own solver, remembering proofs by a hash of the code bytes, the
/// specification and the verifier's version; turns counterexamples into readable reports by replaying the model
/// concretely through the same interpreter.
/// </summary>
public static class Verifier
{
    /// <summary>Bumped whenever the interpreter, memory model or specification changes meaning.</summary>
    public const string Version = "serval-riscv-3";

    /// <summary>Runs every check.</summary>
    public static IReadOnlyList<CheckResult> Run(ElfImage image, IReadOnlyList<CheckDefinition> checks, VerifierOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(options);
        var codeHash = Convert.ToHexStringLower(SHA256.HashData(image.CodeBytes()));
        return RunParallel(checks, options, (check, solverOptions) => RunOne(image, check, codeHash + "\n" + options.Variant,
            solverOptions, options.CacheDirectory, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="run"/> on every item, <see cref="VerifierOptions.Jobs"/> at once, each worker with its own
    /// solver process (<see cref="VerifierOptions.Solver"/>, <see cref="VerifierOptions.Timeout"/>); results in item order.
    /// </summary>
    public static IReadOnlyList<TResult> RunParallel<TItem, TResult>(IReadOnlyList<TItem> items, VerifierOptions options,
        Func<TItem, VerifyOptions, TResult> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        var results = new TResult[items.Count];
        using var solvers = new ThreadLocal<ISolver>(() => SolverPool.Create(options.Solver), trackAllValues: true);
        try
        {
            Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Jobs), CancellationToken = cancellationToken },
                index => results[index] = run(items[index], new VerifyOptions { Solver = solvers.Value, Timeout = options.Timeout }));
        }
        finally
        {
            foreach (var solver in solvers.Values)
            {
                solver.Dispose();
            }
        }
        return results;
    }

    /// <summary>The default cache directory: $XDG_CACHE_HOME/serval or ~/.cache/serval.</summary>
    public static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "serval");
    }

    private static CheckResult RunOne(ElfImage image, CheckDefinition check, string codeHash, VerifyOptions solverOptions,
        string? cacheDirectory, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Version}\n{codeHash}\n{check.Name}\n{LayoutOf(image)}")))[..32];
        var cacheFile = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "results", key + ".proved");
        if (cacheFile is not null && File.Exists(cacheFile))
        {
            return new CheckResult(check.Name, VerifyOutcome.Proved, "", clock.Elapsed.TotalSeconds, true);
        }
        using var profile = Profiler.Named(check.Name);
        IReadOnlyList<Obligation> obligations;
        try
        {
            obligations = check.Obligations([.. check.Initials.Select(make => make())]);
        }
        catch (UnsupportedInstructionException e)
        {
            return new CheckResult(check.Name, VerifyOutcome.Unknown, $"cannot verify: {e.Message}", clock.Elapsed.TotalSeconds, false);
        }
        foreach (var obligation in obligations)
        {
            token.ThrowIfCancellationRequested();
            var result = Sym.Verify(obligation.Claim, solverOptions, token);
            if (result.Outcome == VerifyOutcome.Unknown)
            {
                return new CheckResult(check.Name, VerifyOutcome.Unknown, $"{obligation.Kind}: solver gave no answer ({result.Reason})", clock.Elapsed.TotalSeconds, false);
            }
            if (result.Outcome == VerifyOutcome.Counterexample)
            {
                var (report, confirmed) = Explain(image, check, obligation, result.Model!);
                return new CheckResult(check.Name, VerifyOutcome.Counterexample, report, clock.Elapsed.TotalSeconds, false, confirmed);
            }
        }
        if (cacheFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            File.WriteAllText(cacheFile, check.Name + "\n");
        }
        return new CheckResult(check.Name, VerifyOutcome.Proved, "", clock.Elapsed.TotalSeconds, false);
    }

    // The data layout the proofs depend on besides the code: the addresses and sizes of the globals.
    private static string LayoutOf(ElfImage image) => string.Join(';', image.Symbols.Values.OrderBy(s => s.Name, StringComparer.Ordinal)
        .Select(s => $"{s.Name}@{s.Address:x}+{s.Size:x}:{(image.Globals.TryGetValue(s.Name, out var g) ? g.Type.Name : "")}"));

    private static (string Report, bool Confirmed) Explain(ElfImage image, CheckDefinition check, Obligation obligation, Model model)
    {
        var text = new StringBuilder();
        var failed = obligation.Goals.Where(g => model.Evaluate(g.Holds).IsFalse).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"{obligation.Kind} fails:");
        foreach (var goal in failed.Take(8))
        {
            var where = goal.Pc is { } pc ? $" at 0x{pc:x} ({image.Describe(pc)}, {image.Lines.Lookup(pc)?.ToString() ?? "no line"})" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(goal.Pc is null ? "" : "undefined behaviour: ")}{goal.Description}{where}");
        }
        var concrete = check.Initials.Select(make => make().Concretize(model)).ToArray();
        text.AppendLine("model (initial values that matter):");
        foreach (var line in concrete.SelectMany(check.Hooks.Observe))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        }
        var executed = new HashSet<ulong>();
        for (var k = 0; k < concrete.Length; k++)
        {
            text.AppendLine(concrete.Length > 1 ? $"replay of state {k + 1}:" : "replay:");
            text.Append(Replay(image, check.Hooks, concrete[k], model, failed, executed));
        }
        // Undefined behaviour is judged by the pointer's base (C's provenance), which concrete values do not carry:
        // an out-of-bounds access may land in another global. It is confirmed when the replay executes the access.
        var confirmed = Confirm(check, concrete, obligation.Kind, model) || failed.Any(g => g.Pc is { } pc && executed.Contains(pc));
        text.AppendLine(confirmed
            ? "confirmed: re-running the step from these concrete states fails the same check"
            : "NOT confirmed: re-running the step from these concrete states does not fail the check");
        return (text.ToString(), confirmed);
    }

    // The obligations rebuilt from the concrete initial states, evaluated in the model (for the few symbolic values a
    // step introduces itself, such as the caller's PC): the counterexample is real if the same kind fails again.
    private static bool Confirm(CheckDefinition check, MachineState[] concrete, string kind, Model model)
    {
        try
        {
            return check.Obligations(concrete).Any(o => o.Kind == kind && model.Evaluate(o.Claim).IsFalse);
        }
        catch (UnsupportedInstructionException)
        {
            return false;
        }
    }

    private static string Hex(BitVec value) => value.TryGetValue(out var v) ? $"0x{v:x}" : value.ToString();

    // Re-runs the step from a concrete initial state, printing each instruction, its source line and what it changed,
    // up to the first undefined behaviour or the return to the caller.
    private static string Replay(ElfImage image, ReplayHooks hooks, MachineState initial, Model model, List<Goal> failed, HashSet<ulong> executed)
    {
        var text = new StringBuilder();
        var steps = new List<TraceStep>();
        var tracer = new Interpreter(image) { OnStep = steps.Add };
        var state = hooks.Enter(initial, model);
        var bugs = new List<Bug>();
        try
        {
            while (state.Returns == 0 && steps.Count < tracer.MaxSteps && !bugs.Any(b => b.Condition.IsTrue))
            {
                tracer.Step(state, bugs, []);
            }
        }
        catch (UnsupportedInstructionException e)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  (replay stopped: {e.Message})");
        }
        foreach (var step in steps)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  0x{step.Pc:x}  {Disassembler.Format(step.Instruction, step.Pc),-28} {image.Lines.Lookup(step.Pc)?.ToString() ?? "",-14} {string.Join(' ', Changes(image, step))}");
            foreach (var goal in failed.Where(g => g.Pc == step.Pc && executed.Add(step.Pc)))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  ^ undefined behaviour: {goal.Description}");
            }
        }
        foreach (var bug in bugs.Where(b => b.Condition.IsTrue))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  ^ undefined behaviour: {bug.Message}");
        }
        foreach (var line in hooks.Compare(initial, state))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        }
        return text.ToString();
    }

    private static IEnumerable<string> Changes(ElfImage image, TraceStep step)
    {
        for (var r = 1; r < 32; r++)
        {
            if (!step.Before.Registers[r].Equals(step.After.Registers[r]))
            {
                yield return $"{Disassembler.IntegerRegisterName(r)}={Hex(step.After.Registers[r])}";
            }
        }
        foreach (var (address, _, value) in step.Stores)
        {
            yield return $"{(address.TryGetValue(out var a) ? image.DescribeData(a) : address.ToString())}={Hex(value)}";
        }
    }

    /// <summary>The results as JSON.</summary>
    public static string ToJson(string elf, IReadOnlyList<CheckResult> results, double totalSeconds) =>
        JsonSerializer.Serialize(new
        {
            elf,
            total_seconds = totalSeconds,
            checks = results.Select(r => new
            {
                name = r.Name,
                outcome = r.Outcome.ToString().ToLowerInvariant(),
                seconds = r.Seconds,
                cached = r.Cached,
                confirmed = r.Confirmed,
                report = r.Report,
            }),
        }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
