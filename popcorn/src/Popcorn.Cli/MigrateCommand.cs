using System.CommandLine;
using Popcorn.Emulation;
using Popcorn.Migration;
using Systems.Cli;

namespace Popcorn.Cli;

/// <summary><c>popcorn migrate PID --to ISA</c>: asks a running <c>popcorn run</c>, through its control socket, to move
/// its threads (or one) to another node at their next migration point.</summary>
internal static class MigrateCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var pid = new Argument<int>("pid") { Description = "Process id of the 'popcorn run' (the host process, as ps shows it)" };
        var to = new Option<string>("--to") { Description = "The destination node: aarch64 or riscv64", Required = true };
        var thread = new Option<int?>("--thread") { Description = "Move only this guest thread (its id, as --stats shows it); default: every thread" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the run to answer", DefaultValueFactory = _ => 10 };
        var command = new Command("migrate", "Ask a running 'popcorn run' to move its threads to another node at their next migration point")
        {
            pid, to, thread, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(to)!;
            var isa = IsaNames.Parse(name) ?? throw new UsageException($"--to '{name}' is neither aarch64 nor riscv64");
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                throw new UsageException("--timeout must be positive");
            }
            var error = parse.InvocationConfiguration.Error;
            string reply;
            try
            {
                reply = await ControlSocket.SendAsync(parse.GetValue(pid), new ControlRequest(isa, parse.GetValue(thread)), TimeSpan.FromSeconds(seconds), cancellationToken);
            }
            catch (FileNotFoundException e)
            {
                await error.WriteLineAsync($"popcorn: {e.Message}");
                return ExitCode.Negative;
            }
            catch (TimeoutException e)
            {
                await error.WriteLineAsync($"popcorn: {e.Message}");
                return ExitCode.NoAnswer;
            }
            if (reply.StartsWith("ok", StringComparison.Ordinal))
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"popcorn: {reply[(reply.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()}");
                return ExitCode.Success;
            }
            await error.WriteLineAsync($"popcorn: {reply.Replace("error: ", "", StringComparison.Ordinal)}");
            return ExitCode.Negative;
        });
        return command;
    }
}
