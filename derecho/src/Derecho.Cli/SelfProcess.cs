using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Derecho.Cli;

/// <summary>
/// This same program started as a child process (the demo's and the benchmark's members): its standard output is
/// read line by line into a channel; disposing it kills the process.
/// </summary>
internal sealed class SelfProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _pump;
    private readonly Task<string> _errors;

    private SelfProcess(Process process)
    {
        _process = process;
        _pump = Task.Run(PumpAsync);
        _errors = Task.Run(() => process.StandardError.ReadToEndAsync());
    }

    public int Id => _process.Id;

    public static SelfProcess Start(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var startInfo = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            startInfo.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        return new SelfProcess(Process.Start(startInfo) ?? throw new InvalidOperationException($"cannot start {host}"));
    }

    /// <summary>Distinct loopback ports that were free a moment ago.</summary>
    public static int[] FreePorts(int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }
            return [.. sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port)];
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    /// <summary>The next output line that satisfies <paramref name="match"/>.</summary>
    /// <exception cref="InvalidOperationException">The process ended its output first.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
        {
            if (match(line))
            {
                return line;
            }
        }
        var errors = await _errors.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        using var exitWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        exitWait.CancelAfter(TimeSpan.FromSeconds(5));
        await _process.WaitForExitAsync(exitWait.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var exit = _process.HasExited ? $"exited (code {_process.ExitCode})" : "closed its output";
        throw new InvalidOperationException($"process {Id} {exit} before printing the expected line; its errors:\n{errors}");
    }

    public void CloseInput() => _process.StandardInput.Close();

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
#pragma warning disable VSTHRD003 // The pump was started by this instance.
        await _pump;
#pragma warning restore VSTHRD003
        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            _lines.Writer.TryWrite(line);
        }
        _lines.Writer.TryComplete();
    }
}
