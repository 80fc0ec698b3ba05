using Serval.Binary;
using Serval.Symbolic;
using Serval.Verification;

namespace Serval.Cli;

/// <summary>The verifier's steps of <c>serval demo</c>: the tutorial's monitor proved, then one exercise refuted.</summary>
internal static class ToymonDemo
{
    public static bool ProveMonitor(TextWriter output, CancellationToken token) => Run(output, InjectedBug.None, token);

    public static bool CatchMissingBoundsCheck(TextWriter output, CancellationToken token) =>
        Run(output, InjectedBug.Bounds, token, "dict_get refinement", "not in bounds of dictionary");

    public static bool CatchLostStore(TextWriter output, CancellationToken token) =>
        Run(output, InjectedBug.LostStore, token, "dict_set refinement", "refinement fails");

    public static bool CatchLeak(TextWriter output, CancellationToken token) =>
        Run(output, InjectedBug.Leak, token, "dict_get confidentiality", "step consistency fails");

    private static bool Run(TextWriter output, InjectedBug bug, CancellationToken token, string? failingCheck = null, string? reportMarker = null)
    {
        var sources = ToymonBuild.FindSourceDirectory();
        if (sources is null)
        {
            output.WriteLine("   serval/samples/toymon not found; run the demo from the repository");
            return false;
        }
        var cache = Path.Combine(Path.GetTempPath(), $"serval-demo-{Environment.ProcessId}");
        try
        {
            string elf;
            try
            {
                elf = ToymonBuild.Build(sources, Compiler.Gcc, 0, bug, cache);
            }
            catch (Exception e) when (e is CompilerNotFoundException or InvalidOperationException)
            {
                output.WriteLine($"   {e.Message}");
                return false;
            }
            var define = bug switch
            {
                InjectedBug.None => "",
                InjectedBug.Bounds => " -DINJECT_BOUNDS",
                InjectedBug.LostStore => " -DINJECT_LOST_STORE",
                _ => " -DINJECT_LEAK",
            };
            output.WriteLine($"   built {Path.GetFileName(sources)} with riscv64-linux-gnu-gcc -O0{define}");
            var monitor = new Toymon(ElfImage.Load(elf));
            var results = Verifier.Run(monitor.Image, monitor.Checks(), new VerifierOptions(Environment.ProcessorCount, null), token);
            foreach (var result in results)
            {
                output.WriteLine($"   {result.Name,-28} {result.Outcome}");
            }
            if (bug == InjectedBug.None)
            {
                return results.All(r => r.Outcome == VerifyOutcome.Proved);
            }
            var failed = results.FirstOrDefault(r => r.Name == failingCheck && r.Outcome == VerifyOutcome.Counterexample);
            if (failed is null)
            {
                return false;
            }
            foreach (var line in failed.Report.Split('\n').Where(l => !l.StartsWith("  0x", StringComparison.Ordinal)).Take(12))
            {
                output.WriteLine($"     {line}");
            }
            return failed.Report.Contains(reportMarker!, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }
}
