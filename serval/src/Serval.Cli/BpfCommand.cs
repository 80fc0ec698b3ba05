using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Serval.Binary;
using Serval.Bpf;
using Serval.RiscV;
using Serval.Smt;
using Serval.Symbolic;
using Serval.Verification;
using Systems.Cli;

namespace Serval.Cli;

/// <summary><c>serval bpf</c>: run eBPF programs in the interpreter, and check the eBPF-to-RV64 JIT instruction by instruction.</summary>
internal static class BpfCommand
{
    public static Command Create()
    {
        var bpf = new Command("bpf", "eBPF: run a program compiled by clang -target bpf, or prove the eBPF-to-RV64 JIT correct per instruction.");
        bpf.Subcommands.Add(JitCheck());
        bpf.Subcommands.Add(Run());
        bpf.Subcommands.Add(Verify());
        return bpf;
    }

    private static Command JitCheck()
    {
        var command = new Command("jit-check", "Prove, for every eBPF instruction form, that the RV64 code the JIT emits does what the instruction does.");
        var inject = new Option<string?>("--inject") { Description = $"Make the JIT err as Linux's JITs did: {string.Join(", ", RiscVJit.BugNames.Keys)}." };
        var form = new Option<string[]>("--form") { Description = "Check only these forms (e.g. \"ALU ADD X\"); repeatable.", AllowMultipleArgumentsPerToken = true };
        var list = new Option<bool>("--list") { Description = "List the forms and how many instructions each covers, without checking." };
        var jobs = new Option<int>("--jobs") { Description = "Forms checked at once (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var solver = new Option<string>("--solver") { Description = "z3 (default), cvc5, boolector or portfolio.", DefaultValueFactory = _ => "z3" };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds per solver query." };
        var enumerate = new Option<bool>("--enumerate")
        {
            Description = "Check only a list of edge values of each immediate, memory offset and LD_IMM64 constant (the checker before symbolic fields) instead of all values.",
        };
        foreach (var option in new Option[] { inject, form, list, jobs, json, solver, timeout, enumerate })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, token) => Task.Run(() =>
        {
            var output = parse.InvocationConfiguration.Output;
            var bug = JitBug.None;
            if (parse.GetValue(inject) is { } name && !RiscVJit.BugNames.TryGetValue(name, out bug))
            {
                throw new UsageException($"unknown JIT bug '{name}'; use one of {string.Join(", ", RiscVJit.BugNames.Keys)}");
            }
            if (parse.GetValue(jobs) < 1)
            {
                throw new UsageException("--jobs must be at least 1");
            }
            if (parse.GetValue(timeout) is <= 0)
            {
                throw new UsageException("--timeout must be a positive number of seconds");
            }
            var solverName = parse.GetValue(solver)!;
            if (!SolverPool.Names.Contains(solverName))
            {
                throw new UsageException($"unknown solver '{solverName}'; use one of {string.Join(", ", SolverPool.Names)}");
            }
            var forms = JitChecker.Forms(parse.GetValue(enumerate));
            if (parse.GetValue(form) is { Length: > 0 } wanted)
            {
                var unknown = wanted.Where(w => !forms.Any(f => f.Name == w)).ToList();
                if (unknown.Count > 0)
                {
                    throw new UsageException($"unknown form '{unknown[0]}'; list them with --list");
                }
                forms = [.. forms.Where(f => wanted.Contains(f.Name))];
            }
            if (parse.GetValue(list))
            {
                foreach (var f in forms)
                {
                    output.WriteLine($"{f.Name,-28} {f.Instances.Count,3} instructions{(f.SymbolicFields.Length > 0 ? $", symbolic {f.SymbolicFields}" : "")}");
                }
                return ExitCode.Success;
            }
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var seconds = parse.GetValue(timeout);
            var options = new VerifierOptions(parse.GetValue(jobs), null, solverName, seconds is { } t ? TimeSpan.FromSeconds(t) : null);
            // Progress on the error stream, a line per form as it finishes; the report (or JSON) follows in form order.
            var error = parse.InvocationConfiguration.Error;
            var done = 0;
            var results = JitChecker.CheckAll(new RiscVJit { Bug = bug }, forms, options, token, result =>
            {
                var count = Interlocked.Increment(ref done);
                lock (error)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{count}/{forms.Count}] {result.Name} {(result.Outcome == VerifyOutcome.Proved ? "proved" : result.Outcome.ToString().ToLowerInvariant())} {result.Seconds:0.000} s"));
                }
            });
            var total = clock.Elapsed.TotalSeconds;
            if (parse.GetValue(json))
            {
                output.WriteLine(Verifier.ToJson($"bpf-jit-rv64{(bug == JitBug.None ? "" : "+" + parse.GetValue(inject))}", results, total));
            }
            else
            {
                output.WriteLine($"eBPF -> RV64 JIT{(bug == JitBug.None ? "" : $" with injected bug {parse.GetValue(inject)}")}: {forms.Count} instruction forms, "
                    + $"{forms.Sum(f => f.Instances.Count)} instructions (symbolic registers and memory; "
                    + (parse.GetValue(enumerate) ? "enumerated immediates and offsets)" : "symbolic immediates and memory offsets; enumerated jump offsets and LD_IMM64 constants)"));
                CheckReport.Write(output, results, total);
                var median = results.Select(r => r.Seconds).Order().ElementAt(results.Count / 2);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wall {total:0.0} s, process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.0} s (without the solvers' own), median per form {median:0.000} s"));
            }
            return CheckReport.ExitCodeOf(results);
        }, token));
        return command;
    }

    private static Command Run()
    {
        var command = new Command("run", "Run one function of a clang -target bpf object concretely on up to five u64 arguments (r1..r5) and print r0.");
        var file = new Argument<string>("object") { Description = "The ELF object (clang -target bpf -O2 -c prog.c -o prog.o)." };
        var arguments = new Argument<string[]>("arguments") { Description = "Up to five arguments: decimal, or hexadecimal with 0x.", Arity = ArgumentArity.ZeroOrMore };
        var section = new Option<string?>("--section") { Description = "The program's section (default: the only function of the object)." };
        var function = new Option<string?>("--function") { Description = "The function's symbol." };
        command.Arguments.Add(file);
        command.Arguments.Add(arguments);
        command.Options.Add(section);
        command.Options.Add(function);
        command.SetAction((parse, token) => Task.Run(() =>
        {
            var output = parse.InvocationConfiguration.Output;
            var values = (parse.GetValue(arguments) ?? []).Select(ParseNumber).ToArray();
            if (values.Length > 5)
            {
                throw new UsageException("an eBPF function takes at most five arguments (r1..r5)");
            }
            var program = Load(parse.GetValue(file)!, parse.GetValue(section), parse.GetValue(function));
            try
            {
                var result = program.Run(values);
                output.WriteLine($"{program.Name}({string.Join(", ", values.Select(v => $"0x{v:x}"))}) = 0x{result:x} ({(long)result})");
                return ExitCode.Success;
            }
            catch (Exception e) when (e is UnsupportedInstructionException or BpfFaultException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"serval bpf run: {program.Name}: {e.Message}");
                return ExitCode.Negative;
            }
        }, token));
        return command;
    }

    private static Command Verify()
    {
        var command = new Command("verify", "Prove one function of a clang -target bpf object memory-safe for all arguments, stack and map contents, or show a bad access.");
        var file = new Argument<string>("object") { Description = "The ELF object (clang -target bpf -O2 -c prog.c -o prog.o)." };
        var section = new Option<string?>("--section") { Description = "The program's section (default: the only function of the object)." };
        var function = new Option<string?>("--function") { Description = "The function's symbol." };
        var arguments = new Option<int>("--args") { Description = "How many symbolic arguments it takes in r1..r5 (default 5).", DefaultValueFactory = _ => 5 };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds for the solver." };
        command.Arguments.Add(file);
        foreach (var option in new Option[] { section, function, arguments, timeout })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, token) => Task.Run(() =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(arguments) is < 0 or > 5)
            {
                throw new UsageException("--args must be between 0 and 5");
            }
            if (parse.GetValue(timeout) is <= 0)
            {
                throw new UsageException("--timeout must be a positive number of seconds");
            }
            var program = Load(parse.GetValue(file)!, parse.GetValue(section), parse.GetValue(function));
            var options = parse.GetValue(timeout) is { } t ? new Symbolic.VerifyOptions { Timeout = TimeSpan.FromSeconds(t) } : null;
            var result = BpfSafety.Verify(program, parse.GetValue(arguments), options, token);
            var verdict = result.Outcome switch
            {
                Symbolic.VerifyOutcome.Proved => "proved memory-safe",
                Symbolic.VerifyOutcome.Counterexample => "COUNTEREXAMPLE",
                _ => "UNKNOWN",
            };
            output.WriteLine($"{program.Name}: {verdict} ({result.Paths} paths, {program.Instructions.Count} instructions, {program.Maps.Count} maps)");
            if (result.Report.Length > 0)
            {
                output.WriteLine(string.Join('\n', result.Report.TrimEnd().Split('\n').Select(l => "  " + l)));
            }
            return result.Outcome switch
            {
                Symbolic.VerifyOutcome.Proved => ExitCode.Success,
                Symbolic.VerifyOutcome.Counterexample => ExitCode.Negative,
                _ => ExitCode.NoAnswer,
            };
        }, token));
        return command;
    }

    // A bad object, or no such function, is a usage error (exit 2) naming the file and why.
    private static BpfProgram Load(string path, string? section, string? function)
    {
        try
        {
            return BpfProgram.Load(path, section, function);
        }
        catch (BadElfException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ulong ParseNumber(string text)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }
        if (ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unsigned))
        {
            return unsigned;
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var signed) ? (ulong)signed
            : throw new UsageException($"'{text}' is not a number (decimal, or hexadecimal with 0x)");
    }
}
