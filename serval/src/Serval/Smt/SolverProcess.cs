using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Serval.Smt;

/// <summary>A started solver process with piped standard streams; standard error is kept (its tail) for reports.</summary>
internal sealed class SolverProcess : IDisposable
{
    private const int StderrTail = 2000;
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private SolverProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
                if (_stderr.Length > 2 * StderrTail)
                {
                    _stderr.Remove(0, _stderr.Length - StderrTail);
                }
            }
        };
        _process.BeginErrorReadLine();
        Input = _process.StandardInput;
        Output = _process.StandardOutput;
    }

    public StreamWriter Input { get; }

    public StreamReader Output { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the solver; the error message names the executable when it cannot start.</summary>
    public static SolverProcess Start(SolverCommand command, IEnumerable<string> extraArguments)
    {
        var startInfo = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in command.Arguments.Concat(extraArguments))
        {
            startInfo.ArgumentList.Add(argument);
        }
        try
        {
            var process = Process.Start(startInfo) ?? throw new SolverStartException($"{command.FileName} did not start");
            return new SolverProcess(process);
        }
        catch (Win32Exception e)
        {
            throw new SolverStartException($"cannot start {command.FileName}: {e.Message}", e);
        }
    }

    /// <summary>Why the process ended: its exit code and the last lines of its standard error.</summary>
    public string Describe()
    {
        var code = "";
        try
        {
            if (_process.WaitForExit(1000))
            {
                _process.WaitForExit();
                code = $" with code {_process.ExitCode}";
            }
        }
        catch (InvalidOperationException)
        {
        }
        string tail;
        lock (_stderr)
        {
            tail = _stderr.ToString().Trim();
        }
        if (tail.Length > StderrTail)
        {
            tail = tail[^StderrTail..];
        }
        return tail.Length == 0 ? $"exited{code}" : $"exited{code}: {tail}";
    }

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
        catch (Win32Exception)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

/// <summary>A solver executable could not be started.</summary>
public sealed class SolverStartException : Exception
{
    /// <summary>Creates the exception naming the executable.</summary>
    public SolverStartException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public SolverStartException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public SolverStartException() : base("The solver could not be started.")
    {
    }
}
