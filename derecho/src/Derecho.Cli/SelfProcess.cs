using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Derecho.Cli;

/// <summary>
/// This same program started as a child process (the demo's and the benchmark's members): its standard output is
/// read line by line into a channel; disposing it kills the process.
/// </summary>
internal sealed class SelfProcess : IAsyncDisposable
{
    /// <summary>How long a line is awaited unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultLineTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How long the output of a process that exited may take to end (a child it left may hold it open).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _pump;
    private readonly Task _errorPump;
    private readonly StringBuilder _errors = new();
    private readonly Task _gone;

    private SelfProcess(Process process)
    {
        _process = process;
        _pump = Task.Run(PumpAsync);
        _errorPump = Task.Run(PumpErrorsAsync);
        _gone = Task.Run(GoneAsync);
    }

    public int Id => _process.Id;

    /// <summary>What the process wrote on standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static SelfProcess Start(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var startInfo = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            startInfo.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        return Start(startInfo);
    }

    /// <summary>Starts <paramref name="startInfo"/> with its standard streams redirected.</summary>
    public static SelfProcess Start(ProcessStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        return new SelfProcess(Process.Start(startInfo) ?? throw new InvalidOperationException($"cannot start {startInfo.FileName}"));
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

    /// <summary>
    /// The next output line that satisfies <paramref name="match"/>, waiting at most <paramref name="timeout"/>
    /// (<see cref="DefaultLineTimeout"/>) and no longer than the process lives (a process that exited has its
    /// remaining output read, even if a child it left holds the output open).
    /// </summary>
    /// <exception cref="InvalidOperationException">The process exited or ended its output first.</exception>
    /// <exception cref="TimeoutException">No such line within the timeout.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultLineTimeout;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(limit);
        try
        {
            while (true)
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (match(line))
                    {
                        return line;
                    }
                }
                if (_lines.Reader.Completion.IsCompleted || _gone.IsCompleted)
                {
                    break;
                }
                await Task.WhenAny(_lines.Reader.WaitToReadAsync(bound.Token).AsTask(), _gone).WaitAsync(bound.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"process {Id} printed no expected line within {limit.TotalSeconds:0.#} s; its errors:\n{Errors}");
        }
        await _errorPump.WaitAsync(OutputGrace, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var exit = _process.HasExited ? $"exited (code {_process.ExitCode})" : "closed its output";
        throw new InvalidOperationException($"process {Id} {exit} before printing the expected line; its errors:\n{Errors}");
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
#pragma warning disable VSTHRD003 // The pumps were started by this instance; a child the process left may hold its output open.
        await Task.WhenAll(_pump, _errorPump).WaitAsync(OutputGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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

    private async Task PumpErrorsAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_errors)
            {
                _errors.AppendLine(line);
            }
        }
    }

    /// <summary>Completes once the process exited and its output ended, or <see cref="OutputGrace"/> after the exit.</summary>
    private async Task GoneAsync()
    {
        await _process.WaitForExitAsync();
#pragma warning disable VSTHRD003 // The pump was started by this instance.
        await _pump.WaitAsync(OutputGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
#pragma warning restore VSTHRD003
    }
}
