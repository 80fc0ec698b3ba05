using Serval.Symbolic;
using Serval.Verification;
using Systems.Cli;

namespace Serval.Cli;

/// <summary>How the verifying commands print a list of check results and turn it into an exit code.</summary>
internal static class CheckReport
{
    /// <summary>One line per check (verdict, seconds, cached), its report indented under it, and a closing count.</summary>
    public static void Write(TextWriter output, IReadOnlyList<CheckResult> results, double totalSeconds, int nameWidth = 28)
    {
        foreach (var result in results)
        {
            var verdict = result.Outcome switch
            {
                VerifyOutcome.Proved => "proved",
                VerifyOutcome.Counterexample => "COUNTEREXAMPLE",
                _ => "UNKNOWN",
            };
            output.WriteLine($"  {result.Name.PadRight(nameWidth)} {verdict,-15} {result.Seconds,6:0.000} s{(result.Cached ? " (cached)" : "")}");
            if (result.Report.Length > 0)
            {
                output.WriteLine(string.Join('\n', result.Report.TrimEnd().Split('\n').Select(l => "      " + l)));
            }
        }
        output.WriteLine($"{results.Count(r => r.Outcome == VerifyOutcome.Proved)}/{results.Count} checks proved in {totalSeconds:0.000} s");
    }

    /// <summary>1 when any check has a counterexample, else 3 when any is unknown, else 0.</summary>
    public static int ExitCodeOf(IReadOnlyList<CheckResult> results) =>
        results.Any(r => r.Outcome == VerifyOutcome.Counterexample) ? ExitCode.Negative
            : results.Any(r => r.Outcome == VerifyOutcome.Unknown) ? ExitCode.NoAnswer : ExitCode.Success;
}
