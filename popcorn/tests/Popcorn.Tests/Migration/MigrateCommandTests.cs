using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Popcorn.Tests.Migration;

/// <summary>
/// <c>popcorn migrate PID --to ISA</c> from another process moves the threads of a running <c>popcorn run</c> through
/// its control socket; bad requests get clear errors and leave the run going.
/// </summary>
public sealed class MigrateCommandTests
{
    [Integration]
    [Fact(Timeout = 180_000)]
    public async Task Another_process_moves_a_running_program_and_bad_requests_are_refused()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var binary = MigrationTests.BuildProgram("wait_for_move.c", 0);
        using var sockets = new TempDirectory("popcorn-control");
        var environment = new Dictionary<string, string?> { ["POPCORN_CONTROL_DIR"] = sockets.Path };
        await using var run = ChildProcess.StartDotnet("Popcorn.Cli", ["run", binary, "--start", "riscv64", "--stats"], environment: environment);
        await run.WaitForLineAsync(line => line == "ready on 1", cancellationToken);
        var pid = run.Id.ToString(CultureInfo.InvariantCulture);
        var socket = sockets.Combine(pid + ".sock");
        Assert.True(File.Exists(socket), $"no control socket at {socket}");

        var (code, _, stderr) = await MigrateAsync([pid, "--to", "aarch64", "--thread", "4242"], environment, cancellationToken);
        Assert.Equal(1, code);
        Assert.Contains("no thread 4242", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await MigrateAsync([pid, "--to", "x86_64"], environment, cancellationToken);
        Assert.Equal(2, code);
        Assert.Contains("'x86_64' is neither aarch64 nor riscv64", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await MigrateAsync(["999999999", "--to", "aarch64"], environment, cancellationToken);
        Assert.Equal(1, code);
        Assert.Contains("no running 'popcorn run' has process id 999999999", stderr, StringComparison.Ordinal);
        Assert.StartsWith("error: ", await SendRawAsync(socket, "hello there\n", cancellationToken), StringComparison.Ordinal);
        // An endless line: the peer is dropped (with an error, or a reset when its unread bytes are discarded).
        Assert.Contains(await SendRawAsync(socket, new string('x', 500), cancellationToken), new[] { "error: request longer than 128 bytes\n", "reset" });
        Assert.False(run.HasExited);

        (code, var stdout, stderr) = await MigrateAsync([pid, "--to", "aarch64"], environment, cancellationToken);
        Assert.True(code == 0, stderr);
        Assert.Contains("will move to aarch64", stdout, StringComparison.Ordinal);
        Assert.Equal(0, await run.WaitForExitAsync(cancellationToken));
        Assert.Contains("arrived on 0 (worked)", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("migrations: 1 (0 refused)", run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(socket), "the control socket is removed at exit");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> MigrateAsync(string[] arguments, Dictionary<string, string?> environment,
        CancellationToken cancellationToken)
    {
        await using var child = ChildProcess.StartDotnet("Popcorn.Cli", ["migrate", .. arguments], environment: environment);
        var code = await child.WaitForExitAsync(cancellationToken);
        return (code, child.StandardOutput, child.StandardError);
    }

    private static async Task<string> SendRawAsync(string path, string text, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, cancellationToken);
        var buffer = new byte[512];
        var length = 0;
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken)) > 0)
            {
                length += read;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "reset";
        }
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
