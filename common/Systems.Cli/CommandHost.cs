using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Systems.Cli;

/// <summary>
/// Runs a root command with the conventions of CONTRIBUTING.md: parse errors and <see cref="UsageException"/> exit
/// with <see cref="ExitCode.Usage"/> (System.CommandLine's default is 1), errors go to stderr in one line prefixed by
/// the program's name, and Ctrl+C cancels the action's token and exits with <see cref="ExitCode.Interrupted"/>.
/// </summary>
public static partial class CommandHost
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
                await error.WriteLineAsync($"{root.Name}: {Describe(parseError)}");
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

    /// <summary>
    /// A parse error as a person reads it: a value that does not convert names its option or argument and what that
    /// takes (<c>--quantum 'abc' is not a whole number</c>), not the .NET type System.CommandLine names.
    /// </summary>
    public static string Describe(ParseError parseError)
    {
        ArgumentNullException.ThrowIfNull(parseError);
        var (name, type) = parseError.SymbolResult switch
        {
            OptionResult option => (option.Option.Name, option.Option.ValueType),
            ArgumentResult { Parent: OptionResult option } => (option.Option.Name, option.Option.ValueType),
            ArgumentResult argument => (argument.Argument.Name, argument.Argument.ValueType),
            _ => (null, null),
        };
        var value = UnconvertedValue().Match(parseError.Message);
        return name is null || type is null || !value.Success ? parseError.Message : $"{name} '{value.Groups[1].Value}' is not {Expected(type)}";
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray)
        {
            return Expected(type.GetElementType()!) + " (each of them)";
        }
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type)).ToLowerInvariant();
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 => "a whole number of at least 0",
            TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss)",
            _ => "a " + type.Name,
        };
    }

    /// <summary>System.CommandLine's message for a token its converter refused: <c>Cannot parse argument 'X' for …</c>.</summary>
    [GeneratedRegex("^Cannot parse argument '(.*)' for (?:command|option) ", RegexOptions.CultureInvariant)]
    private static partial Regex UnconvertedValue();
}
