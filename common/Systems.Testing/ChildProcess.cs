using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Systems.Testing;

/// <summary>
/// A child process started by a test. Its standard output and error are collected line by line; disposing it kills
/// the process and everything it started, so a failed or timed-out test leaves nothing running. Children still
/// running when the test process is asked to end (SIGTERM, as <c>timeout</c> sends) are killed too.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<ChildProcess, byte> Live = new();

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Live.Keys)
            {
                child.Kill();
            }
        };
    }

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        startInfo.UseShellExecute = false;
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
                _stdoutClosed.TrySetResult();
                return;
            }
            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }
            _lines.Writer.TryWrite(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stderrClosed.TrySetResult();
                return;
            }
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.Start();
        Live.TryAdd(this, 0);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The operating system's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The process's standard input.</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    /// <summary>Everything written to standard output so far.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Everything written to standard error so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[key] = value;
        }
        return new ChildProcess(startInfo);
    }

    /// <summary>
    /// Starts a .NET program built beside the test (a project the test project references), as
    /// <c>dotnet NAME.dll arguments…</c>.
    /// </summary>
    public static ChildProcess StartDotnet(string assemblyName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        Start("dotnet", [DotnetProgramPath(assemblyName), .. arguments], workingDirectory, environment);

    /// <summary>The path of <c>NAME.dll</c> in the test's output folder.</summary>
    public static string DotnetProgramPath(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assemblyName}.dll is not beside the tests; reference its project.", path);
    }

    /// <summary>Runs a program to completion and returns its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> arguments,
        CancellationToken cancellationToken, string? workingDirectory = null, string? standardInput = null)
    {
        await using var child = Start(fileName, arguments, workingDirectory);
        if (standardInput is not null)
        {
            await child.StandardInput.WriteAsync(standardInput);
        }
        child.StandardInput.Close();
        var code = await child.WaitForExitAsync(cancellationToken);
        return (code, child.StandardOutput, child.StandardError);
    }

    /// <summary>Runs a .NET program built beside the test to completion (see <see cref="StartDotnet"/>).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunDotnetAsync(string assemblyName, IEnumerable<string> arguments,
        CancellationToken cancellationToken, string? workingDirectory = null, string? standardInput = null) =>
        RunAsync("dotnet", [DotnetProgramPath(assemblyName), .. arguments], cancellationToken, workingDirectory, standardInput);

    /// <summary>Waits for the next line of standard output that satisfies <paramref name="match"/>.</summary>
    /// <exception cref="InvalidOperationException">The process closed its output first.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
        {
            if (match(line))
            {
                return line;
            }
        }
        throw new InvalidOperationException($"The process closed its output before the expected line.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
    }

    /// <summary>Waits for the process to exit and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Kills the process (SIGKILL) and everything it started.</summary>
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
            // Already gone.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill();
        Live.TryRemove(this, out _);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
    }
}
