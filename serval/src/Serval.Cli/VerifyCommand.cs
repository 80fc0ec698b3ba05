using System.CommandLine;
using System.Diagnostics;
using Serval.Binary;
using Serval.Memory;
using Serval.Profiling;
using Serval.RiscV;
using Serval.Smt;
using Serval.Symbolic;
using Serval.Verification;
using Systems.Cli;

namespace Serval.Cli;

/// <summary><c>serval verify toymon</c>: build the tutorial's monitor and prove it, or show why not.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var verify = new Command("verify", "Verify a system's machine code against its specification.");
        var target = new Argument<string>("target") { Description = "What to verify: toymon or toyrisc." };
        var cc = new Option<string>("--cc") { Description = "Compiler: gcc (default) or clang.", DefaultValueFactory = _ => "gcc" };
        var o0 = new Option<bool>("-O0") { Description = "Build at -O0 (the default, as the tutorial)." };
        var o1 = new Option<bool>("-O1") { Description = "Build at -O1." };
        var o2 = new Option<bool>("-O2") { Description = "Build at -O2." };
        var elf = new Option<string?>("--elf") { Description = "Verify this ELF build of the monitor's sources instead of building." };
        var inject = new Option<string?>("--inject") { Description = "Build a tutorial exercise: bounds, lost-store or leak." };
        var jobs = new Option<int>("--jobs") { Description = "Checks run at once (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var noCache = new Option<bool>("--no-cache") { Description = "Re-run every check, ignoring remembered proofs." };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache directory (default $XDG_CACHE_HOME/serval or ~/.cache/serval)." };
        var solver = new Option<string>("--solver") { Description = "z3 (default), cvc5, boolector or portfolio.", DefaultValueFactory = _ => "z3" };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds per solver query." };
        var memory = new Option<string>("--memory") { Description = "Memory model: structured (default; regions typed from DWARF) or flat.", DefaultValueFactory = _ => "structured" };
        var noSplitPc = new Option<bool>("--no-split-pc") { Description = "Merge paths after every step instead of forking them (split-pc off)." };
        var splitCases = new Option<bool>("--split-cases") { Description = "Fork one path per position of a symbolic memory offset." };
        var keepJalrMask = new Option<bool>("--keep-jalr-mask") { Description = "Compute jalr targets with the ISA's mask instead of killing it." };
        var profile = new Option<bool>("--profile") { Description = "Profile the symbolic evaluation: paths, terms, solver time per check (ignores the cache)." };
        foreach (var option in new Option[] { cc, o0, o1, o2, elf, inject, jobs, json, noCache, cacheDir, solver, timeout, memory, noSplitPc, splitCases, keepJalrMask, profile })
        {
            verify.Options.Add(option);
        }
        verify.Arguments.Add(target);
        verify.SetAction((parse, token) => Task.Run(() =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(timeout) is <= 0)
            {
                // A zero or negative limit made every query time out at once: every check unknown, nothing wrong said.
                throw new UsageException("--timeout must be a positive number of seconds");
            }
            if (parse.GetValue(target) == "toyrisc")
            {
                return VerifyToyRisc(parse.GetValue(inject), output, token);
            }
            if (parse.GetValue(target) != "toymon")
            {
                throw new UsageException($"unknown target '{parse.GetValue(target)}'; the targets are toymon and toyrisc");
            }
            var levels = new[] { (parse.GetValue(o0), 0), (parse.GetValue(o1), 1), (parse.GetValue(o2), 2) }.Where(l => l.Item1).ToList();
            if (levels.Count > 1)
            {
                throw new UsageException("give at most one of -O0, -O1, -O2");
            }
            var compiler = parse.GetValue(cc) switch
            {
                "gcc" => Compiler.Gcc,
                "clang" => Compiler.Clang,
                var other => throw new UsageException($"unknown compiler '{other}'; use gcc or clang"),
            };
            var bug = parse.GetValue(inject) switch
            {
                null => InjectedBug.None,
                "bounds" => InjectedBug.Bounds,
                "lost-store" => InjectedBug.LostStore,
                "leak" => InjectedBug.Leak,
                var other => throw new UsageException($"unknown exercise '{other}'; use bounds, lost-store or leak"),
            };
            var elfPath = parse.GetValue(elf);
            if (elfPath is not null && bug != InjectedBug.None)
            {
                throw new UsageException("--inject builds a variant of the sources; it cannot be combined with --elf");
            }
            if (parse.GetValue(jobs) < 1)
            {
                throw new UsageException("--jobs must be at least 1");
            }
            var cache = parse.GetValue(cacheDir) ?? Verifier.DefaultCacheDirectory();
            var clock = Stopwatch.StartNew();
            if (elfPath is null)
            {
                var sources = ToymonBuild.FindSourceDirectory()
                    ?? throw new UsageException("cannot find serval/samples/toymon; run from the repository or pass --elf");
                try
                {
                    elfPath = ToymonBuild.Build(sources, compiler, levels.Count == 0 ? 0 : levels[0].Item2, bug, cache);
                }
                catch (Exception e) when (e is InvalidOperationException or CompilerNotFoundException)
                {
                    throw new UsageException(e.Message);
                }
            }
            var memoryModel = parse.GetValue(memory) switch
            {
                "structured" => MemoryModel.Structured,
                "flat" => MemoryModel.Flat,
                var other => throw new UsageException($"unknown memory model '{other}'; use structured or flat"),
            };
            var symopts = new SymbolicOptions(!parse.GetValue(noSplitPc), parse.GetValue(splitCases), !parse.GetValue(keepJalrMask));
            Toymon monitor;
            try
            {
                monitor = new Toymon(ElfImage.Load(elfPath), memoryModel, symopts);
            }
            catch (BadElfException e)
            {
                throw new UsageException(e.Message);
            }
            var solverName = parse.GetValue(solver)!;
            if (!SolverPool.Names.Contains(solverName))
            {
                throw new UsageException($"unknown solver '{solverName}'; use one of {string.Join(", ", SolverPool.Names)}");
            }
            var seconds = parse.GetValue(timeout);
            var profiling = parse.GetValue(profile);
            var options = new VerifierOptions(parse.GetValue(jobs), parse.GetValue(noCache) || profiling ? null : cache, solverName,
                seconds is { } t ? TimeSpan.FromSeconds(t) : null, $"memory={memoryModel}");
            using var profiler = profiling ? Profiler.Start() : null;
            var results = Verifier.Run(monitor.Image, monitor.Checks(), options, token);
            var total = clock.Elapsed.TotalSeconds;
            profiler?.Dispose();
            if (parse.GetValue(json))
            {
                output.WriteLine(Verifier.ToJson(elfPath, results, total));
            }
            else
            {
                output.WriteLine($"toymon: {elfPath} ({memoryModel.ToString().ToLowerInvariant()} memory; {symopts})");
                CheckReport.Write(output, results, total);
            }
            if (profiler is not null)
            {
                // With --json the profile goes to stderr, so that stdout stays one JSON document.
                WriteProfile(parse.GetValue(json) ? parse.InvocationConfiguration.Error : output, results, profiler);
            }
            return CheckReport.ExitCodeOf(results);
        }, token));
        return verify;
    }

    // Per check: the paths the interpreter ran, the terms it built, the solver's time and the whole check's time.
    private static void WriteProfile(TextWriter output, IReadOnlyList<CheckResult> results, Profiler profiler)
    {
        output.WriteLine($"profile: {"check",-28} {"paths",7} {"terms",9} {"solver ms",10} {"check ms",9}");
        var (paths, terms, solver) = (0L, 0L, 0.0);
        foreach (var result in results)
        {
            var entry = profiler.Entry(result.Name);
            paths += entry?.Paths ?? 0;
            terms += entry?.TermsCreated ?? 0;
            solver += entry?.SolverTime.TotalMilliseconds ?? 0;
            output.WriteLine($"profile: {result.Name,-28} {entry?.Paths ?? 0,7} {entry?.TermsCreated ?? 0,9} {entry?.SolverTime.TotalMilliseconds ?? 0,10:0.0} {result.Seconds * 1000,9:0.0}");
        }
        output.WriteLine($"profile: {"total",-28} {paths,7} {terms,9} {solver,10:0.0} {results.Sum(r => r.Seconds) * 1000,9:0.0}");
    }

    private static int VerifyToyRisc(string? inject, TextWriter output, CancellationToken token)
    {
        var program = ToyRisc.SignProgram;
        if (inject is not null)
        {
            if (inject != "li-2")
            {
                throw new UsageException($"unknown ToyRISC exercise '{inject}'; use li-2");
            }
            program = [.. program];
            program[4] = program[4] with { Imm = -2 };
        }
        var (lines, outcome) = ToyRisc.Verify(program, null, token);
        foreach (var line in lines)
        {
            output.WriteLine($"toyrisc: {line}");
        }
        return outcome switch
        {
            VerifyOutcome.Proved => ExitCode.Success,
            VerifyOutcome.Counterexample => ExitCode.Negative,
            _ => ExitCode.NoAnswer,
        };
    }
}
