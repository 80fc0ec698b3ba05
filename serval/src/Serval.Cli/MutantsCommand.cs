using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Serval.Verification;
using Systems.Cli;

namespace Serval.Cli;

/// <summary><c>serval mutants toymon</c>: mutation testing of the verifier on the tutorial's monitor.</summary>
internal static class MutantsCommand
{
    public static Command Create()
    {
        var command = new Command("mutants", "Mutate the monitor's sources mechanically and verify every mutant: each behavioural change must be refuted, none proved.");
        var target = new Argument<string>("target") { Description = "What to mutate: toymon." };
        var limit = new Option<int?>("--limit") { Description = "Verify only every k-th mutant so that at most this many run." };
        var jobs = new Option<int>("--jobs") { Description = "Checks of one mutant run at once (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var tests = new Option<int>("--random-tests") { Description = "Concrete runs from random states that cross-examine each proof (per check).", DefaultValueFactory = _ => 64 };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var list = new Option<bool>("--list") { Description = "List the mutants without verifying them." };
        foreach (var option in new Option[] { limit, jobs, tests, json, list })
        {
            command.Options.Add(option);
        }
        command.Arguments.Add(target);
        command.SetAction((parse, token) => Task.Run(() =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(target) != "toymon")
            {
                throw new UsageException($"unknown target '{parse.GetValue(target)}'; the target is toymon");
            }
            var sources = ToymonBuild.FindSourceDirectory()
                ?? throw new UsageException("cannot find serval/samples/toymon; run from the repository");
            var mutants = Mutation.Generate(sources);
            if (parse.GetValue(limit) is { } most)
            {
                if (most < 1)
                {
                    throw new UsageException("--limit must be at least 1");
                }
                var stride = Math.Max(1, (mutants.Count + most - 1) / most);
                mutants = [.. mutants.Where((_, i) => i % stride == 0).Take(most)];
            }
            if (parse.GetValue(list))
            {
                foreach (var mutant in mutants)
                {
                    output.WriteLine(mutant.ToString());
                }
                return ExitCode.Success;
            }
            var work = Path.Combine(Path.GetTempPath(), $"serval-mutants-{Environment.ProcessId}");
            var results = new List<MutantResult>();
            try
            {
                var options = new VerifierOptions(Math.Max(1, parse.GetValue(jobs)), null);
                foreach (var mutant in mutants)
                {
                    MutantResult result;
                    try
                    {
                        result = Mutation.Run(sources, mutant, Compiler.Gcc, 0, work, options, parse.GetValue(tests), token);
                    }
                    catch (CompilerNotFoundException e)
                    {
                        throw new UsageException(e.Message, e);
                    }
                    results.Add(result);
                    if (!parse.GetValue(json))
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{result.Verdict.ToString().ToLowerInvariant(),-14} {mutant,-60} {result.Seconds,6:0.0} s  {result.Detail.Split('\n')[0]}"));
                    }
                }
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
            var score = Mutation.Score(results);
            var counts = Enum.GetValues<MutantVerdict>().ToDictionary(v => v.ToString().ToLowerInvariant(), v => results.Count(r => r.Verdict == v));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    score,
                    counts,
                    mutants = results.Select(r => new { mutant = r.Mutant.ToString(), verdict = r.Verdict.ToString().ToLowerInvariant(), detail = r.Detail, seconds = r.Seconds }),
                }, JsonOptions));
            }
            else
            {
                output.WriteLine(string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"mutation score {score:P1}: {counts["killed"]} killed of {results.Count - counts["stillborn"] - counts["equivalent"]} non-equivalent mutants that compile"));
            }
            return results.Any(r => r.Verdict is MutantVerdict.WronglyProved or MutantVerdict.Unconfirmed) ? ExitCode.Negative
                : results.Any(r => r.Verdict == MutantVerdict.Unknown) ? ExitCode.NoAnswer : ExitCode.Success;
        }, token));
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
