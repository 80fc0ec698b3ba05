using System.Globalization;

namespace Popcorn.Toolchain;

/// <summary>
/// The <c>popcorn cc</c> driver. Compiles C once to LLVM IR for one triple and optimizes it there, lowers that same IR
/// for aarch64 and riscv64, links each with the runtime and the cross libgcc, aligns every common symbol with
/// generated lld scripts (see <see cref="LayoutPlanner"/>), verifies the result with <see cref="AlignmentChecker"/>,
/// and writes the multi-ISA binary with the per-ISA executables beside it.
/// </summary>
public static class MultiIsaCompiler
{
    /// <summary>Builds <paramref name="options"/>.</summary>
    /// <exception cref="CompileException">A compile error (with clang's diagnostics), a missing file, a layout
    /// refusal, or a misaligned symbol.</exception>
    public static CompileResult Compile(CompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        LayoutCheck.CheckTargets();
        var runtime = BuildRuntime(options.OptimizationLevel);

        var work = Path.Combine(Path.GetTempPath(), $"popcorn-cc-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var warnings = new System.Text.StringBuilder();
            var bitcode = options.Sources.Select((source, i) =>
                CompileToBitcode(source, Path.Combine(work, $"{i}-{Path.GetFileNameWithoutExtension(source)}.bc"), options.OptimizationLevel,
                    options.IncludeDirectories, options.Defines, options.ClangOptions, freestanding: false, warnings)).ToList();
            var ir = LinkAndNormalize(bitcode, Path.Combine(work, "user"), options.MigrationPoints);
            var objects = ForEachIsa(isa =>
            {
                var dir = Directory.CreateDirectory(Path.Combine(work, isa.Name())).FullName;
                var user = Lower(ir, isa, options.OptimizationLevel, Path.Combine(dir, "pc-user.o"));
                return new List<string> { user, Path.Combine(runtime, isa.Name(), RuntimeLibrary.PortableObject), Path.Combine(runtime, isa.Name(), RuntimeLibrary.ArchObject) };
            });
            return LinkAligned(objects, options.Output, work) with { Warnings = warnings.ToString() };
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("POPCORN_KEEP_TEMP") is null)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>Builds (or finds in the cache) the runtime objects for an optimization level; returns the cache
    /// entry holding <c>ISA/pc-rt.o</c> and <c>ISA/pc-rtarch.o</c>.</summary>
    public static string BuildRuntime(int optimizationLevel)
    {
        // The toolchain's own build identity (deterministic: it changes with the code) stands for what the IR steps do.
        var toolchain = typeof(MultiIsaCompiler).Assembly.ManifestModule.ModuleVersionId.ToString();
        var key = BuildCache.Hash([.. RuntimeLibrary.HashInputs(), $"O{optimizationLevel}", .. Tools.AlignableOptions, toolchain, .. Tools.LlcOptions(optimizationLevel)]);
        return BuildCache.GetOrBuild("runtime", key, staging =>
        {
            var bitcode = RuntimeLibrary.PortableSources.Select(source =>
                CompileToBitcode(source, Path.Combine(staging, Path.GetFileNameWithoutExtension(source) + ".bc"), optimizationLevel, [], [], [], freestanding: true)).ToList();
            var ir = LinkAndNormalize(bitcode, Path.Combine(staging, "runtime"), MigrationPoints.None);
            ForEachIsa(isa =>
            {
                var dir = Directory.CreateDirectory(Path.Combine(staging, isa.Name())).FullName;
                Lower(ir, isa, optimizationLevel, Path.Combine(dir, RuntimeLibrary.PortableObject));
                ToolRunner.Run(Tools.Clang, [.. isa.ClangTargetOptions(), $"-O{Math.Max(optimizationLevel, 1)}", .. Tools.AlignableOptions,
                    "-ffreestanding", "-isystem", RuntimeLibrary.IncludeDirectory, "-c", RuntimeLibrary.ArchSource(isa), "-o", Path.Combine(dir, RuntimeLibrary.ArchObject)]);
                return dir;
            });
            foreach (var file in Directory.GetFiles(staging, "*.bc"))
            {
                File.Delete(file);
            }
        });
    }

    private static string CompileToBitcode(string source, string output, int optimizationLevel, IReadOnlyList<string> includes,
        IReadOnlyList<string> defines, IReadOnlyList<string> clangOptions, bool freestanding, System.Text.StringBuilder? warnings = null)
    {
        List<string> arguments = [$"--target={IrRetargeter.IrTriple.Triple()}", $"-ffixed-{IrRetargeter.IrTriple.FlagAddressRegister()}",
            $"-O{optimizationLevel}", .. Tools.AlignableOptions,
            "-isystem", RuntimeLibrary.IncludeDirectory];
        if (freestanding)
        {
            arguments.AddRange(["-ffreestanding", "-fno-builtin", "-D__POPCORN_RUNTIME__"]);
        }
        foreach (var include in includes)
        {
            arguments.AddRange(["-I", include]);
        }
        foreach (var define in defines)
        {
            arguments.Add("-D" + define);
        }
        arguments.AddRange(clangOptions);
        arguments.AddRange(["-emit-llvm", "-c", source, "-o", output]);
        var diagnostics = ToolRunner.RunWithDiagnostics(Tools.Clang, arguments).Diagnostics;
        warnings?.Append(diagnostics);
        return output;
    }

    private static string LinkAndNormalize(IReadOnlyList<string> bitcode, string stem, MigrationPoints migrationPoints)
    {
        var linked = stem + ".bc";
        ToolRunner.Run(Tools.LlvmLink, [.. bitcode, "-o", linked]);
        var text = ToolRunner.Run(Tools.LlvmDis, [linked, "-o", "-"]);
        LayoutCheck.CheckIr(text);
        var normalized = IrRetargeter.Normalize(text);
        var plain = stem + ".plain.ll";
        File.WriteAllText(plain, normalized);
        var path = stem + ".ll";
        MigrationInstrumenter.Instrument(plain, path, migrationPoints);
        return path;
    }

    private static string Lower(string irPath, TargetIsa isa, int optimizationLevel, string objectPath)
    {
        var retargeted = Path.ChangeExtension(objectPath, $".{isa.Name()}.ll");
        File.WriteAllText(retargeted, IrRetargeter.Retarget(File.ReadAllText(irPath), isa));
        // Code generation at -O1 at least: -O0's register allocator keeps separate spill copies of one value, and a
        // stack map can name only one of them. The IR (what -O0 means to clang) is unchanged.
        ToolRunner.Run(Tools.Llc, [$"-O{Math.Max(1, optimizationLevel)}", $"-mtriple={isa.Triple()}", .. isa.LlcOptions(), .. Tools.LlcOptions(optimizationLevel), retargeted, "-o", objectPath]);
        return objectPath;
    }

    private static CompileResult LinkAligned(Dictionary<TargetIsa, List<string>> objects, string output, string work)
    {
        var maps = ForEachIsa(isa =>
        {
            var map = Path.Combine(work, $"{isa.Name()}.first.map");
            Link(isa, objects[isa], Path.Combine(work, $"{isa.Name()}.first"), map, script: null);
            return LinkMap.Parse(File.ReadAllText(map));
        });

        var scripts = LayoutPlanner.Plan(maps);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var executables = ForEachIsa(isa =>
        {
            var script = Path.Combine(work, $"{isa.Name()}.ld");
            File.WriteAllText(script, scripts[isa]);
            var executable = $"{output}.{isa.Name()}";
            Link(isa, objects[isa], executable, Path.Combine(work, $"{isa.Name()}.map"), script);
            return executable;
        });
        var padding = TargetIsas.All.ToDictionary(isa => isa, isa =>
        {
            var placed = maps[isa].Where(s => LayoutPlanner.RegionOf(s.Name) is not null).Sum(s => (long)s.Size);
            var regions = ElfSymbolTable.Read(executables[isa]).Sections.Where(s => LayoutPlanner.RegionOf(s.Name) is not null).Sum(s => (long)s.Size);
            return regions - placed;
        });

        var report = AlignmentChecker.Check(executables.ToDictionary(p => p.Key, p => ElfSymbolTable.Read(p.Value)));
        if (!report.IsAligned)
        {
            var problems = report.Misaligned.Select(m => $"{m.Name} at " + string.Join(", ",
                    m.Addresses.Select(a => string.Create(CultureInfo.InvariantCulture, $"0x{a.Value:x} on {a.Key.Name()}"))))
                .Concat(report.Overlapping);
            throw new CompileException("check-align failed: " + string.Join("; ", problems.Take(10)));
        }
        CheckStackMaps(executables);
        new MultiIsaBinary(executables.ToDictionary(p => p.Key, p => File.ReadAllBytes(p.Value))).Write(output);
        return new CompileResult(output, executables, report, padding);
    }

    /// <summary>Popcorn's check-stackmaps: both ISAs must record the same call sites with the same values.</summary>
    private static void CheckStackMaps(Dictionary<TargetIsa, string> executables)
    {
        var tables = executables.ToDictionary(p => p.Key, p => Migration.CallSiteTable.Read(Emulation.ElfImage.Load(p.Value)));
        var report = Migration.StackMapValidator.Check(tables[TargetIsa.Aarch64], tables[TargetIsa.Riscv64]);
        if (report.Errors.Count > 0)
        {
            throw new CompileException("check-stackmaps failed: " + string.Join("; ", report.Errors.Take(10)));
        }
    }

    /// <summary>Runs <paramref name="work"/> for every ISA at once (the tools are separate processes) and collects the results.</summary>
    private static Dictionary<TargetIsa, T> ForEachIsa<T>(Func<TargetIsa, T> work)
    {
        var results = new System.Collections.Concurrent.ConcurrentDictionary<TargetIsa, T>();
        try
        {
            Parallel.ForEach(TargetIsas.All, isa => results[isa] = work(isa));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return results.ToDictionary(p => p.Key, p => p.Value);
    }

    private static void Link(TargetIsa isa, IReadOnlyList<string> objects, string output, string map, string? script)
    {
        // No --gc-sections: the stack maps refer to every function that makes a call, so they all stay, in both links.
        List<string> arguments = ["-static", "-nostdlib", "-e", "_start", "-z", "max-page-size=4096", "-z", "norelro",
            "--build-id=none", "-Map", map, "-o", output];
        if (isa == TargetIsa.Riscv64)
        {
            arguments.Add("--no-relax");
        }
        if (script is not null)
        {
            arguments.AddRange(["-T", script]);
        }
        arguments.AddRange(objects);
        arguments.Add(isa.LibGcc());
        ToolRunner.Run(Tools.Lld, arguments);
    }
}
