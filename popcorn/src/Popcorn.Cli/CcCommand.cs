using System.CommandLine;
using System.Globalization;
using Popcorn.Toolchain;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary><c>popcorn cc</c>: compiles C into an aligned multi-ISA binary (aarch64 + riscv64).</summary>
internal static class CcCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var sources = new Argument<string[]>("sources") { Description = "C source files, and options clang takes as they are: warnings (-Wall, -Werror, -w …), -pedantic, -std=c…/gnu…", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("-o") { Description = "Output multi-ISA binary (OUT.aarch64 and OUT.riscv64 are written beside it)", DefaultValueFactory = _ => "a.out" };
        var o0 = new Option<bool>("-O0") { Description = "No optimization (the default)" };
        var o1 = new Option<bool>("-O1") { Description = "Optimize" };
        var o2 = new Option<bool>("-O2") { Description = "Optimize more" };
        var o3 = new Option<bool>("-O3") { Description = "Accepted for compatibility: builds as -O2" };
        var o = new Option<bool>("-O") { Description = "As gcc and clang: builds as -O1" };
        var os = new Option<bool>("-Os") { Description = "Accepted for compatibility: builds as -O2" };
        var oz = new Option<bool>("-Oz") { Description = "Accepted for compatibility: builds as -O2" };
        var debug = new Option<bool>("-g") { Description = "Accepted for compatibility: the build always carries DWARF debug information" };
        var include = new Option<string[]>("-I") { Description = "Add an include directory", AllowMultipleArgumentsPerToken = false };
        var define = new Option<string[]>("-D") { Description = "Define a macro: NAME or NAME=VALUE" };
        var libm = new Option<bool>("-lm") { Description = "Accepted for compatibility: the math library is part of the runtime" };
        var libpthread = new Option<bool>("-lpthread", "-pthread") { Description = "Accepted for compatibility: pthreads are part of the runtime" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Report the alignment result and padding on stderr" };
        var loops = new Option<bool>("--loop-migration-points") { Description = "Also put a migration point on every loop back-edge (as Popcorn's -more-mig-points)" };
        var none = new Option<bool>("--no-migration-points") { Description = "No migration points at function entries and exits (threads move only through explicit migrate/check_migrate calls)" };

        var command = new Command("cc", "Compile C programs into a multi-ISA binary: one IR lowered for aarch64 and riscv64, every symbol at the same address on both")
        {
            sources, output, o0, o1, o2, o3, o, os, oz, debug, include, define, libm, libpthread, verbose, loops, none,
        };
        command.SetAction(parse =>
        {
            var level = parse.GetValue(o2) || parse.GetValue(o3) || parse.GetValue(os) || parse.GetValue(oz) ? 2
                : parse.GetValue(o1) || parse.GetValue(o) ? 1 : 0;
            // Warning and C-standard options (-Wall, -std=c11 …) arrive among the sources: they are not fixed names.
            var tokens = parse.GetValue(sources) ?? [];
            if (parse.GetValue(loops) && parse.GetValue(none))
            {
                throw new UsageException("--loop-migration-points and --no-migration-points contradict each other");
            }
            var options = new CompileOptions
            {
                Sources = [.. tokens.Where(t => !CompileOptions.IsClangOption(t))],
                ClangOptions = [.. tokens.Where(CompileOptions.IsClangOption)],
                Output = parse.GetValue(output)!,
                OptimizationLevel = level,
                IncludeDirectories = parse.GetValue(include) ?? [],
                Defines = parse.GetValue(define) ?? [],
                MigrationPoints = parse.GetValue(none) ? MigrationPoints.None : parse.GetValue(loops) ? MigrationPoints.FunctionsAndLoops : MigrationPoints.Functions,
            };
            CompileResult result;
            try
            {
                result = MultiIsaCompiler.Compile(options);
            }
            catch (CompileException e)
            {
                throw new UsageException(e.Message, e);
            }
            var error = parse.InvocationConfiguration.Error;
            error.Write(result.Warnings);
            if (parse.GetValue(verbose))
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"popcorn cc: {result.Alignment.CommonSymbols} symbols aligned; padding {string.Join(", ", result.Padding.Select(p => $"{p.Key.Name()} {p.Value} bytes"))}"));
            }
            return ExitCode.Success;
        });
        return command;
    }
}
