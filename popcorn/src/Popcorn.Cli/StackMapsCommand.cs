using System.CommandLine;
using Popcorn.Emulation;
using Popcorn.Migration;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary><c>popcorn stackmaps</c>: checks (as Popcorn's check-stackmaps) or dumps a binary's call-site metadata.</summary>
internal static class StackMapsCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var program = new Argument<string>("program") { Description = "A multi-ISA binary from 'popcorn cc'" };
        var dump = new Option<string?>("--dump") { Description = "Print the call sites of this function (or 'all') on every ISA" };
        var command = new Command("stackmaps", "Check that every ISA's call-site metadata agrees (exit 1 naming each disagreement), or dump it")
        {
            program, dump,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(program)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"program '{path}' does not exist");
            }
            Dictionary<Isa, CallSiteTable> tables;
            try
            {
                tables = Emulator.AvailableIsas.ToDictionary(isa => isa, isa => CallSiteTable.Read(Emulator.LoadImage(path, isa, isaChosen: true)));
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message, e);
            }
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(dump) is { } function)
            {
                foreach (var table in tables.Values)
                {
                    await output.WriteAsync(StackMapValidator.Dump(table, function == "all" ? null : function));
                }
                return ExitCode.Success;
            }
            var report = StackMapValidator.Check(tables[Isa.Aarch64], tables[Isa.RiscV64]);
            foreach (var warning in report.Warnings)
            {
                await output.WriteLineAsync($"warning: {warning}");
            }
            foreach (var error in report.Errors)
            {
                await output.WriteLineAsync($"error: {error}");
            }
            await output.WriteLineAsync($"{report.CallSites} call sites, {report.Errors.Count} disagreements, {report.Warnings.Count} frames that cannot be rewritten");
            return report.Errors.Count == 0 ? ExitCode.Success : ExitCode.Negative;
        });
        return command;
    }
}
