using System.CommandLine;
using System.CommandLine.Help;

namespace Systems.Cli;

/// <summary>
/// Runs a root command with the conventions of CONTRIBUTING.md: parse errors and <see cref="UsageException"/> exit
/// with <see cref="ExitCode.Usage"/> (System.CommandLine's default is 1), errors go to stderr in one line prefixed by
/// the program's name, and Ctrl+C cancels the action's token and exits with <see cref="ExitCode.Interrupted"/>.
/// </summary>
public static class CommandHost
{
    /// <summary>
    /// A root command named <paramref name="name"/> (the name users type, not the assembly's), with
    /// <c>--help</c> and <c>--version</c>.
    /// </summary>
    public static Command CreateRoot(string name, string description)
    {
        var root = new Command(name, description);
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        return root;
    }

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and invokes the chosen action.</summary>
    /// <param name="root">The program's root command; its name prefixes error messages.</param>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where standard output goes (the console when null).</param>
    /// <param name="error">Where errors go (the console's stderr when null).</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(Command root, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        output ??= Console.Out;
        error ??= Console.Error;
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"{root.Name}: {parseError.Message}");
            }
            await error.WriteLineAsync($"Run '{root.Name} --help' for usage.");
            return ExitCode.Usage;
        }

        try
        {
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return await parsed.InvokeAsync(configuration);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"{root.Name}: {e.Message}");
            return ExitCode.Usage;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync($"{root.Name}: interrupted");
            return ExitCode.Interrupted;
        }
    }
}
